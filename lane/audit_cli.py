"""`lane audit verify [--db PATH] [--head HASH]...`: walk the audit's hash chains (lane/audit.py) and say where
they do not hold; check that a chain head printed in an earlier report is still on its chain.

Reads only: the database is opened read-only (a `mode=ro` URI, `query_only`), in one read transaction, while the
lanes go on writing. Exit codes: 0 every chain intact and every `--head` on it; 1 a chain broken (each place
listed: table, row id, what does not match), a head not found, no chains, or the database unreadable; 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path

from lane import audit
from lane.config import SiteConfig

SHOWN = 50  # problems listed per table; the rest are counted


def _hash(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{12,64}", text.strip()):
        raise argparse.ArgumentTypeError(f"expected 12 to 64 hex digits of a printed chain head, got {text!r}")
    return text.strip().lower()


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="check the audit's hash chains (events, operator actions)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    verify = verbs.add_parser("verify", help="walk the chains; find edited, deleted and inserted rows")
    verify.add_argument("--db", type=Path, default=None, help="database (default: store.path from the config)")
    verify.add_argument(
        "--head",
        type=_hash,
        action="append",
        default=[],
        metavar="HASH",
        help="a chain head printed by a report: is it still on its chain? (repeatable)",
    )


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise sqlite3.OperationalError("no database there")
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0, isolation_level=None)
    con.execute("PRAGMA query_only = 1")
    return con


def verify(db: Path, printed: list[str]) -> tuple[bool, list[str]]:
    """Whether every chain holds and every printed head is on it, and the lines that say so."""
    con = _connect(db)
    try:
        con.execute("BEGIN")
        if not audit.chained(con):
            version = con.execute("PRAGMA user_version").fetchone()[0]
            return False, [
                f"{db}: no audit chains (schema version {version}): the controller (`lane run`) seals "
                "the rows already there when it first opens it"
            ]
        ok, lines = True, []
        broken: dict[str, int] = {}  # table -> the first row id where its chain does not hold
        for head in audit.heads(con):
            table = head.table
            problems = [*audit.verify(con, table), *(audit.lane_tails(con) if table == "events" else ())]
            if problems:
                broken[table] = min(p.row_id for p in problems)
            else:
                lines.append(f"{table}: intact, {head.count} rows, head row {head.row_id} {head.hash}")
                continue
            ok = False
            places = f"{len(problems)} place{'s' if len(problems) > 1 else ''}"
            lines.append(f"{table}: BROKEN in {places}, {head.count} rows, head row {head.row_id}")
            lines += [f"  {p}" for p in problems[:SHOWN]]
            if len(problems) > SHOWN:
                lines.append(f"  ... and {len(problems) - SHOWN} more")
        for wanted in printed:
            found = audit.find(con, wanted)
            if found is None:
                ok = False
                lines.append(f"head {wanted[:16]}…: on no chain: rows deleted or rewritten since it was printed")
            elif broken.get(found[0], found[1] + 1) <= found[1]:
                ok = False
                lines.append(f"head {wanted[:16]}…: {found[0]} row {found[1]}, but its chain does not hold up to it")
            else:
                lines.append(f"head {wanted[:16]}…: {found[0]} row {found[1]}, still on the chain")
        return ok, lines
    finally:
        con.close()


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    db = args.db or Path(config.store.path)
    try:
        ok, lines = verify(db, args.head)
    except sqlite3.Error as err:
        print(f"lane audit verify: {db}: {err}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(f"{db}: {'audit intact' if ok else 'AUDIT NOT INTACT'}")
    return 0 if ok else 1
