"""A report as one CSV file (UTF-8, comma-separated) holding several tables one after another.

Each table starts with a header row whose first cell is `tabel` (`table` in English); each of its rows starts
with the table's name: report, rules (what is counted and left out), figures (by site, lane, month, week, day,
daypart, hour), lane_days and lane_hours (each lane's figures by day and by hour of the day), stages, slowest,
fastest, queue (queue events by approach and kind), reasons, faults, overrides, manual_receipts, audit (the
audit's chain heads), and last cycles (one row per cycle). Names and heads are in the report's language
(lane.report.words); `read` gives them back as the English keys whichever it is. An empty row separates tables.
Times are in seconds (3 decimals), shares between 0 and 1, dates and hours in site time. A spreadsheet shows the
tables as blocks; a program keeps the rows whose first cell is the table it wants. A text cell a spreadsheet would
run as a formula (it begins with = + - @) is written behind an apostrophe, and control characters are dropped
(lane.sanitize).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from lane.report.model import CycleRow, Figures, Report, SlowCycle, manual_row, timeline
from lane.report.words import Words, column_key, rules, table_key
from lane.sanitize import csv_cell, csv_row

Row = Sequence[object]
FIGURES = ("cars", "completed", "rejected", "aborted", "abandoned", "open", "median_s", "p90_s", "max_s",
           "under_target_share", "total_median_s", "total_p90_s", "total_max_s", "total_under_target_share",
           "wait_median_s", "wait_p90_s", "wait_max_s", "no_queue")  # fmt: skip
CYCLE = ("cycle", "lane", "started", "wait_s", "duration_s", "total_s", "outcome", "reason", "plate", "holder", "nik",
         "retries", "timeline")  # fmt: skip


def _num(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _figures(f: Figures) -> Row:
    t, w = f.total_time, f.wait_time
    return (f.total, f.completed, f.rejected, f.aborted, f.abandoned, f.open, _num(f.median_s), _num(f.p90_s),
            _num(f.max_s), _num(f.under_target, 4), _num(t.median_s), _num(t.p90_s), _num(t.max_s),
            _num(t.under_target, 4), _num(w.median_s), _num(w.p90_s), _num(w.max_s), f.unqueued)  # fmt: skip


def _cycle(c: SlowCycle) -> Row:
    return (c.id, c.lane, c.started, _num(c.wait_s), _num(c.duration_s), _num(c.total_s), c.outcome, c.reason,
            c.plate, c.holder, c.nik, c.retries, timeline(c))  # fmt: skip


def _rows(cycles: Iterable[CycleRow]) -> Iterator[Row]:
    """The cycles' rows, their text from the store through csv_cell (once for each distinct text: lanes, outcomes
    and the like repeat) and nothing else: a year's rows would spend seconds sanitizing numbers and times the
    report made itself."""
    cell = functools.lru_cache(maxsize=65536)(csv_cell)
    for c in cycles:
        total = None if c.service_s is None else c.service_s + (c.wait_s or 0.0)
        yield (c.id, cell(c.lane), cell(c.lane_class), c.queued, c.started, cell(c.approach), cell(c.match),
               cell(c.outcome), _num(c.wait_s), _num(c.service_s), _num(total), cell(c.plate))  # fmt: skip


def tables(report: Report, w: Words) -> list[tuple[str, Sequence[str], Iterable[Row]]]:
    """(table key, column keys, rows) of every table, in order."""
    p = report.period
    meta = [("site", report.site), ("from", p.first.isoformat()), ("to", p.last.isoformat()), ("zone", p.zone),
            ("lanes", " ".join(report.lanes) or "all"), ("target_s", _num(report.target_s)),
            ("personal_data", "shown" if report.personal else "masked"), ("generated", report.generated),
            ("lang", w.lang)]  # fmt: skip
    figures = [("site", report.total.key, *_figures(report.total))]
    for by, rows in (("lane", report.by_lane), ("month", report.by_month), ("week", report.by_week),
                     ("day", report.by_day), ("daypart", report.by_daypart), ("hour", report.by_hour)):  # fmt: skip
        figures += [(by, f.key, *_figures(f)) for f in rows]
    return [
        ("report", ("name", "value"), meta),
        ("rules", ("text",), [(line,) for line in rules(report, w)]),
        ("figures", ("by", "key", *FIGURES), figures),
        ("lane_days", ("lane", "day", *FIGURES), [(lane, f.key, *_figures(f)) for lane, f in report.lane_days]),
        ("lane_hours", ("lane", "hour", *FIGURES), [(lane, f.key, *_figures(f)) for lane, f in report.lane_hours]),
        (
            "stages",
            ("group", "stage", "cycles", "median_s", "budget_s", "over_budget"),
            [
                (s.group, s.stage, s.cycles, _num(s.median_s), _num(s.budget_s), int(s.over_budget))
                for s in (*report.stages, *report.stage_classes)
            ],
        ),
        ("slowest", CYCLE, [_cycle(c) for c in report.slowest]),
        ("fastest", CYCLE, [_cycle(c) for c in report.fastest]),
        ("queue", ("approach", "kind", "count"), [(q.approach, q.kind, q.count) for q in report.queue]),
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
        (
            "cycles",
            (
                "cycle",
                "lane",
                "lane_class",
                "queued",
                "started",
                "approach",
                "match",
                "outcome",
                "wait_s",
                "service_s",
                "total_s",
                "plate",
            ),
            _rows(report.cycles),
        ),
    ]


def write(report: Report, out: IO[str], lang: str = "id") -> None:
    """Every cell through lane.sanitize.csv_cell: an abort reason "=HYPERLINK(...)" is text, not a formula."""
    w = Words(lang)
    writer = csv.writer(out, lineterminator="\n")
    for index, (key, header, rows) in enumerate(tables(report, w)):
        if index:
            writer.writerow([])
        name = w.table(key)
        writer.writerow([w.column("table"), *(w.column(h) for h in header)])
        if key == "cycles":  # its rows sanitize their own text cells (_rows)
            writer.writerows([name, *row] for row in rows)
        else:
            writer.writerows(csv_row([name, *row]) for row in rows)


def save(report: Report, path: Path, lang: str = "id") -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write(report, out, lang)


def read(path: Path) -> dict[str, list[dict[str, str]]]:
    """The tables of a report CSV back as {table key: [row as a dict by column key]}, in either language: for
    tests and for scripts."""
    out: dict[str, list[dict[str, str]]] = {}
    header: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if not row:
                continue
            if column_key(row[0]) == "table":
                header = [column_key(h) for h in row[1:]]
                continue
            out.setdefault(table_key(row[0]), []).append(dict(zip(header, row[1:], strict=True)))
    return out
