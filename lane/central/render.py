"""`lane central report` as output: the sections of `lane.central.figures` as tables. `tables` gives every
section as (name, header, rows) once; the terminal (rich), the CSV (every cell through lane.sanitize.csv_row) and
the self-contained HTML (inline CSS and the inline SVG charts of lane/report/svg.py) all render those.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import IO

from lane.central.figures import CentralFigures, Line
from lane.report import svg
from lane.report.model import mmss
from lane.report.render_html import CSS, html_table
from lane.report.words import Words
from lane.sanitize import csv_row
from lane.sanitize import line as safe

Table = tuple[str, tuple[str, ...], list[tuple[object, ...]]]
TERMINAL_ROWS = 30  # a longer table shows its first rows on the terminal; all of it is in --csv and --html
LINE_HEADER = ("completed", "rejected", "aborted", "other", "goal met", "mean total", "p90 total", "mean wait")

EN = Words("en")  # the central report is in English (lane report speaks both; its table writer takes the words)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def _cells(x: Line) -> tuple[object, ...]:
    return (
        x.completed,
        x.rejected,
        x.aborted,
        x.abandoned + x.open,
        _pct(x.goal_share),
        mmss(x.mean_total_s),
        mmss(x.p90_total_s),
        mmss(x.mean_wait_s),
    )


def tables(f: CentralFigures) -> list[Table]:
    return [
        ("Sites ranked by goal met, then p90 total", ("rank", "site", *LINE_HEADER),
         [(i + 1, x.key, *_cells(x)) for i, x in enumerate(f.ranking)]),
        ("By week (Monday)", ("week", *LINE_HEADER), [(x.key, *_cells(x)) for x in f.weeks]),
        ("By daypart (site time: pagi < 11, siang < 14, sore)", ("daypart", *LINE_HEADER),
         [(x.key, *_cells(x)) for x in f.dayparts]),
        ("Slipped against their own previous period", ("site", "before goal met", "now goal met", "before p90",
                                                        "now p90", "why"),
         [(s.site, _pct(s.before.goal_share), _pct(s.now.goal_share), mmss(s.before.p90_total_s),
           mmss(s.now.p90_total_s), s.why) for s in f.slipped]),
        ("Reject and abort reasons by site", ("site", "outcome", "reason", "count"), list(f.reasons)),
        ("Device faults by site", ("site", "device", "kind", "cause", "count"), list(f.faults)),
    ]  # fmt: skip


def title(f: CentralFigures) -> str:
    days = (f.last - f.first).days + 1
    return (
        f"All sites: {f.first} to {f.last} ({days} days, site time), {len(f.ranking)} sites; p90 from 5-second "
        "bins (within 2.5 s)"
    )


def text(f: CentralFigures, out: IO[str] | None = None, width: int | None = None) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=out, width=width, highlight=False, markup=False, emoji=False)
    if not console.is_terminal and width is None:
        console.width = 160
    console.print(safe(title(f)), style="bold")
    for name, header, rows in tables(f):
        table = RichTable(title=name, title_justify="left")
        for col in header:
            table.add_column(col, justify="left" if col in ("site", "reason", "why", "cause", "device") else "right")
        for row in rows[:TERMINAL_ROWS]:
            table.add_row(*(safe(v) for v in row))
        console.print(table)
        if len(rows) > TERMINAL_ROWS:
            console.print(f"({len(rows) - TERMINAL_ROWS} more rows: all {len(rows)} in --csv and --html)")


def write_csv(f: CentralFigures, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    for index, (name, header, rows) in enumerate(tables(f)):
        if index:
            writer.writerow([])
        writer.writerow(["table", *header])
        writer.writerows(csv_row([name, *row]) for row in rows)


def _chart(name: str, labels: Sequence[str], values: Sequence[float], colour: str, fmt: str = "{:g}") -> str:
    top = max(values, default=0) or 1.0
    top = svg.nice_step(top) * max(1, -(-top // svg.nice_step(top)))
    base = svg.H - svg.BOTTOM
    every = max(1, len(labels) // 12)
    body = (
        svg._y_axis(top, (base - svg.TOP) / top, fmt)
        + svg._bars(values, top, colour)
        + svg._x_labels(labels, every=every)
    )
    return svg._svg(name, body)


def html(f: CentralFigures) -> str:
    ranking = f.ranking[:40]
    charts = [
        _chart("Goal met by site (%), best 40", [x.key for x in ranking], [100 * (x.goal_share or 0) for x in ranking],
               svg.COLOURS["share"]),
        _chart("Goal met by week (%)", [x.key[5:] for x in f.weeks], [100 * (x.goal_share or 0) for x in f.weeks],
               svg.COLOURS["hour_done"]),
        _chart("Completed renewals by daypart", [x.key for x in f.dayparts], [x.completed for x in f.dayparts],
               svg.COLOURS["histogram"]),
    ]  # fmt: skip
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>All sites {f.first} to {f.last}</title><style>{CSS}</style></head><body>",
        f"<h1>All sites: renewals {f.first} to {f.last}</h1>",
        f'<div class="sub">{escape(title(f))}</div>',
        '<div class="charts">',
        *charts,
        "</div>",
    ]
    for name, header, rows in tables(f):
        parts += [
            f"<h2>{escape(name)}</h2>",
            html_table(header, rows, EN, left=("site", "reason", "why", "cause", "device")),
        ]
    return "\n".join([*parts, "</body></html>"]) + "\n"


def save(f: CentralFigures, csv_path: Path | None, html_path: Path | None) -> list[Path]:
    written = []
    if csv_path is not None:
        with csv_path.open("w", encoding="utf-8", newline="") as out:
            write_csv(f, out)
        written.append(csv_path)
    if html_path is not None:
        html_path.write_text(html(f), encoding="utf-8")
        written.append(html_path)
    return written
