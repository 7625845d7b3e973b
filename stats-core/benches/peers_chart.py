#!/usr/bin/env python3
"""Draws the figures of `cargo bench -p stats-core --bench peers` as an SVG
bar chart: one panel per workload, one group of bars per contender (one bar
per thread count), M ops/s on a log scale.

    PEERS_CSV=/tmp/peers.csv cargo bench -p stats-core --bench peers
    python3 stats-core/benches/peers_chart.py /tmp/peers.csv stats-core/benches/peers.svg

Plain SVG from the standard library: no plotting package needed. The
snapshot rows of the CSV are not drawn (they are times, not rates).
"""

import csv
import math
import sys
from collections import OrderedDict
from xml.sax.saxutils import escape

COLOURS = {1: "#9ecae1", 2: "#2171b5", 4: "#08306b"}
OURS = "#d94801"  # the outline of our rows
WIDTH = 980
LABEL_W = 300
BAR_X0 = LABEL_W + 10
BAR_W = 560
BAR_H = 7
ROW_GAP = 8
TITLES = {
    "counter": "counter increment",
    "gauge": "gauge inc/dec (inc and dec each one op)",
    "closed key": "closed-key increment (4 variants, each thread cycling)",
    "2 keys": "open-key increment, 2 keys",
    "64 keys": "open-key increment, 64 keys",
    "10,000 keys": "open-key increment, 10,000 keys",
    "1 hot key": "open-key increment, 1 hot key",
}


def read(path):
    """{workload: {contender: {threads: mops}}}, in file order."""
    data = OrderedDict()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["workload"] == "snapshot":
                continue
            contenders = data.setdefault(row["workload"], OrderedDict())
            contenders.setdefault(row["contender"], {})[int(row["threads"])] = float(
                row["mops"]
            )
    return data


def draw(data, title):
    lo, hi = 1.0, 10000.0
    values = [v for w in data.values() for c in w.values() for v in c.values()]
    while values and min(values) < lo:
        lo /= 10
    while values and max(values) > hi:
        hi *= 10
    span = math.log10(hi) - math.log10(lo)

    def x(v):
        return BAR_X0 + BAR_W * (math.log10(max(v, lo)) - math.log10(lo)) / span

    threads = sorted({t for w in data.values() for c in w.values() for t in c})
    out = []
    y = 40
    out.append(
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="16" '
        f'font-weight="bold">{escape(title)}</text>'
    )
    # Legend.
    lx = BAR_X0
    for t in threads:
        out.append(
            f'<rect x="{lx}" y="{y - 9}" width="14" height="10" fill="{COLOURS.get(t, "#666")}"/>'
        )
        out.append(
            f'<text x="{lx + 18}" y="{y}" font-size="12">{t} thread{"s" if t > 1 else ""}</text>'
        )
        lx += 95
    out.append(
        f'<text x="{lx + 10}" y="{y}" font-size="12" fill="{OURS}">'
        f"orange name: StatTable</text>"
    )
    y += 20
    for workload, contenders in data.items():
        panel_h = len(contenders) * (len(threads) * BAR_H + ROW_GAP) + 8
        out.append(
            f'<text x="10" y="{y + 14}" font-size="14" font-weight="bold">'
            f"{escape(TITLES.get(workload, workload))}</text>"
        )
        y += 24
        top = y
        # Grid and axis labels.
        decade = lo
        while decade <= hi * 1.0001:
            gx = x(decade)
            out.append(
                f'<line x1="{gx:.1f}" y1="{top - 2}" x2="{gx:.1f}" y2="{top + panel_h}" '
                f'stroke="#ddd" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{gx:.1f}" y="{top + panel_h + 12}" font-size="10" '
                f'text-anchor="middle" fill="#555">{decade:g}</text>'
            )
            decade *= 10
        for name, rates in contenders.items():
            ours = name.startswith("StatTable")
            row_h = len(threads) * BAR_H
            out.append(
                f'<text x="{LABEL_W}" y="{y + row_h / 2 + 4:.1f}" font-size="12" '
                f'text-anchor="end"{" fill=" + chr(34) + OURS + chr(34) if ours else ""}>'
                f"{escape(name)}</text>"
            )
            for i, t in enumerate(threads):
                if t not in rates:
                    continue
                v = rates[t]
                by = y + i * BAR_H
                out.append(
                    f'<rect x="{BAR_X0}" y="{by}" width="{x(v) - BAR_X0:.1f}" '
                    f'height="{BAR_H - 1}" fill="{COLOURS.get(t, "#666")}"/>'
                )
                out.append(
                    f'<text x="{x(v) + 3:.1f}" y="{by + BAR_H - 1}" font-size="8" '
                    f'fill="#333">{v:.3g}</text>'
                )
            y += row_h + ROW_GAP
        y = top + panel_h + 24
    out.append(
        f'<text x="{BAR_X0 + BAR_W / 2}" y="{y}" font-size="11" text-anchor="middle" '
        f'fill="#555">M ops/s, log scale</text>'
    )
    height = y + 12
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif">\n'
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>\n'
        + "\n".join(out)
        + "\n</svg>\n"
    )


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    title = (
        sys.argv[3]
        if len(sys.argv) == 4
        else "stats-core against its peers: M ops/s at 1, 2 and 4 threads"
    )
    with open(sys.argv[2], "w") as f:
        f.write(draw(read(sys.argv[1]), title))


if __name__ == "__main__":
    main()
