"""`lane officer add|list|passwd|disable|enable`: the officers' accounts in the site database (lane/officers.py).

A PIN is asked twice on the terminal (never echoed, never an argument: it would show in the process list and the
shell's history), or read as one line from standard input with `--pin-stdin`, for scripts. Whoever may write the
site database may manage its accounts: keep `var/` writable only by the lane's service account and its admins.
Also `demo_officer`: the account the demo's console logs in with (a fresh random PIN each run).
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from lane.config import SiteConfig
from lane.officers import OfficerError, Officers, Role
from lane.store import Store, StoreError

#: The demo's console officer: a supervisor, so that every key of the console can be tried.
DEMO_OFFICER = "demo"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None, help="site database (default: store.path)")
    officer = subparsers.add_parser("officer", help="officers' accounts: add, list, passwd, disable, enable")
    sub = officer.add_subparsers(dest="officer_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", parents=[common], help="a new officer; asks the PIN twice")
    add.add_argument("id", help="the officer's id (NRP): 1 to 32 letters, digits, '.', '_', '-'")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", default="", help="the officer's name, as shown to supervisors")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN as one line from standard input")
    sub.add_parser("list", parents=[common], help="every account: role, state, failed logins")
    passwd = sub.add_parser("passwd", parents=[common], help="a new PIN (also unlocks the account)")
    passwd.add_argument("id")
    passwd.add_argument("--pin-stdin", action="store_true", help="read the PIN as one line from standard input")
    for name, what in (("disable", "the officer can no longer log in or act"), ("enable", "undo disable")):
        sub.add_parser(name, parents=[common], help=what).add_argument("id")


def _pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise OfficerError("no terminal to ask the PIN on: give it on standard input with --pin-stdin")
    pin = getpass.getpass(f"PIN for {args.id}: ")
    if getpass.getpass("the same PIN again: ") != pin:
        raise OfficerError("the two PINs differ; nothing changed")
    return pin


def _state(officer_disabled: bool, locked: datetime | None) -> str:
    if officer_disabled:
        return "disabled"
    if locked is not None and locked > datetime.now(UTC):
        return f"locked until {locked:%Y-%m-%d %H:%M} UTC"
    return "active"


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    db = args.db or Path(config.store.path)
    try:
        store = Store(db, config.store.durable)
    except (StoreError, sqlite3.Error, OSError) as err:
        print(f"lane officer: {db}: {err}", file=sys.stderr)
        return 1
    officers = Officers(store, config.control)
    try:
        what = args.officer_command
        if what == "list":
            rows = officers.all()
            for o in rows:
                print(
                    f"{o.id:<16} {o.role.value:<11} {_state(o.disabled, o.locked_until):<32} "
                    f"failures {o.failures}  {o.name}"
                )
            print(f"{len(rows)} officers in {db}")
        elif what == "add":
            pin = _pin(args)
            officer = officers.add(args.id, args.role, pin, args.name)
            print(f"officer {officer.id} added ({officer.role}) to {db}")
        elif what == "passwd":
            officers.set_pin(args.id, _pin(args))
            print(f"officer {args.id}: new PIN set; failed logins cleared")
        else:
            officers.set_disabled(args.id, what == "disable")
            print(f"officer {args.id} {what}d")
    except OfficerError as err:
        print(f"lane officer: {err}", file=sys.stderr)
        return 1
    except sqlite3.Error as err:
        print(f"lane officer: {db}: {err}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def demo_officer(db: Path, pin: str) -> None:
    """The demo console's account (`DEMO_OFFICER`, a supervisor) in the demo database, with PIN `pin`."""
    store = Store(db, durable=False)
    try:
        officers = Officers(store)
        if any(o.id == DEMO_OFFICER for o in officers.all()):
            officers.set_pin(DEMO_OFFICER, pin)
            officers.set_disabled(DEMO_OFFICER, False)
        else:
            officers.add(DEMO_OFFICER, Role.SUPERVISOR, pin, "the demo's console")
    finally:
        store.close()
