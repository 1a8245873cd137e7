#!/usr/bin/env python3
"""SVG charts for docs/performance.md from a deploy_bench.py JSON (no plotting library:
two bar charts are a few rectangles).

    python bench/chart.py bench/results/NAME.json docs/img/
writes deploy-targets.svg (each target's measured median as a share of the target) and
memory.svg (PSS per service).
"""
from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path

# scenario -> target seconds (issue: performance)
TARGETS = {
    "warm deploy (images present)": 90.0,
    "no-op re-run": 3.0,
    "one-service change (keystone)": 20.0,
    "keystone registration (in the warm deploy)": 5.0,
}
MEMORY_TARGET_MIB = 2560.0
ROW, LABEL_W, BAR_W = 26, 300, 420


def bars(title: str, rows: list[tuple[str, float, float | None]], unit: str) -> str:
    """Horizontal bars; a red tick and figure for each row's target (None: no target)."""
    top = max([v for _, v, _ in rows] + [t for _, _, t in rows if t]) * 1.15
    h = 40 + ROW * len(rows) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + BAR_W + 110}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value, target) in enumerate(rows):
        y = 36 + i * ROW
        w = BAR_W * value / top
        over = target is not None and value > target
        colour = "#c0392b" if over else "#2e86c1"
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="{colour}"/>')
        out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 15}">{value:g} {unit}</text>')
        if target is not None:
            x = LABEL_W + BAR_W * target / top
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + ROW - 2}" '
                       f'stroke="#222" stroke-width="2" stroke-dasharray="3,2"/>')
    out.append(f'<text x="{LABEL_W}" y="{h - 6}" fill="#555">dashed line: target; red bar: target not met</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def versus_targets(title: str, rows: list[tuple[str, float, float, str]]) -> str:
    """Each row as a share of its own target (100% line), so a 1 s and a 90 s target
    read on one scale; the label gives both figures."""
    h = 40 + ROW * len(rows) + 20
    top = max(150.0, max(100 * v / t for _, v, t, _ in rows) * 1.1)
    x100 = LABEL_W + BAR_W * 100 / top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + BAR_W + 150}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value, target, unit) in enumerate(rows):
        y = 36 + i * ROW
        pct = 100 * value / target
        w = BAR_W * pct / top
        colour = "#c0392b" if value > target else "#2e86c1"
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="{colour}"/>')
        out.append(f'<text x="{max(LABEL_W + w, x100) + 6:.1f}" y="{y + 15}">'
                   f'{value:g} of {target:g} {unit} ({pct:.0f}%)</text>')
    out.append(f'<line x1="{x100:.1f}" x2="{x100:.1f}" y1="30" y2="{h - 22}" stroke="#222" '
               f'stroke-width="2" stroke-dasharray="3,2"/>')
    out.append(f'<text x="{LABEL_W}" y="{h - 6}" fill="#555">bar: measured median as a share of the '
               f'target (dashed line = 100%); red: target not met</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(src: Path, outdir: Path) -> None:
    res = json.loads(src.read_text())
    sc = res["scenarios"]
    rows = [(name, sc[name]["median"], target, "s") for name, target in TARGETS.items() if name in sc]
    outdir.mkdir(parents=True, exist_ok=True)
    mem = res["memory"]
    rows.append(("PSS of the running undercloud", round(mem["total_pss_mib"] / 1024, 2),
                 MEMORY_TARGET_MIB / 1024, "GiB"))
    cpus = res["machine"]["cpus"]
    (outdir / "deploy-targets.svg").write_text(
        versus_targets(f"Measured against the performance targets ({cpus} CPUs; {src.name})", rows))
    services = [(k, v, None) for k, v in mem["pss_mib_by_service"].items()]
    (outdir / "memory.svg").write_text(
        bars(f"PSS of the running undercloud per service, MiB ({src.name})", services, "MiB"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
