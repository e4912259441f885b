"""`lane plan --html`: the plan as one self-contained HTML file (inline CSS and SVG, no script, nothing to fetch,
like lane/report/render_html.py whose style it shares): the layouts' figures, and two charts: the queue length
through the day for each layout (its hourly 95th percentile, the mean over the days) and goal met % against the
number of lanes (each layout a dot with its 95% interval)."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from flows.plan_sim import Figures
from lane.plan_report import LEAVES_OUT, SUMMARY, Plan, mmss, pm
from lane.report.render_html import CSS, html_table
from lane.report.svg import BOTTOM, LEFT, RIGHT, TOP, H, W, nice_step
from lane.report.words import Words

#: One colour per layout, in order (repeats after ten).
PALETTE = ("#2b6cb0", "#c53030", "#2f855a", "#6b46c1", "#d69e2e", "#319795", "#dd6b20", "#b83280", "#4a5568", "#975a16")

EN = Words("en")  # the plan is in English for now (its empty tables say "none")


def _frame(title: str, top: float, fmt: str, body: list[str], x_labels: list[tuple[float, str]]) -> str:
    base = H - BOTTOM
    out = [
        f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{escape(title)}" class="chart">',
        f'<text x="{LEFT}" y="20" class="title">{escape(title)}</text>',
    ]
    step, value = nice_step(top), 0.0
    while value <= top * 1.0001:
        y = base - value * (base - TOP) / top
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{fmt.format(value)}</text>')
        value += step
    out += [
        f'<text x="{x:.1f}" y="{base + 16}" class="tick" text-anchor="middle">{escape(t)}</text>' for x, t in x_labels
    ]
    return "\n".join([*out, *body, "</svg>"])


def queue_chart(results: list[Figures]) -> str:
    """Vehicles queued (hourly 95th percentile) through the day, one line per layout."""
    hours = sorted({h for f in results for h in f.hour_queue_p95})
    if not hours:
        return ""
    top = max([1.0, *(e.mean for f in results for e in f.hour_queue_p95.values() if not math.isnan(e.mean))])
    top = nice_step(top) * math.ceil(top / nice_step(top))
    span = W - LEFT - RIGHT

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * span / len(hours)

    def y(v: float) -> float:
        return H - BOTTOM - v * (H - BOTTOM - TOP) / top

    body = []
    for k, f in enumerate(results):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(
            f"{x(i):.1f},{y(f.hour_queue_p95[h].mean if h in f.hour_queue_p95 else 0.0):.1f}"
            for i, h in enumerate(hours)
        )
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.append(
            f'<text x="{W - RIGHT - 4}" y="{TOP + 14 * k + 10}" class="note" text-anchor="end" style="fill:{colour}">'
            f"{escape(f.layout.name)}</text>"
        )
    labels = [(x(i), f"{h:02d}") for i, h in enumerate(hours)]
    return _frame("Queue length through the day (vehicles, hourly p95)", top, "{:g}", body, labels)


def goal_chart(results: list[Figures], target_share: float = 0.9) -> str:
    """Goal met % against the number of lanes: a dot per layout with its interval, the 90% line."""
    lanes = [sum(f.layout.lanes.values()) for f in results]
    lo, hi = min(lanes), max(lanes)
    span = W - LEFT - RIGHT

    def x(n: int) -> float:
        return LEFT + (n - lo + 0.5) * span / (hi - lo + 1)

    def y(v: float) -> float:
        return H - BOTTOM - v * (H - BOTTOM - TOP) / 100

    body = [f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(100 * target_share):.1f}" y2="{y(100 * target_share):.1f}" '
            'stroke="#c53030" stroke-dasharray="4 3"/>']  # fmt: skip
    for k, f in enumerate(results):
        e, n = f.goal_met, lanes[k]
        if math.isnan(e.mean):
            continue
        cx = x(n) + (k % 5 - 2) * 6  # layouts with as many lanes side by side
        colour = PALETTE[k % len(PALETTE)]
        if not math.isnan(e.half):
            top, bottom = y(100 * min(1.0, e.upper)), y(100 * max(0.0, e.lower))
            body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{colour}"/>')
        body.append(f'<circle cx="{cx:.1f}" cy="{y(100 * e.mean):.1f}" r="4" fill="{colour}"><title>'
                    f"{escape(f.layout.name)}: {e.mean:.1%}</title></circle>")  # fmt: skip
    labels = [(x(n), f"{n} lanes") for n in range(lo, hi + 1)]
    return _frame("Goal met (% of drivers within the target) against lanes", 100, "{:g}%", body, labels)


def render(plan: Plan) -> str:
    best = plan.best
    header = ("layout", *(name for name, _, _ in SUMMARY), "holds")
    rows = [(f.layout.name, *(pm(getattr(f, a), k) for _, a, k in SUMMARY), "yes" if f.holds else "no")
            for f in plan.results]  # fmt: skip
    hours = sorted({h for f in plan.results for h in f.hour_p90})
    hour_rows = [
        (f.layout.name, *(mmss(f.hour_p90[h].upper) if h in f.hour_p90 else "-" for h in hours)) for f in plan.results
    ]
    verdict = (
        f"Smallest layout that holds the goal at every hour: <b>{escape(best.layout.name)}</b>"
        if best
        else "No candidate holds the goal at every hour with demand."
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>lane plan</title><style>{CSS}</style></head><body>",
        "<h1>Site plan</h1>",
        f'<div class="sub">{"<br>".join(escape(n) for n in plan.notes)}</div>',
        f"<p>{verdict}</p>",
        '<div class="charts">', queue_chart(plan.results), goal_chart(plan.results), "</div>",
        "<h2>Layouts (lanes/officers per class): mean over the days ±95% interval</h2>",
        html_table(header, rows, EN, left=("layout",)),
        "<h2>90th percentile of total time by hour joined: upper bound of its interval</h2>",
        html_table(("layout", *(f"{h:02d}" for h in hours)), hour_rows, EN, left=("layout",)),
        f"<p>{escape(LEAVES_OUT)}</p>",
        "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts) + "\n"


def write_html(plan: Plan, path: Path) -> None:
    path.write_text(render(plan), encoding="utf-8")
