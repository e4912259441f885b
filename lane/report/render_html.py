"""A report as one self-contained HTML file: inline CSS and inline SVG charts, no script, no link, no image or
font to fetch. A Content-Security-Policy meta tag forbids loading anything else, so the page looks the same
with no network as with one. In the report's language (lane.report.words): Bahasa Indonesia, or English.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from lane.report import svg
from lane.report.cells import KINDS, cycle_cells, cycle_heads, figure_cells, figure_heads
from lane.report.model import STAGES, Figures, Report, manual_row, mmss, share
from lane.report.words import MANUAL_KEYS, Words, headline, rules, title

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1a202c; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #4a5568; margin-bottom: 16px; } .personal { color: #b91c1c; font-weight: bold; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { border: 1px solid #cbd5e0; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.tile b { display: block; font-size: 22px; } .tile span { color: #4a5568; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(760px, 1fr)); gap: 16px; }
svg.chart { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; max-width: 100%; height: auto; }
svg .title { font-size: 15px; font-weight: bold; fill: #1a202c; } svg .tick { font-size: 11px; fill: #2d3748; }
svg .axis, svg .note { font-size: 12px; fill: #4a5568; } svg .group { font-size: 13px; font-weight: bold; }
svg .grid { stroke: #e2e8f0; } svg .budget { stroke: #1a202c; stroke-width: 3; }
table { border-collapse: collapse; margin: 4px 0 8px; } caption { text-align: left; font-weight: bold; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 10px; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.l, th.l { text-align: left; } tr.total td { font-weight: bold; }
td.over { color: #b91c1c; font-weight: bold; } .none { color: #718096; }
"""


