"""A report as one CSV file (UTF-8, comma-separated) holding several tables one after another.

Each table starts with a header row whose first cell is `table`; each of its rows starts with the table's
name (report, figures, stages, slowest, reasons, faults, overrides, manual_receipts, audit: the audit's chain
heads); an empty row separates tables. Times are in seconds (3 decimals), shares between 0 and 1, dates and hours
in site time. A spreadsheet shows the tables as blocks; a program keeps the rows whose first cell is the table it
wants. A text cell a spreadsheet would run as a formula (it begins with = + - @) is written behind an apostrophe,
and control characters are dropped (lane.sanitize).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from lane.report.model import Figures, Report, manual_row, timeline
from lane.sanitize import csv_row

Row = Sequence[object]


def _num(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _figures(by: str, f: Figures) -> Row:
    return (
        by,
        f.key,
        f.completed,
        f.rejected,
        f.aborted,
        f.abandoned,
        f.open,
        _num(f.median_s),
        _num(f.p90_s),
        _num(f.max_s),
        _num(f.under_target, 4),
    )


def tables(report: Report) -> list[tuple[str, Row, Iterable[Row]]]:
    """(name, header, rows) of every table, in order."""
    p = report.period
    meta = [("site", report.site), ("from", p.first.isoformat()), ("to", p.last.isoformat()), ("zone", p.zone),
            ("lanes", " ".join(report.lanes) or "all"), ("target_s", _num(report.target_s)),
            ("personal_data", "shown" if report.personal else "masked"), ("generated", report.generated)]  # fmt: skip
    figures = [_figures("site", report.total)]
    for by, rows in (
        ("lane", report.by_lane),
        ("month", report.by_month),
        ("day", report.by_day),
        ("hour", report.by_hour),
    ):
        figures += [_figures(by, f) for f in rows]
    return [
        ("report", ("name", "value"), meta),
        (
            "figures",
            (
                "by",
                "key",
                "completed",
                "rejected",
                "aborted",
                "abandoned",
                "open",
                "median_s",
                "p90_s",
                "max_s",
                "under_target_share",
            ),
            figures,
        ),
        (
            "stages",
            ("group", "stage", "cycles", "median_s", "budget_s", "over_budget"),
            [
                (s.group, s.stage, s.cycles, _num(s.median_s), _num(s.budget_s), int(s.over_budget))
                for s in (*report.stages, *report.stage_classes)
            ],
        ),
        (
            "slowest",
            (
                "cycle",
                "lane",
                "started",
                "duration_s",
                "outcome",
                "reason",
                "plate",
                "holder",
                "nik",
                "retries",
                "timeline",
            ),
            [
                (
                    c.id,
                    c.lane,
                    c.started,
                    _num(c.duration_s),
                    c.outcome,
                    c.reason,
                    c.plate,
                    c.holder,
                    c.nik,
                    c.retries,
                    timeline(c),
                )
                for c in report.slowest
            ],
        ),
        ("reasons", ("outcome", "reason", "count"), [(r.outcome, r.reason, r.count) for r in report.reasons]),
        (
            "faults",
            ("lane", "device", "kind", "cause", "count", "last"),
            [(f.lane, f.device, f.kind, f.cause, f.count, f.last) for f in report.faults],
        ),
        (
            "overrides",
            ("action", "result", "count", "operators", "lanes"),
            [(o.action, o.result, o.count, o.operators, o.lanes) for o in report.overrides],
        ),
        (
            "manual_receipts",
            ("cycle", "lane", "started", "receipt", "approved_by", "outcome"),
            [manual_row(m) for m in report.manual_receipts],
        ),
        ("audit", ("chain", "rows", "head_row", "hash"), [(h.table, h.count, h.row_id, h.hash) for h in report.chains]),
    ]


def write(report: Report, out: IO[str]) -> None:
    """Every cell through lane.sanitize.csv_cell: an abort reason "=HYPERLINK(...)" is text, not a formula."""
    writer = csv.writer(out, lineterminator="\n")
    for index, (name, header, rows) in enumerate(tables(report)):
        if index:
            writer.writerow([])
        writer.writerow(["table", *header])
        writer.writerows(csv_row([name, *row]) for row in rows)


def save(report: Report, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(report, out)


def read(path: Path) -> dict[str, list[dict[str, str]]]:
    """The tables of a report CSV back as {name: [row as a dict]}: for tests and for scripts."""
    out: dict[str, list[dict[str, str]]] = {}
    header: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if not row:
                continue
            if row[0] == "table":
                header = row[1:]
                continue
            out.setdefault(row[0], []).append(dict(zip(header, row[1:], strict=True)))
    return out
