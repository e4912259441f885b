"""A report as rich tables on the terminal (plain text when the output is not a terminal), in the report's language
(lane.report.words). Text from the store (reasons, plates, names, causes, operator ids) goes through
lane.sanitize.line: no escape codes reach the terminal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lane.report.cells import KINDS, cycle_cells, cycle_heads, figure_cells, figure_heads
from lane.report.model import STAGES, Figures, Report, SlowCycle, manual_row, mmss
from lane.report.words import MANUAL_KEYS, Words, headline, rules, title
from lane.sanitize import line

#: Longer periods are shown by month on the terminal (a year of days is 365 rows; rich takes half a second).
DAYS_ON_TERMINAL = 31


def _figures_table(
    name: str, rows: Iterable[Figures], w: Words, target_min: float, total: Figures | None = None
) -> Table:
    table = Table(title=name, title_justify="left")
    for col in ("", *figure_heads(w, target_min)):
        table.add_column(col, justify="left" if not col else "right")
    for f in rows:
        table.add_row(line(f.key), *figure_cells(f))
    if total is not None:
        table.add_row(w("site"), *figure_cells(total), style="bold")
    return table


def _stage_table(report: Report, w: Words) -> Table:
    groups = list(dict.fromkeys(s.group for s in report.stages))
    table = Table(title=w("stages"), title_justify="left")
    table.add_column(w("stage"))
    for g in groups:
        table.add_column(g, justify="right")
    cells = {(s.group, s.stage): s for s in report.stages}
    for stage in (*STAGES, "fault"):
        row: list[Text | str] = [stage]
        for g in groups:
            s = cells.get((g, stage))
            if s is None or s.median_s is None:
                row.append("-")
                continue
            budget = f" / {mmss(s.budget_s)}" if s.budget_s is not None else f" ({s.cycles})"
            row.append(Text(mmss(s.median_s) + budget, style="bold red" if s.over_budget else ""))
        table.add_row(*row)
    return table


def _cycle_table(name: str, cycles: Sequence[SlowCycle], w: Words) -> Table:
    table = Table(title=name, title_justify="left")
    for i, col in enumerate(cycle_heads(w)):
        table.add_column(col, justify="right" if i in (0, 3, 4, 5) else "left", overflow="fold")
    for c in cycles:
        table.add_row(*map(line, cycle_cells(c)))
    return table


def _simple(name: str, header: Sequence[str], rows: Iterable[tuple[object, ...]], right: Sequence[int] = ()) -> Table:
    table = Table(title=name, title_justify="left")
    for i, col in enumerate(header):
        table.add_column(col, justify="right" if i in right else "left", no_wrap=col == "hash")
    for row in rows:
        table.add_row(*(line(v) for v in row))
    return table


def render(report: Report, out: IO[str] | None = None, width: int | None = None, lang: str = "id") -> None:
    w = Words(lang)
    console = Console(file=out, width=width, highlight=False, markup=False, emoji=False)  # data, not markup
    if not console.is_terminal and width is None:
        console.width = 160
    console.print(line(title(report, w)), style="bold")
    for text in rules(report, w):
        console.print(line(text))
    console.print(line(headline(report, w)), style="bold")
    target_min = report.target_s / 60
    console.print(_figures_table(w("by_lane"), report.by_lane, w, target_min, report.total))
    console.print(_figures_table(w("by_daypart"), report.by_daypart, w, target_min))
    if len(report.by_day) <= DAYS_ON_TERMINAL:
        console.print(_figures_table(w("by_day"), report.by_day, w, target_min))
    else:
        console.print(_figures_table(w("by_month"), report.by_month, w, target_min))
        console.print(w("days_in_files", days=len(report.by_day)))
    console.print(_figures_table(w("by_week"), report.by_week, w, target_min))
    console.print(_figures_table(w("by_hour"), report.by_hour, w, target_min))
    console.print(_stage_table(report, w))
    console.print(_cycle_table(w("slowest", n=len(report.slowest)), report.slowest, w))
    console.print(_cycle_table(w("fastest", n=len(report.fastest)), report.fastest, w))
    queue = [(q.approach, w(q.kind) if q.kind in KINDS else q.kind, q.count) for q in report.queue]
    console.print(_simple(w("queue"), (w("approach"), w("kind"), w("count")), queue, (2,)))
    reasons = ((r.outcome, r.reason, r.count) for r in report.reasons)
    console.print(_simple(w("reasons"), (w("outcome"), w("reason"), w("count")), reasons, (2,)))
    faults = ((f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in report.faults)
    heads = [w(k) for k in ("lane", "device", "kind", "cause", "count", "last")]
    console.print(_simple(w("faults"), heads, faults, (4,)))
    overrides = ((o.action, o.result, o.count, o.operators, o.lanes) for o in report.overrides)
    heads = [w(k) for k in ("action", "result", "count", "operators", "lanes")]
    console.print(_simple(w("overrides"), heads, overrides, (2, 3)))
    manual = map(manual_row, report.manual_receipts)
    console.print(_simple(w("manual", n=len(report.manual_receipts)), [w(k) for k in MANUAL_KEYS], manual))
    chains = ((h.table, h.count, h.row_id, h.hash) for h in report.chains)
    console.print(_simple(w("chains"), [w(k) for k in ("table", "rows", "head_row", "hash")], chains, (1, 2)))
