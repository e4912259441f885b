"""A report as one self-contained HTML file: inline CSS and inline SVG charts, no script, no link, no image or
font to fetch. A Content-Security-Policy meta tag forbids loading anything else, so the page looks the same
with no network as with one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from lane.report import svg
from lane.report.model import MANUAL_HEADER, STAGES, Figures, Report, manual_row, mmss, share, timeline, title

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


def _table(
    header: Sequence[str], rows: Iterable[Sequence[object]], left: Sequence[str] = (), classes: Sequence[str] = ()
) -> str:
    head = "".join(f'<th class="{"l" if h in left else ""}">{escape(h)}</th>' for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        cells = "".join(
            f'<td class="{"l" if h in left else ""}">{escape(str(v))}</td>' for h, v in zip(header, row, strict=True)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    if not body:
        return '<p class="none">none in this period</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figures(rows: Sequence[Figures], target_min: float, total: Figures | None = None) -> str:
    header = ("", "completed", "rejected", "aborted", "other", "median", "p90", "max", f"< {target_min:g} min")
    all_rows = [*rows, *([total] if total else [])]
    cells = [
        (
            f.key,
            f.completed,
            f.rejected,
            f.aborted,
            f.abandoned + f.open or "",
            mmss(f.median_s),
            mmss(f.p90_s),
            mmss(f.max_s),
            share(f.under_target),
        )
        for f in all_rows
    ]
    return _table(header, cells, classes=[""] * len(rows) + (["total"] if total else []))


def _stages(report: Report) -> str:
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
            budget = f" / {mmss(s.budget_s)}" if s.budget_s is not None else f" ({s.cycles} cycles)"
            tds.append(f'<td class="{"over" if s.over_budget else ""}">{mmss(s.median_s)}{escape(budget)}</td>')
        body.append(f"<tr><td>{stage}</td>{''.join(tds)}</tr>")
    return f"<table><thead><tr><th>stage</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _tiles(report: Report) -> str:
    t = report.total
    tiles = [(t.completed, "completed"), (t.rejected, "rejected"), (t.aborted + t.abandoned + t.open, "other"),
             (mmss(t.median_s), "median"), (mmss(t.p90_s), "90th percentile"), (mmss(t.max_s), "longest"),
             (share(t.under_target), f"under {report.target_s / 60:g} min")]  # fmt: skip
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{escape(str(v))}</b><span>{escape(label)}</span></div>' for v, label in tiles)
        + "</div>"
    )


def render(report: Report) -> str:
    target_min = report.target_s / 60
    p = report.period
    personal = (
        '<span class="personal">Names and NIKs are shown: this report holds personal data.</span>'
        if report.personal
        else "Names and NIKs are masked."
    )
    slow_rows = [
        (
            c.id,
            c.lane,
            c.started,
            mmss(c.duration_s),
            c.outcome,
            c.reason or "-",
            c.plate,
            c.holder or "-",
            c.nik or "-",
            timeline(c),
        )
        for c in report.slowest
    ]
    charts = [
        svg.histogram_chart(report.histogram, report.target_s),
        svg.stage_chart(report.stage_classes),
        svg.hour_chart(report.by_hour),
        svg.share_chart(report.by_day, target_min),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.site)} report {p.first} to {p.last}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(report.site)}: renewals {p.first} to {p.last}</h1>",
        f'<div class="sub">{escape(title(report))}<br>{personal}</div>',
        _tiles(report),
        '<div class="charts">', *charts, "</div>",
        "<h2>By lane</h2>", _figures(report.by_lane, target_min, report.total),
        "<h2>Stage medians against budgets</h2>", _stages(report),
        f"<h2>Slowest {len(report.slowest)} cycles</h2>",
        svg.timeline_chart(report.slowest) if report.slowest else "",
        _table(("cycle", "lane", "started", "time", "outcome", "reason", "plate", "holder", "NIK", "stages"), slow_rows,
               left=("started", "outcome", "reason", "plate", "holder", "NIK", "stages")),
        "<h2>Reject and abort reasons</h2>",
        _table(("outcome", "reason", "count"), [(r.outcome, r.reason, r.count) for r in report.reasons],
               left=("reason",)),
        "<h2>Device faults</h2>",
        _table(("lane", "device", "kind", "cause", "count", "last"),
               [(f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in report.faults],
               left=("device", "kind", "cause", "last")),
        "<h2>Operator overrides (every action but confirm)</h2>",
        _table(("action", "result", "count", "operators", "lanes"),
               [(o.action, o.result, o.count, o.operators, o.lanes) for o in report.overrides],
               left=("result", "lanes")),
        f"<h2>Manual receipts, approved by a supervisor: {len(report.manual_receipts)}</h2>",
        _table(MANUAL_HEADER, map(manual_row, report.manual_receipts),
               left=("lane", "started", "receipt", "approved by", "outcome")),
        "<h2>By hour of the day (site time)</h2>", _figures(report.by_hour, target_min),
        *(["<h2>By month (site time)</h2>", _figures(report.by_month, target_min)] if len(report.by_month) > 1 else []),
        "<h2>By day (site time)</h2>", _figures(report.by_day, target_min),
        "<h2>Audit chain heads</h2><p>Check later that they are still on their chains: "
        "<code>lane audit verify --head HASH</code></p>",
        _table(("chain", "rows", "head row", "hash"), [(h.table, h.count, h.row_id, h.hash) for h in report.chains],
               left=("hash",)),
        "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts) + "\n"


def save(report: Report, path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")
