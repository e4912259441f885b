"""The report's charts as inline SVG text: no script, no fonts or images to fetch, so a browser shows them from the
file alone. Each chart draws its data in its own fill colour (COLOURS), which lets a screenshot check find it; the
goal line of the trend and lane charts has its own colour too. Labels are in the report's language
(lane.report.words). The histogram's labels sit at bin edges, where the target line is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from lane.report.model import HISTOGRAM_BINS, STAGES, Figures, Histogram, SlowCycle, StageFigure, mmss
from lane.report.words import Words

COLOURS = {
    "histogram": "#2b6cb0",
    "target": "#c53030",
    "stage": "#2f855a",
    "stage_over": "#dd6b20",
    "hour_done": "#6b46c1",
    "hour_other": "#d69e2e",
    "share": "#319795",
    "trend_day": "#805ad5",
    "trend_week": "#2c7a7b",
    "goal": "#e53e3e",
    "lane_wait": "#ed8936",
    "lane_service": "#3182ce",
}
#: Timeline segment colours, one per stage (and fault).
STAGE_COLOURS = dict(
    zip(
        (*STAGES, "fault"),
        ("#90cdf4", "#63b3ed", "#4299e1", "#9ae6b4", "#68d391", "#f6e05e", "#b794f4", "#81e6d9", "#fbb6ce", "#c81e1e"),
        strict=True,
    )
)
WAIT_COLOUR = "#cbd5e0"  # a slow cycle's wait in the queue, before its stages
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


def bin_edge_x(i: float, bins: int) -> float:
    """The x of the left edge of bin `i` (of `bins` across the plot): where the label of that edge sits."""
    return LEFT + i * (W - LEFT - RIGHT) / bins


def histogram_chart(h: Histogram, target_s: float, w: Words) -> str:
    """Bars of total time; each label at the bin edge it names (bin i starts at i x bin_s), so the target line,
    drawn at target_s, goes through the label of its minute."""
    top = max(h.counts, default=0) or 1
    base = H - BOTTOM
    body = _y_axis(top, (base - TOP) / top) + _bars(h.counts, top, COLOURS["histogram"])
    bins = len(h.counts)
    for i in range(0, HISTOGRAM_BINS + 1, 4):
        body.append(
            f'<text x="{bin_edge_x(i, bins):.1f}" y="{base + 16}" class="tick" text-anchor="middle">'
            f"{i * h.bin_s / 60:g}</text>"
        )
    body.append(
        f'<text x="{bin_edge_x(HISTOGRAM_BINS + 0.5, bins):.1f}" y="{base + 16}" class="tick" '
        f'text-anchor="middle">&gt;</text>'
    )
    x = bin_edge_x(target_s / h.bin_s, bins)
    body.append(
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{base + 4}" stroke="{COLOURS["target"]}" '
        f'stroke-width="3" stroke-dasharray="8 4"/>'
    )
    goal = escape(w("goal_label", target=f"{target_s / 60:g}"))
    body.append(f'<text x="{x + 6:.1f}" y="{TOP + 8}" class="note">{goal}</text>')
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">{escape(w("chart_hist_axis"))}</text>'
    )
    return _svg(w("chart_hist"), body, label=w("chart_hist"))


def _goal_line(y: float, target_s: float, w: Words) -> list[str]:
    return [
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{COLOURS["goal"]}" '
        f'stroke-width="3" stroke-dasharray="10 5"/>',
        f'<text x="{W - RIGHT - 4}" y="{y - 6:.1f}" class="note" text-anchor="end">'
        f"{escape(w('goal_label', target=f'{target_s / 60:g}'))}</text>",
    ]


def trend_chart(rows: Sequence[Figures], target_s: float, w: Words, weekly: bool = False) -> str:
    """Median and p90 of total time by day (or week) as lines with dots, over the goal line. A day with no
    completed renewal has no dot and breaks the line."""
    colour = COLOURS["trend_week" if weekly else "trend_day"]
    values = [(f.total_time.median_s, f.total_time.p90_s) for f in rows]
    top_s = max([v for pair in values for v in pair if v is not None] + [target_s * 1.25])
    top = top_s / 60
    base = H - BOTTOM
    scale = (base - TOP) / top
    body = _y_axis(top, scale)
    step = (W - LEFT - RIGHT) / max(1, len(rows))
    grow = 2.5 if weekly else 0.0  # a week or two is a dot or two: let them show
    for which, width, radius in ((1, 3, 4.5 + grow), (0, 4, 6.0 + grow)):  # p90 dotted, median solid
        runs: list[list[str]] = [[]]
        for i, pair in enumerate(values):
            v = pair[which]
            if v is None:
                runs.append([])
                continue
            x, y = LEFT + (i + 0.5) * step, base - v / 60 * scale
            runs[-1].append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}"/>')
        for run in runs:
            if len(run) > 1:
                dash = "" if which == 0 else ' stroke-dasharray="3 3"'
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>'
                )
    body += _goal_line(base - target_s / 60 * scale, target_s, w)
    every = max(1, math.ceil(len(rows) / 12))
    body += _x_labels([f.key if weekly else f.key[5:] for f in rows], every=every)
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">{escape(w("chart_trend_axis"))}</text>'
    )
    name = w("chart_trend_week" if weekly else "chart_trend_day")
    return _svg(name, body, label=name)


def lanes_chart(lanes: Sequence[Figures], target_s: float, w: Words) -> str:
    """Each lane's median wait with its median service stacked on top, side by side, over the goal line."""
    waits = [(f.wait_time.median_s or 0.0) / 60 for f in lanes]
    services = [(f.median_s or 0.0) / 60 for f in lanes]
    top = max([a + b for a, b in zip(waits, services, strict=True)] + [target_s / 60 * 1.25])
    base = H - BOTTOM
    scale = (base - TOP) / top
    body = _y_axis(top, scale) + _bars(waits, top, COLOURS["lane_wait"])
    body += _bars(services, top, COLOURS["lane_service"], bottoms=waits)
    body += _goal_line(base - target_s / 60 * scale, target_s, w)
    body += _x_labels([f.key for f in lanes])
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">{escape(w("chart_lanes_axis"))}</text>'
    )
    return _svg(w("chart_lanes"), body, label=w("chart_lanes"))


