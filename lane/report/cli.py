"""`lane report`: the supervisor report for a date range, on the terminal, as CSV and as HTML.

lane/cli.py adds the subcommand with `add_parser(sub)` and runs it with `run(args, config)`. Exit codes: 0 done,
1 the database cannot be read or the audit row cannot be written, 2 bad arguments (nothing read or written).
The report only reads the store (it keeps closed days in the reports' own day cache beside it, `<db>.report-cache`,
lane.report.cache, which `--no-cache` leaves alone); `--show-personal` first writes one row to the audit table
(operator_actions, lane "*", action "report_show_personal") of the live store, the site file's `store.path`,
whichever file `--db` names (a copy is named in the row), and shows nothing personal if that write fails.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from lane.cli_args import out_file, whole
from lane.config import SiteConfig
from lane.report.model import Period

AUDIT_ACTION = "report_show_personal"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser("report", help="supervisor report for a date range: terminal table, --csv, --html")
    p.add_argument(
        "--from",
        dest="first",
        type=_date,
        metavar="DATE",
        help="first day, YYYY-MM-DD in site time (default: 6 days before --to)",
    )
    p.add_argument("--to", dest="last", type=_date, metavar="DATE", help="last day, inclusive (default: today)")
    p.add_argument("--lane", action="append", default=[], metavar="ID", help="only this lane (repeatable)")
    p.add_argument("--db", type=Path, default=None, help="database (default: store.path from the config)")
    p.add_argument("--csv", type=out_file, metavar="FILE", help="also write the report as CSV")
    p.add_argument(
        "--html", type=out_file, metavar="FILE", help="also write the report as one self-contained HTML file"
    )
    p.add_argument("--slowest", type=whole(0, 1000), default=10, metavar="N", help="slowest cycles listed (default 10)")
    p.add_argument(
        "--show-personal",
        action="store_true",
        help="show names and NIKs unmasked (needs --operator; written to the audit table)",
    )
    p.add_argument("--operator", metavar="ID", help="who asks for personal data (with --show-personal)")
    p.add_argument("--quiet", action="store_true", help="no table on the terminal")
    p.add_argument(
        "--lang",
        choices=("id", "en"),
        default="id",
        help="language of the report, its HTML and its CSV headers: id Bahasa Indonesia (default), en English",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="read every row from the store, neither reading nor adding to the reports' day cache (<db>.report-cache)",
    )
    return p


def period_of(args: argparse.Namespace, zone: str, now: datetime | None = None) -> Period:
    """The period asked for; raises ValueError naming the option when it is not a period."""
    last = args.last or Period.last_days(zone, 1, now).last
    first = args.first or last - timedelta(days=6)
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    return Period(first, last, zone)


def _yield_to_lanes() -> None:
    """Run below the lanes' priority (niceness 10) so that a report never takes CPU time they need."""
    if hasattr(os, "nice"):
        current = os.nice(0)
        if current < 10:
            os.nice(10 - current)


def audit(live: Path, read: Path, operator: str, args: dict[str, Any]) -> None:
    """Write who asked for personal data, and for what, to the live store (`live`, the site file's store.path,
    which the controller writes), through the store's own audit writer, on its hash chain. When the report reads
    another file (`read`: a copy, a backup), the row names it: the copy cannot keep the row from the live store.
    Raises sqlite3.Error when the live store is not there or does not take the row."""
    from lane.store import Stamp, Store

    if not live.is_file():
        raise sqlite3.OperationalError(f"the live store {live} (store.path) is not there")
    elsewhere = not read.samefile(live)
    message = "names and NIKs shown unmasked in a report"
    if elsewhere:
        message += f", read from {read.resolve()}, not from the live store"
    store = Store(live)
    try:
        store.operator_action(
            "*",
            None,
            Stamp(datetime.now(UTC), time.monotonic()),
            operator,
            AUDIT_ACTION,
            {**args, "db": str(read.resolve()), "live": not elsewhere},
            "ok",
            message,
        )
    finally:
        store.close()


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    # The report does no linear algebra: numpy's BLAS gets one thread, not one a core started (and spinning) at
    # import beside the lanes. Set before numpy is first imported, here.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from lane.report import cache, query, render_csv, render_html  # rich only for the terminal table

    operator = (args.operator or "").strip()
    problems = []
    if args.show_personal and not operator:
        problems.append("--show-personal needs --operator ID (who asks; it is written to the audit table)")
    try:
        period = period_of(args, config.site.timezone)
    except ValueError as err:
        problems.append(str(err))
    if problems:
        print("lane report: " + "\nlane report: ".join(problems), file=sys.stderr)
        return 2
    _yield_to_lanes()
    db = args.db or Path(config.store.path)
    lanes = tuple(dict.fromkeys(args.lane))
    try:
        con = query.connect(db)
    except (query.ReportError, sqlite3.Error) as err:
        print(f"lane report: {err}", file=sys.stderr)
        return 1
    try:
        if args.show_personal:
            asked = {
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "lanes": list(lanes),
                "csv": str(args.csv or ""),
                "html": str(args.html or ""),
                "terminal": not args.quiet,
            }
            live = Path(config.store.path)
            try:
                audit(live, db, operator, asked)
            except sqlite3.Error as err:
                print(
                    f"lane report: cannot write the audit row to the live store {live}, personal data not shown: {err}",
                    file=sys.stderr,
                )
                return 1
        kept = None if args.no_cache else cache.path_for(db)
        report = query.build(
            con, config, period, lanes, args.show_personal, args.slowest, cache=kept, rows=args.csv is not None
        )
    except sqlite3.Error as err:
        print(f"lane report: {db}: {err}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if not args.quiet:
        from lane.report import render_text

        render_text.render(report, lang=args.lang)
    for path, save in ((args.csv, render_csv.save), (args.html, render_html.save)):
        if path is not None:
            save(report, path, args.lang)
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m lane.report [--config FILE] [report options]`: the same command without the `lane` front end."""
    from lane.config import DEFAULT_PATH, ConfigError, load

    parser = argparse.ArgumentParser(prog="python -m lane.report")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub).add_argument("--config", type=Path, default=DEFAULT_PATH, help="site file (default: %(default)s)")
    args = parser.parse_args(["report", *(argv if argv is not None else sys.argv[1:])])
    try:
        config = load(args.config)
    except ConfigError as err:
        print(f"lane: configuration error\n{err}", file=sys.stderr)
        return 2
    return run(args, config)
