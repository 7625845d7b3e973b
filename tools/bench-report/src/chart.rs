//! PNG bar charts with plotters: one group of bars per contender, one bar
//! per thread count (or per series count), drawn horizontally so that the
//! contenders' names fit.
//!
//! Text goes through plotters' `ab_glyph` backend (pure Rust), which needs a
//! TrueType font registered at run time: `BENCH_REPORT_FONT`, else the
//! first of a few usual system paths (DejaVu Sans: the Debian and Ubuntu
//! package `fonts-dejavu-core`, installed on most images).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Where a sans-serif TrueType font usually is.
const FONT_PATHS: [&str; 7] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Registers a font as `sans-serif`; returns its path, or `None` (and the
/// charts are skipped) when none is found.
pub fn register_font() -> Option<PathBuf> {
    let candidates = std::env::var_os("BENCH_REPORT_FONT")
        .map(PathBuf::from)
        .into_iter()
        .chain(FONT_PATHS.iter().map(PathBuf::from));
    for path in candidates {
        if let Ok(bytes) = std::fs::read(&path) {
            // plotters keeps fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return Some(path);
            }
        }
    }
    None
}

/// One group of bars: a contender and its value per series (thread count).
pub struct Group {
    pub label: String,
    pub values: Vec<Option<f64>>,
    /// Ours: its label is drawn in the accent colour.
    pub ours: bool,
}

/// Bar colours, light to dark, one per series.
const COLOURS: [RGBColor; 4] = [
    RGBColor(0x9e, 0xca, 0xe1),
    RGBColor(0x42, 0x92, 0xc6),
    RGBColor(0x08, 0x45, 0x94),
    RGBColor(0x08, 0x20, 0x50),
];
const ACCENT: RGBColor = RGBColor(0xd9, 0x48, 0x01);

fn text_error<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Formats a bar's value: three significant digits or so.
pub fn short(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Draws `groups` as horizontal grouped bars into a PNG at `path`.
pub fn bars(
    path: &Path,
    title: &str,
    axis: &str,
    series: &[String],
    groups: &[Group],
) -> Result<(), String> {
    let per_group = series.len().max(1) as u32 * 13 + 14;
    // Below the last group, a band for the legend (none for one series).
    let legend = if series.len() > 1 {
        f64::from(series.len() as u32 * 19 + 14) / f64::from(per_group)
    } else {
        0.0
    };
    let height = 110 + groups.len() as u32 * per_group + (legend * f64::from(per_group)) as u32;
    // Room for the longest name, at about 7 pixels a character.
    let label_width = groups
        .iter()
        .map(|g| g.label.chars().count() as u32 * 7 + 24)
        .max()
        .unwrap_or(100)
        .clamp(120, 640);
    let root = BitMapBackend::new(path, (label_width + 700, height)).into_drawing_area();
    root.fill(&WHITE).map_err(text_error)?;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().flatten())
        .copied()
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let n = groups.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 19))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0.0..max * 1.12, -legend..n)
        .map_err(text_error)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .y_label_formatter(&|_| String::new())
        .x_label_formatter(&|v| {
            if max >= 20.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .x_desc(axis)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(text_error)?;

    let k = series.len().max(1) as f64;
    let slot = 0.8 / k;
    // Group g (from the top) spans [n - g - 1, n - g]; bar s within it.
    let span = |g: usize, s: usize| {
        let top = n - g as f64 - 0.1 - s as f64 * slot;
        (top - slot * 0.9, top)
    };
    for (s, name) in series.iter().enumerate() {
        let colour = COLOURS[s.min(COLOURS.len() - 1)];
        let bars = groups.iter().enumerate().filter_map(move |(g, group)| {
            let v = group.values.get(s).copied().flatten()?;
            let (y0, y1) = span(g, s);
            Some(Rectangle::new([(0.0, y0), (v, y1)], colour.filled()))
        });
        chart
            .draw_series(bars)
            .map_err(text_error)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        let value_style =
            TextStyle::from(("sans-serif", 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let labels = groups.iter().enumerate().filter_map(|(g, group)| {
            let v = group.values.get(s).copied().flatten()?;
            let (y0, y1) = span(g, s);
            Some(
                EmptyElement::at((v, (y0 + y1) / 2.0))
                    + Text::new(short(v), (4, 0), value_style.clone()),
            )
        });
        chart.draw_series(labels).map_err(text_error)?;
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.5))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(text_error)?;
    }

    // The contenders' names, right-aligned left of the plot.
    for (g, group) in groups.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, n - g as f64 - 0.5));
        let colour = if group.ours { ACCENT } else { BLACK };
        let style = TextStyle::from(("sans-serif", 13).into_font())
            .color(&colour)
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(group.label.clone(), (x - 8, y), style))
            .map_err(text_error)?;
    }
    root.present().map_err(text_error)?;
    Ok(())
}
