"""A report as rich tables on the terminal (plain text when the output is not a terminal). Text from the store
(reasons, plates, names, causes, operator ids) goes through lane.sanitize.line: no escape codes reach the
terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lane.report.model import MANUAL_HEADER, STAGES, Figures, Report, manual_row, mmss, share, timeline, title
from lane.sanitize import line

#: Longer periods are shown by month on the terminal (a year of days is 365 rows; rich takes half a second).
DAYS_ON_TERMINAL = 31


def _figures_table(name: str, rows: Iterable[Figures], target_min: float, total: Figures | None = None) -> Table:
    table = Table(title=name, title_justify="left")
    for col in ("", "completed", "rejected", "aborted", "other", "median", "p90", "max", f"< {target_min:g} min"):
        table.add_column(col, justify="left" if not col else "right")

    def add(f: Figures, style: str = "") -> None:
        other = f.abandoned + f.open
        table.add_row(
            line(f.key),
            str(f.completed),
            str(f.rejected),
            str(f.aborted),
            str(other) if other else "",
            mmss(f.median_s),
            mmss(f.p90_s),
            mmss(f.max_s),
            share(f.under_target),
            style=style,
        )

    for f in rows:
        add(f)
    if total is not None:
        add(total, "bold")
    return table


def _stage_table(report: Report) -> Table:
    groups = list(dict.fromkeys(s.group for s in report.stages))
    table = Table(title="Stage medians against budgets (completed renewals; rejected: way out)", title_justify="left")
    table.add_column("stage")
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


def _slow_table(report: Report) -> Table:
    table = Table(title=f"Slowest {len(report.slowest)} cycles", title_justify="left")
    for col in ("cycle", "lane", "started", "time", "outcome", "plate", "holder", "NIK", "stages"):
        table.add_column(col, justify="right" if col in ("cycle", "time") else "left", overflow="fold")
    for c in report.slowest:
        table.add_row(
            *map(
                line,
                (
                    c.id,
                    c.lane,
                    c.started,
                    mmss(c.duration_s),
                    c.outcome,
                    c.plate,
                    c.holder or "-",
                    c.nik or "-",
                    timeline(c),
                ),
            )
        )
    return table


def _simple(name: str, header: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> Table:
    table = Table(title=name, title_justify="left")
    for col in header:
        table.add_column(
            col, justify="right" if col in ("count", "operators", "rows", "head row") else "left", no_wrap=col == "hash"
        )
    for row in rows:
        table.add_row(*(line(v) for v in row))
    return table


def render(report: Report, out: IO[str] | None = None, width: int | None = None) -> None:
    console = Console(file=out, width=width, highlight=False, markup=False, emoji=False)  # data, not markup
    if not console.is_terminal and width is None:
        console.width = 160
    console.print(line(title(report)), style="bold")
    target_min = report.target_s / 60
    console.print(_figures_table("By lane", report.by_lane, target_min, report.total))
    if len(report.by_day) <= DAYS_ON_TERMINAL:
        console.print(_figures_table("By day (site time)", report.by_day, target_min))
    else:
        console.print(_figures_table("By month (site time)", report.by_month, target_min))
        console.print(f"({len(report.by_day)} days: by day in --csv and --html)")
    console.print(_figures_table("By hour of the day (site time, whole period)", report.by_hour, target_min))
    console.print(_stage_table(report))
    console.print(_slow_table(report))
    console.print(
        _simple(
            "Reject and abort reasons",
            ("outcome", "reason", "count"),
            ((r.outcome, r.reason, r.count) for r in report.reasons),
        )
    )
    console.print(
        _simple(
            "Device faults",
            ("lane", "device", "kind", "cause", "count", "last"),
            ((f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in report.faults),
        )
    )
    console.print(
        _simple(
            "Operator overrides (every action but confirm)",
            ("action", "result", "count", "operators", "lanes"),
            ((o.action, o.result, o.count, o.operators, o.lanes) for o in report.overrides),
        )
    )
    console.print(
        _simple(
            f"Manual receipts, approved by a supervisor: {len(report.manual_receipts)}",
            MANUAL_HEADER,
            map(manual_row, report.manual_receipts),
        )
    )
    console.print(
        _simple(
            "Audit chain heads (check later: lane audit verify --head HASH)",
            ("table", "rows", "head row", "hash"),
            ((h.table, h.count, h.row_id, h.hash) for h in report.chains),
        )
    )
