//! Human output, rendered like rustc with annotate-snippets.

use annotate_snippets::{AnnotationKind, Group, Level as ALevel, Renderer, Snippet};

use super::{Sources, excerpt};
use crate::diagnostic::{ChildKind, Diagnostic, Level, Span};

/// Renders one diagnostic as rustc would print it (no colour).
pub fn render(d: &Diagnostic, sources: &Sources) -> String {
    render_with(d, sources, &Renderer::plain())
}

/// Renders one diagnostic with the given renderer (e.g. `Renderer::styled()`).
pub fn render_with(d: &Diagnostic, sources: &Sources, renderer: &Renderer) -> String {
    let level = match d.level {
        Level::Deny => ALevel::ERROR,
        _ => ALevel::WARNING,
    };
    let file = d.span.file.to_string_lossy().into_owned();
    let mut group = Group::with_title(level.primary_title(d.message.as_str()));
    if let Some(s) = snippet(&d.span, &file, sources, d.label.as_deref()) {
        group = group.element(s);
    }
    let mut groups = vec![];
    let mut spanned: Vec<Group<'_>> = vec![];
    let mut messages = vec![];
    for c in &d.children {
        let lvl = match c.kind {
            ChildKind::Note => ALevel::NOTE,
            ChildKind::Help => ALevel::HELP,
        };
        match &c.span {
            Some(span) => {
                let cfile = span.file.to_string_lossy().into_owned();
                let mut g = Group::with_title(lvl.secondary_title(c.message.clone()));
                if let Some(s) = snippet(span, &cfile, sources, None) {
                    g = g.element(s);
                }
                spanned.push(g);
            }
            None => messages.push(lvl.message(c.message.clone())),
        }
    }
    // As rustc does: notes that point at code first, then the `= help` and
    // `= note` lines at the end of the last section.
    match spanned.pop() {
        Some(mut last) => {
            last = last.elements(messages);
            groups.push(group);
            groups.extend(spanned);
            groups.push(last);
        }
        None => groups.push(group.elements(messages)),
    }
    renderer.render(&groups)
}

fn snippet<'a>(
    span: &Span,
    file: &str,
    sources: &'a Sources,
    label: Option<&'a str>,
) -> Option<Snippet<'a, annotate_snippets::Annotation<'a>>> {
    let src = sources.get(&span.file)?;
    let (text, line, range, _) = excerpt(src, span);
    let mut ann = AnnotationKind::Primary.span(range);
    if let Some(l) = label {
        ann = ann.label(l);
    }
    Some(
        Snippet::source(text)
            .line_start(line)
            .path(file.to_string())
            .annotation(ann),
    )
}
