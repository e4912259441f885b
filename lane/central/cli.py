"""`lane central migrate|add-site|report` (the central database's owner and its supervisors) and `lane sync` (a
site pushing its outbox). lane/cli.py adds them with `add_parsers(sub)` and runs them with `run(args, config)`.
The central connection string is `--dsn`, else $LANE_CENTRAL_DSN, else `[central] dsn` of the site file (libpq
reads the password from ~/.pgpass or $PGPASSFILE). Exit codes: 0 done, 1 the database cannot be reached or refused,
2 bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from lane.config import SiteConfig
from lane.report.cli import _date, period_of
from lane.report.model import Period
from lane.sanitize import line


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    central = sub.add_parser("central", help="the central database of many sites: migrate, add-site, report")
    central.add_argument("--dsn", default=None, help="libpq connection string (default: $LANE_CENTRAL_DSN, [central])")
    what = central.add_subparsers(dest="central_command", required=True, metavar="ACTION")
    what.add_parser("migrate", help="apply the central schema's migrations not applied yet")
    add = what.add_parser("add-site", help="register a site and make its database role")
    add.add_argument("site", help="the site's office code (site.office_code)")
    add.add_argument("--name", default="", help="the site's name")
    add.add_argument("--timezone", default="Asia/Jakarta", help="the site's time zone (default Asia/Jakarta)")
    add.add_argument("--goal-minutes", type=float, default=10.0, help="the promise, minutes (default 10)")
    add.add_argument("--password-stdin", action="store_true", help="read the role's password from stdin")
    rep = what.add_parser("report", help="sites ranked, weeks, dayparts, slipped sites, rejects, faults; --site X")
    rep.add_argument("--from", dest="first", type=_date, metavar="DATE", help="first day (default: 6 days before --to)")
    rep.add_argument("--to", dest="last", type=_date, metavar="DATE", help="last day, inclusive (default: today)")
    rep.add_argument("--site", default=None, help="drill down to one site: the sections of its own `lane report`")
    rep.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    rep.add_argument("--html", type=Path, metavar="FILE", help="also write it as one self-contained HTML file")
    rep.add_argument("--quiet", action="store_true", help="no table on the terminal")
    sync = sub.add_parser("sync", help="push this site's outbox to the central database ([central] in the site file)")
    sync.add_argument("--db", type=Path, default=None, help="database (default: store.path from the config)")
    sync.add_argument("--once", action="store_true", help="push until the outbox is empty, then stop")
    sync.add_argument("--status", action="store_true", help="print the outbox's lag and stop")


def _dsn(args: argparse.Namespace, config: SiteConfig) -> str | None:
    return args.dsn or os.environ.get("LANE_CENTRAL_DSN") or (config.central.dsn if config.central else None)


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    if args.command == "sync":
        return _sync(args, config)
    import psycopg

    dsn = _dsn(args, config)
    if not dsn:
        print("lane central: no connection string: --dsn, $LANE_CENTRAL_DSN or [central] dsn", file=sys.stderr)
        return 2
    if args.central_command == "add-site" and not re.fullmatch(r"[A-Z0-9-]{2,20}", args.site):
        print(
            f"lane central add-site: {line(args.site)!r}: an office code is 2 to 20 of A-Z, 0-9 and -", file=sys.stderr
        )
        return 2
    if args.central_command == "report":
        try:
            period = period_of(args, config.site.timezone)
        except ValueError as err:
            print(f"lane central report: {err}", file=sys.stderr)
            return 2
    try:
        with psycopg.connect(dsn, connect_timeout=10) as con:
            if args.central_command == "migrate":
                from lane.central.schema import migrate

                con.autocommit = True
                applied = migrate(con)
                print(f"applied: {', '.join(applied)}" if applied else "the central schema is up to date")
                return 0
            if args.central_command == "add-site":
                from lane.central.schema import add_site

                con.autocommit = True
                password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
                role = add_site(con, args.site, args.name, args.timezone, args.goal_minutes * 60, password)
                print(f"site {args.site}: role {role}")
                return 0
            return _report(con, args, config, period)
    except psycopg.Error as err:
        print(f"lane central: {line(str(err).strip().splitlines()[0] if str(err).strip() else err)}", file=sys.stderr)
        return 1


def _report(con: Any, args: argparse.Namespace, config: SiteConfig, period: Period) -> int:
    from lane.central import figures, render

    first, last = period.first, period.last
    con.autocommit = True  # each read is its own transaction, begun with its isolation level
    started = time.perf_counter()
    if args.site:
        from lane.central.drill import UnknownSite, report
        from lane.report import render_csv, render_html, render_text

        try:
            drilled = report(con, config, args.site, first, last)
        except UnknownSite as err:
            print(f"lane central report: {err}", file=sys.stderr)
            return 2
        if not args.quiet:
            render_text.render(drilled)
        for path, save in ((args.csv, render_csv.save), (args.html, render_html.save)):
            if path is not None:
                save(drilled, path)
                print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        return 0
    found = figures.read(con, first, last)
    took = time.perf_counter() - started
    if not args.quiet:
        render.text(found)
        print(f"(read in {took:.2f} s)")
    for path in render.save(found, args.csv, args.html):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


def _sync(args: argparse.Namespace, config: SiteConfig) -> int:
    from lane.central.sync import Outbox, SyncWorker

    db = args.db or Path(config.store.path)
    if not db.is_file():
        print(f"lane sync: {db}: no database there", file=sys.stderr)
        return 1
    if args.status:
        outbox = Outbox(db)
        try:
            print(outbox.lag().line())
        finally:
            outbox.close()
        return 0
    if config.central is None:
        print(f"lane sync: {args.config}: no [central] section: nowhere to push to", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    worker = SyncWorker(db, config.site.office_code, config.central, config.store.durable)
    try:
        done = worker.run(until_empty=args.once, give_up=5 if args.once else None)
    except KeyboardInterrupt:
        done = False
    print(f"lane sync: {worker.pushed} rows pushed; {'up to date' if done else 'stopped'}")
    return 0 if done or not args.once else 1
