"""The report's charts as inline SVG text: no script, no fonts or images to fetch, so a browser shows them from the
file alone. Each chart draws its data in its own fill colour (COLOURS), which lets a screenshot check find it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from lane.report.model import HISTOGRAM_BINS, STAGES, Figures, Histogram, SlowCycle, StageFigure, mmss

COLOURS = {
    "histogram": "#2b6cb0",
    "target": "#c53030",
    "stage": "#2f855a",
    "stage_over": "#dd6b20",
    "hour_done": "#6b46c1",
    "hour_other": "#d69e2e",
    "share": "#319795",
}
#: Timeline segment colours, one per stage (and fault).
STAGE_COLOURS = dict(
    zip(
        (*STAGES, "fault"),
        ("#90cdf4", "#63b3ed", "#4299e1", "#9ae6b4", "#68d391", "#f6e05e", "#b794f4", "#81e6d9", "#fbb6ce", "#e53e3e"),
        strict=True,
    )
)
W, H = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 46


def nice_step(top: float, ticks: int = 5) -> float:
    """A step of 1, 2 or 5 times a power of ten that puts about `ticks` ticks up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _svg(title: str, body: list[str], height: int = H, label: str = "") -> str:
    head = (
        f'<svg viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" '
        f'aria-label="{escape(label or title)}" class="chart">'
    )
    return "\n".join([head, f'<text x="{LEFT}" y="20" class="title">{escape(title)}</text>', *body, "</svg>"])


def _y_axis(top: float, scale: float, fmt: str = "{:g}", height: int = H) -> list[str]:
    """Grid lines and labels for values 0..top; `scale` is pixels per unit."""
    out = []
    step = nice_step(top)
    base = height - BOTTOM
    value = 0.0
    while value <= top * 1.0001:
        y = base - value * scale
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{fmt.format(value)}</text>')
        value += step
    return out


def _bars(
    values: Sequence[float], top: float, colour: str, height: int = H, bottoms: Sequence[float] = ()
) -> list[str]:
    """Vertical bars over the plot width, one per value (stacked on `bottoms` when given)."""
    inner, base = W - LEFT - RIGHT, height - BOTTOM
    scale = (base - TOP) / top if top > 0 else 0.0
    width = inner / max(1, len(values))
    gap = min(2.0, width * 0.2)
    out = []
    for i, v in enumerate(values):
        if v <= 0:
            continue
        under = bottoms[i] if bottoms else 0.0
        x, y, h = LEFT + i * width + gap / 2, base - (under + v) * scale, v * scale
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(0.5, width - gap):.1f}" height="{h:.1f}" fill="{colour}"/>'
        )
    return out


def _x_labels(labels: Sequence[str], height: int = H, every: int = 1) -> list[str]:
    inner = W - LEFT - RIGHT
    width = inner / max(1, len(labels))
    y = height - BOTTOM + 16
    return [
        f'<text x="{LEFT + (i + 0.5) * width:.1f}" y="{y}" class="tick" text-anchor="middle">{escape(text)}</text>'
        for i, text in enumerate(labels)
        if i % every == 0 and text
    ]


def histogram_chart(h: Histogram, target_s: float) -> str:
    top = max(h.counts, default=0) or 1
    base = H - BOTTOM
    body = _y_axis(top, (base - TOP) / top) + _bars(h.counts, top, COLOURS["histogram"])
    minutes = [f"{i * h.bin_s / 60:g}" if i % 4 == 0 else "" for i in range(HISTOGRAM_BINS)]
    body += _x_labels([*minutes, f">{HISTOGRAM_BINS * h.bin_s / 60:g}"])
    x = LEFT + (target_s / h.bin_s) * (W - LEFT - RIGHT) / len(h.counts)
    body.append(
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{base}" stroke="{COLOURS["target"]}" '
        f'stroke-width="3" stroke-dasharray="8 4"/>'
    )
    body.append(f'<text x="{x + 6:.1f}" y="{TOP + 8}" class="note">target {target_s / 60:g} min</text>')
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">cycle time, minutes '
        f"(completed renewals; last bar: longer)</text>"
    )
    return _svg("Cycle time", body, label="histogram of cycle times with the target line")


