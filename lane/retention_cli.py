"""`lane retention run [--dry-run] [--db PATH]`: apply the site's retention policy (lane/retention.py) by hand and
print what it removed (or, with --dry-run, would remove: then nothing is written, not even the audit row).
Exit codes: 0 done, 1 the database cannot be used or a file could not be removed."""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from lane.config import SiteConfig


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("retention", help="remove or mask personal data older than the [retention] policy says")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    run = verbs.add_parser("run", help="apply the policy now: photos, plate crops, the cycles' NIKs and names")
    run.add_argument("--db", type=Path, default=None, help="database (default: store.path); its folder holds photos/")
    run.add_argument("--dry-run", action="store_true", help="print what would be removed; change nothing")


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    from lane import retention  # sqlite-utils: loaded by the command that uses it
    from lane.store import Store, StoreError

    db = Path(args.db or config.store.path)
    if not db.is_file():
        print(f"lane retention: no database at {db}")
        return 1
    try:
        store = Store(db, config.store.durable)
    except (sqlite3.Error, StoreError) as err:
        print(f"lane retention: {db}: cannot be used: {err}")
        return 1
    try:
        todo = retention.plan(store, config.retention, db.parent, datetime.now(UTC))
        failed = [] if args.dry_run else retention.apply(store, todo, time.monotonic())
    except sqlite3.Error as err:
        print(f"lane retention: {db}: {err}")
        return 1
    finally:
        store.close()
    for line in retention.lines(todo, config.retention, args.dry_run, failed):
        print(line)
    return 1 if failed else 0