def html_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    w: Words,
    left: Sequence[str] = (),
    classes: Sequence[str] = (),
) -> str:
    """An HTML table of `rows` under `header` (cells escaped; `left` columns aligned left), or the words' "none"
    when there are no rows. The site report, the plan and the central report draw their tables with it."""
    head = "".join(f'<th class="{"l" if h in left else ""}">{escape(h)}</th>' for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        cells = "".join(
            f'<td class="{"l" if h in left else ""}">{escape(str(v))}</td>' for h, v in zip(header, row, strict=True)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    if not body:
        return f'<p class="none">{escape(w("none"))}</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figures(rows: Sequence[Figures], w: Words, target_min: float, total: Figures | None = None) -> str:
    all_rows = [*rows, *([total] if total else [])]
    cells = [(w("site") if f is total else f.key, *figure_cells(f)) for f in all_rows]
    classes = [""] * len(rows) + (["total"] if total else [])
    return html_table(("", *figure_heads(w, target_min)), cells, w, classes=classes)


def _stages(report: Report, w: Words) -> str:
    groups = list(dict.fromkeys(s.group for s in report.stages))
    cells = {(s.group, s.stage): s for s in report.stages}
    head = "".join(f"<th>{escape(g)}</th>" for g in groups)
    body = []
    for stage in (*STAGES, "fault"):
        tds = []
        for g in groups:
            s = cells.get((g, stage))
            if s is None or s.median_s is None:
                tds.append("<td>-</td>")
                continue
            budget = f" / {mmss(s.budget_s)}" if s.budget_s is not None else f" ({s.cycles})"
            tds.append(f'<td class="{"over" if s.over_budget else ""}">{mmss(s.median_s)}{escape(budget)}</td>')
        body.append(f"<tr><td>{stage}</td>{''.join(tds)}</tr>")
    return f"<table><thead><tr><th>{w('stage')}</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _tiles(report: Report, w: Words) -> str:
    t = report.total
    target = f"{report.target_s / 60:g}"
    met = share(t.total_time.under_target)
    tiles = [(t.total, w("cars")), (mmss(t.total_time.median_s), w("tile_total")),
             (mmss(t.total_time.p90_s), w("tile_p90")), (met, w("tile_met", target=target)),
             (mmss(t.wait_time.median_s), w("tile_wait")), (mmss(t.median_s), w("tile_service")),
             (t.completed, w("completed")), (t.rejected, w("rejected")),
             (report.queue_count("balk"), w("balk")), (report.queue_count("renege"), w("renege"))]  # fmt: skip
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{escape(str(v))}</b><span>{escape(label)}</span></div>' for v, label in tiles)
        + "</div>"
    )


def render(report: Report, lang: str = "id") -> str:
    w = Words(lang)
    target_min = report.target_s / 60
    p = report.period
    personal = f'<span class="personal">{w("shown_long")}</span>' if report.personal else escape(w("masked_long"))
    charts = [
        svg.histogram_chart(report.histogram, report.target_s, w),
        svg.trend_chart(report.by_day, report.target_s, w),
        svg.trend_chart(report.by_week, report.target_s, w, weekly=True),
        svg.lanes_chart(report.by_lane, report.target_s, w),
        svg.stage_chart(report.stage_classes, w),
        svg.hour_chart(report.by_hour, w),
        svg.share_chart(report.by_day, target_min, w),
    ] if report.total.total else []  # fmt: skip
    slow_left = [w(k) for k in ("started", "outcome", "plate", "holder", "nik", "stages_col")]
    queue = [(q.approach, w(q.kind) if q.kind in KINDS else q.kind, q.count) for q in report.queue]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{w.lang}"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(w('heading', site=report.site, first=p.first, last=p.last))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(w('heading', site=report.site, first=p.first, last=p.last))}</h1>",
        f'<div class="sub">{escape(title(report, w))}<br>{personal}</div>',
        f"<h2>{escape(w('rules_title'))}</h2>", *(f'<p class="rules">{escape(t)}</p>' for t in rules(report, w)),
        f'<p class="sub">{escape(headline(report, w))}</p>',
        _tiles(report, w),
        '<div class="charts">', *charts, "</div>",
        f"<h2>{escape(w('by_lane'))}</h2>", _figures(report.by_lane, w, target_min, report.total),
        f"<h2>{escape(w('by_daypart'))}</h2>", _figures(report.by_daypart, w, target_min),
        f"<h2>{escape(w('stages'))}</h2>", _stages(report, w),
        f"<h2>{escape(w('slowest', n=len(report.slowest)))}</h2>",
        svg.timeline_chart(report.slowest, w) if report.slowest else "",
        html_table(cycle_heads(w), map(cycle_cells, report.slowest), w, left=slow_left),
        f"<h2>{escape(w('fastest', n=len(report.fastest)))}</h2>",
        html_table(cycle_heads(w), map(cycle_cells, report.fastest), w, left=slow_left),
        f"<h2>{escape(w('queue'))}</h2>",
        html_table((w("approach"), w("kind"), w("count")), queue, w, left=(w("approach"), w("kind"))),
        f"<h2>{escape(w('reasons'))}</h2>",
        html_table((w("outcome"), w("reason"), w("count")), [(r.outcome, r.reason, r.count) for r in report.reasons], w,
               left=(w("reason"),)),
        f"<h2>{escape(w('faults'))}</h2>",
        html_table([w(k) for k in ("lane", "device", "kind", "cause", "count", "last")],
               [(f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in report.faults], w,
               left=[w(k) for k in ("device", "kind", "cause", "last")]),
        f"<h2>{escape(w('overrides'))}</h2>",
        html_table([w(k) for k in ("action", "result", "count", "operators", "lanes")],
               [(o.action, o.result, o.count, o.operators, o.lanes) for o in report.overrides], w,
               left=(w("result"), w("lanes"))),
        f"<h2>{escape(w('manual', n=len(report.manual_receipts)))}</h2>",
        html_table([w(k) for k in MANUAL_KEYS], map(manual_row, report.manual_receipts), w,
               left=[w(k) for k in MANUAL_KEYS[1:]]),
        f"<h2>{escape(w('by_hour'))}</h2>", _figures(report.by_hour, w, target_min),
        f"<h2>{escape(w('by_week'))}</h2>", _figures(report.by_week, w, target_min),
        *([f"<h2>{escape(w('by_month'))}</h2>", _figures(report.by_month, w, target_min)]
          if len(report.by_month) > 1 else []),
        f"<h2>{escape(w('by_day'))}</h2>", _figures(report.by_day, w, target_min),
        f"<h2>{escape(w('chains'))}</h2>",
        html_table([w(k) for k in ("table", "rows", "head_row", "hash")],
               [(h.table, h.count, h.row_id, h.hash) for h in report.chains], w, left=(w("hash"),)),
        "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts) + "\n"


def save(report: Report, path: Path, lang: str = "id") -> None:
    path.write_text(render(report, lang), encoding="utf-8")