def stage_chart(stages: Sequence[StageFigure]) -> str:
    """Horizontal bars: each group's stage medians, a black tick at each budget; over budget in orange. Time in
    fault has no budget and is left to the tables."""
    rows = [s for s in stages if s.stage != "fault" and (s.median_s is not None or s.budget_s is not None)]
    groups = list(dict.fromkeys(s.group for s in rows))
    row_h, group_gap = 16, 22
    height = TOP + len(rows) * row_h + len(groups) * group_gap + 30
    top = max([s.median_s or 0 for s in rows] + [s.budget_s or 0 for s in rows] + [1.0])
    left, inner = 150, W - 150 - RIGHT - 60
    scale = inner / top
    body: list[str] = []
    y = TOP + 8
    for group in groups:
        body.append(f'<text x="8" y="{y + 12}" class="group">{escape(group)}</text>')
        y += group_gap
        for s in (r for r in rows if r.group == group):
            body.append(f'<text x="{left - 8}" y="{y + 11}" class="tick" text-anchor="end">{escape(s.stage)}</text>')
            if s.median_s:
                colour = COLOURS["stage_over"] if s.over_budget else COLOURS["stage"]
                body.append(
                    f'<rect x="{left}" y="{y + 2}" width="{max(1.0, s.median_s * scale):.1f}" '
                    f'height="{row_h - 4}" fill="{colour}"/>'
                )
                body.append(
                    f'<text x="{left + s.median_s * scale + 6:.1f}" y="{y + 11}" class="tick">{mmss(s.median_s)}</text>'
                )
            if s.budget_s:
                bx = left + s.budget_s * scale
                body.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y}" y2="{y + row_h}" class="budget"/>')
            y += row_h
    body.append(
        f'<text x="{W - RIGHT}" y="{height - 8}" class="axis" text-anchor="end">median time in each stage; '
        "black tick: its budget</text>"
    )
    return _svg("Stage breakdown", body, height, "stage medians against their budgets")


def hour_chart(by_hour: Sequence[Figures]) -> str:
    done = [float(f.completed) for f in by_hour]
    other = [float(f.total - f.completed) for f in by_hour]
    top = max([d + o for d, o in zip(done, other, strict=True)] + [1.0])
    base = H - BOTTOM
    body = _y_axis(top, (base - TOP) / top) + _bars(done, top, COLOURS["hour_done"])
    body += _bars(other, top, COLOURS["hour_other"], bottoms=done)
    body += _x_labels([f"{f.key}:00" for f in by_hour])
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">cycles started in each hour '
        "(site time): completed, and rejected / aborted / other on top</text>"
    )
    return _svg("Volume by hour", body, label="cycles by hour of the day")


def share_chart(by_day: Sequence[Figures], target_min: float) -> str:
    values = [100.0 * (f.under_target or 0.0) for f in by_day]
    base = H - BOTTOM
    body = _y_axis(100.0, (base - TOP) / 100.0, "{:g}%") + _bars(values, 100.0, COLOURS["share"])
    every = max(1, math.ceil(len(by_day) / 12))
    body += _x_labels([f.key[5:] for f in by_day], every=every)
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">share of each day\'s completed '
        f"renewals under {target_min:g} min (no bar: none completed)</text>"
    )
    return _svg(f"Share under {target_min:g} minutes by day", body, label="share under target by day")


def timeline_chart(cycles: Sequence[SlowCycle]) -> str:
    """One row per cycle: its stages end to end, each in its stage's colour, to the same time scale."""
    row_h, left = 22, 150
    height = TOP + len(cycles) * row_h + 56
    top = max([c.duration_s for c in cycles] + [sum(s.seconds for s in c.steps) for c in cycles] + [1.0])
    scale = (W - left - RIGHT) / top
    body: list[str] = []
    for i, c in enumerate(cycles):
        y = TOP + 6 + i * row_h
        body.append(
            f'<text x="{left - 8}" y="{y + 13}" class="tick" text-anchor="end">{escape(c.lane)} #{c.id} '
            f"{mmss(c.duration_s)}</text>"
        )
        for step in c.steps:
            colour = STAGE_COLOURS.get(step.stage, "#a0aec0")
            x, w = left + step.start_s * scale, max(0.5, step.seconds * scale)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                f"<title>{escape(step.stage)} {mmss(step.seconds)}</title></rect>"
            )
    x = 8.0
    for stage, colour in STAGE_COLOURS.items():
        body.append(f'<rect x="{x:.0f}" y="{height - 24}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14:.0f}" y="{height - 15}" class="tick">{stage}</text>')
        x += 14 + 7 * len(stage) + 12
    return _svg("Slowest cycles: stage timelines", body, height, "stage timelines of the slowest cycles")
