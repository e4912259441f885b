"""The retention policy (`[retention]` in the site file; UU 27/2022: personal data kept no longer than needed):
what of a renewal goes, and when. `lane run` applies it at start-up and every day after (`daily`); `lane retention
run [--dry-run]` applies it by hand (lane/retention_cli.py).

Counted from the end of the renewal (the cycle's `ended_at`; a cycle closed without one, such as one found
abandoned at a restart, from its start), never of an open cycle:
- driver photos (`<var>/photos/<lane>-<cycle>-<n>-<ok|rejected>.jpg`) after `photos_days`: removed;
- plate evidence crops (`<var>/plates/<lane>-<cycle>.png`) after `plates_days`: removed;
- the cycle's own copy of the holder's NIK, name and SIM number (lane.privacy.PERSONAL_COLUMNS) after
  `personal_days`: masked as everywhere else (reports and their figures keep working).
A file is removed only when its name gives a closed cycle of this store on the same lane and the file itself is
as old (a folder shared with another database cannot lose a newer cycle's photo); the others are kept and counted.
Each run that changes something writes one audit row (operator_actions: operator 'system', action 'retention').
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lane.clock import Clock
from lane.config import Retention
from lane.privacy import PERSONAL_COLUMNS, is_masked, mask_value
from lane.store import Stamp, Store, StoreError

log = logging.getLogger(__name__)

DAY_S = 86400.0
#: The files the lane writes per cycle (lane.evidence `photo_name`, `plate_name`).
PHOTO_NAME = re.compile(r"^(?P<lane>[A-Za-z0-9_-]{1,16})-(?P<cycle>\d{6,})-\d+-(?:ok|rejected)\.jpg$")
PLATE_NAME = re.compile(r"^(?P<lane>[A-Za-z0-9_-]{1,16})-(?P<cycle>\d{6,})\.png$")


@dataclass
class Plan:
    """What the policy removes at `now`: files, and the cycles whose personal columns it masks (id -> values)."""

    now: datetime
    cutoffs: dict[str, datetime]
    photos: list[Path] = field(default_factory=list)
    plates: list[Path] = field(default_factory=list)
    cycles: dict[int, dict[str, str]] = field(default_factory=dict)
    kept_open: int = 0  # files of cycles still open
    kept_unknown: int = 0  # files that name no closed cycle of this store, or newer than their cycle's end says

    @property
    def empty(self) -> bool:
        return not (self.photos or self.plates or self.cycles)


def plan(store: Store, policy: Retention, var: Path, now: datetime) -> Plan:
    """What `apply` would remove at `now`; reads only."""
    days = {"photos": policy.photos_days, "plates": policy.plates_days, "personal": policy.personal_days}
    out = Plan(now, {k: now - timedelta(days=n) for k, n in days.items()})
    ended: dict[int, tuple[str, datetime]] = {}
    columns = ", ".join(f"[{c}]" for c in PERSONAL_COLUMNS)
    rows = store.db.execute(
        f"SELECT id, lane, coalesce(ended_at, started_at), {columns} FROM cycles WHERE outcome != 'open'"
    )
    for cycle_id, lane, end, *values in rows:
        if not end:
            continue
        ended[cycle_id] = (lane, _utc(end))
        if ended[cycle_id][1] < out.cutoffs["personal"]:
            masked = {c: mask_value(c, v) for c, v in zip(PERSONAL_COLUMNS, values, strict=True) if not is_masked(v)}
            if masked:
                out.cycles[cycle_id] = masked
    still_open = {cycle_id for (cycle_id,) in store.db.execute("SELECT id FROM cycles WHERE outcome = 'open'")}
    for kind, found, pattern in (("photos", out.photos, PHOTO_NAME), ("plates", out.plates, PLATE_NAME)):
        folder = var / kind
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            match = pattern.match(path.name)
            if match is None:
                continue
            cycle_id, lane = int(match["cycle"]), match["lane"]
            if cycle_id in still_open:
                out.kept_open += 1
                continue
            known = ended.get(cycle_id)
            if known is None or known[0] != lane:
                out.kept_unknown += 1
                continue
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if known[1] < out.cutoffs[kind] and written < out.cutoffs[kind]:
                found.append(path)
    return out


def apply(store: Store, todo: Plan, mono: float) -> list[str]:
    """Remove the plan's files, mask its cycles and write the audit row; returns the files that could not be
    removed (with why), which the audit row counts too."""
    failed = []
    for path in [*todo.photos, *todo.plates]:
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            failed.append(f"{path}: {err.strerror}")
    if todo.empty:
        return failed
    args = {
        "photos": len(todo.photos),
        "plates": len(todo.plates),
        "cycles": sorted(todo.cycles),
        "failed": len(failed),
        "before": {k: v.isoformat(timespec="seconds") for k, v in todo.cutoffs.items()},
    }
    message = summary(todo, dry_run=False) + (f"; {len(failed)} files could not be removed" if failed else "")
    store.retain(todo.cycles, Stamp(todo.now, mono), args, message)
    return failed


def summary(todo: Plan, dry_run: bool) -> str:
    verb = "would be " if dry_run else ""
    return (
        f"{len(todo.photos)} photos and {len(todo.plates)} plate crops {verb}removed, personal data of "
        f"{len(todo.cycles)} cycles {verb}masked"
    )


def lines(todo: Plan, policy: Retention, dry_run: bool, failed: Sequence[str] = ()) -> list[str]:
    """What a run did (or would do), for the command line."""
    verb = "would be " if dry_run else ""
    day = {k: v.date().isoformat() for k, v in todo.cutoffs.items()}
    out = [
        f"retention at {todo.now.isoformat(timespec='seconds')}: photos after {policy.photos_days} days (cycles "
        f"ended before {day['photos']}), plate crops after {policy.plates_days} days (before {day['plates']}), "
        f"personal data after {policy.personal_days} days (before {day['personal']})",
        f"photos: {len(todo.photos)} {verb}removed",
        *(f"  {p}" for p in todo.photos),
        f"plate crops: {len(todo.plates)} {verb}removed",
        *(f"  {p}" for p in todo.plates),
        f"personal data (cycles.{', '.join(PERSONAL_COLUMNS)}): {len(todo.cycles)} cycles {verb}masked"
        + (f": {', '.join(str(i) for i in sorted(todo.cycles))}" if todo.cycles else ""),
        f"kept: {todo.kept_open} files of open cycles, {todo.kept_unknown} files of no closed cycle of this store",
        *(f"not removed: {f}" for f in failed),
    ]
    if dry_run:
        out.append("dry run: nothing changed")
    return out


async def daily(
    clock: Clock,
    db: Path,
    policy: Retention,
    var: Path,
    durable: bool = True,
    every: float = DAY_S,
    trim_outbox: bool = False,
) -> None:
    """`lane run`'s task: apply the policy now and every `every` seconds after, in a thread with a connection of
    its own (looking at a year of photos takes seconds: the lanes' loop must not wait). A failure is logged and
    the lanes run on; the next day tries again."""
    while True:
        try:
            await clock.run_blocking(once, db, policy, var, clock.wall(), clock.monotonic(), durable, trim_outbox)
        except (OSError, sqlite3.Error, StoreError) as err:
            log.error("retention did not run: %s", err)
        await clock.sleep(every)


def once(
    db: Path, policy: Retention, var: Path, now: datetime, mono: float, durable: bool = True, trim_outbox: bool = False
) -> Plan:
    """Plan and apply the policy on the store at `db`, logging what it did. With `trim_outbox` (a site with no
    central database) the outbox's notes older than `outbox_days` are dropped too."""
    store = Store(db, durable)
    try:
        todo = plan(store, policy, var, now)
        failed = apply(store, todo, mono)
        if trim_outbox and (dropped := store.outbox_trim(now - timedelta(days=policy.outbox_days))):
            log.info(
                "retention: %d outbox notes older than %d days dropped (no [central])", dropped, policy.outbox_days
            )
    finally:
        store.close()
    if not todo.empty:
        log.info("retention: %s", summary(todo, dry_run=False))
    for line in failed:
        log.warning("retention: not removed: %s", line)
    return todo


def _utc(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