def stage_chart(stages: Sequence[StageFigure], w: Words) -> str:
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
        f'<text x="{W - RIGHT}" y="{height - 8}" class="axis" text-anchor="end">{escape(w("chart_stage_axis"))}</text>'
    )
    return _svg(w("chart_stage"), body, height)


def hour_chart(by_hour: Sequence[Figures], w: Words) -> str:
    done = [float(f.completed) for f in by_hour]
    other = [float(f.total - f.completed) for f in by_hour]
    top = max([d + o for d, o in zip(done, other, strict=True)] + [1.0])
    base = H - BOTTOM
    body = _y_axis(top, (base - TOP) / top) + _bars(done, top, COLOURS["hour_done"])
    body += _bars(other, top, COLOURS["hour_other"], bottoms=done)
    body += _x_labels([f"{f.key}:00" for f in by_hour])
    body.append(
        f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">{escape(w("chart_hour_axis"))}</text>'
    )
    return _svg(w("chart_hour"), body)


def share_chart(by_day: Sequence[Figures], target_min: float, w: Words) -> str:
    """Each day's share of completed renewals whose total time is under the target."""
    values = [100.0 * (f.total_time.under_target or 0.0) for f in by_day]
    base = H - BOTTOM
    body = _y_axis(100.0, (base - TOP) / 100.0, "{:g}%") + _bars(values, 100.0, COLOURS["share"])
    every = max(1, math.ceil(len(by_day) / 12))
    body += _x_labels([f.key[5:] for f in by_day], every=every)
    axis = escape(w("chart_share_axis", target=f"{target_min:g}"))
    body.append(f'<text x="{W - RIGHT}" y="{H - 8}" class="axis" text-anchor="end">{axis}</text>')
    return _svg(w("chart_share", target=f"{target_min:g}"), body)


def timeline_chart(cycles: Sequence[SlowCycle], w: Words) -> str:
    """One row per cycle: its wait in the queue (grey), then its stages end to end, each in its stage's
    colour, to the same time scale."""
    row_h, left = 22, 150
    height = TOP + len(cycles) * row_h + 56
    top = max([c.total_s for c in cycles] + [(c.wait_s or 0) + sum(s.seconds for s in c.steps) for c in cycles] + [1.0])
    scale = (W - left - RIGHT) / top
    body: list[str] = []
    for i, c in enumerate(cycles):
        y = TOP + 6 + i * row_h
        body.append(
            f'<text x="{left - 8}" y="{y + 13}" class="tick" text-anchor="end">{escape(c.lane)} #{c.id} '
            f"{mmss(c.total_s)}</text>"
        )
        queued = (c.wait_s or 0.0) * scale
        if queued > 0:
            body.append(
                f'<rect x="{left}" y="{y}" width="{queued:.1f}" height="{row_h - 6}" fill="{WAIT_COLOUR}">'
                f"<title>{escape(w('wait'))} {mmss(c.wait_s)}</title></rect>"
            )
        for step in c.steps:
            colour = STAGE_COLOURS.get(step.stage, "#a0aec0")
            x, wide = left + queued + step.start_s * scale, max(0.5, step.seconds * scale)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{wide:.1f}" height="{row_h - 6}" fill="{colour}">'
                f"<title>{escape(step.stage)} {mmss(step.seconds)}</title></rect>"
            )
    x = 8.0
    for stage, colour in {w("wait"): WAIT_COLOUR, **STAGE_COLOURS}.items():
        body.append(f'<rect x="{x:.0f}" y="{height - 24}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14:.0f}" y="{height - 15}" class="tick">{escape(stage)}</text>')
        x += 14 + 7 * len(stage) + 12
    return _svg(w("chart_timeline"), body, height)
