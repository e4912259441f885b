"""Personal data, minimised (UU 27/2022, Pelindungan Data Pribadi): what the lane keeps of the people it serves,
where, and who may read it.

A full NIK, name and SIM number are kept only where a renewal needs them: the cycle's own columns
(`PERSONAL_COLUMNS` of `cycles`, until the retention policy masks them: lane/retention.py) and the holder
registry. Everything else the lane writes (events, notices, operator actions, the lane snapshot) goes through
`masked` or `scrub` first: a NIK or SIM number keeps its region and last two digits (`flows.nik.mask`), a name
its initials (`mask_name`). The lane snapshot keeps no holder record (`snapshot_context`); a restart reads it
again from the cycle row and the registry (`restored_context`).

The files holding personal data (the store and its -wal/-shm, the registry, photos, plate crops, the report
cache) are made readable by their owner only (`FILE_MODE`), in folders only the owner can enter (`DIR_MODE`):
`private_db`, `private_file`, `private_dir`. The console and `lane report` run as the controller's user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.nik import mask

if TYPE_CHECKING:  # the registry (sqlite-utils) is loaded only by those that restore a lane
    from lane.holders import Registry

FILE_MODE = 0o600
DIR_MODE = 0o700
#: Columns of `cycles` that hold personal data in full, and how each is masked by the retention policy.
PERSONAL_COLUMNS = ("holder_name", "nik", "sim_number")
#: Keys of trigger data, requests and snapshots that hold a NIK or SIM number, and those that hold a name.
NUMBER_KEYS = frozenset({"nik", "sim", "sim_number"})
NAME_KEYS = frozenset({"name", "holder_name"})
#: What the snapshot keeps of the holder: enough for the console (masked) and the fee.
HOLDER_KEPT = ("name", "nik", "sim_class")
#: Where a database keeps its other files (SQLite makes them with the database file's mode).
DB_SUFFIXES = ("", "-wal", "-shm", "-journal")

log = logging.getLogger(__name__)
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def mask_name(name: str | None) -> str:
    """Each word to its first letter and three asterisks ("BUDI SANTOSO" -> "B*** S***"); the length is not
    kept either. A name already masked stays as it is."""
    return " ".join(word[0] + "***" for word in (name or "").split())


def is_masked(value: str | None) -> bool:
    """True for a value this module masked (or none at all): it holds an asterisk or is empty."""
    return not value or "*" in value


def mask_value(key: str, value: Any) -> Any:
    """`value` masked as its key says (a NIK/SIM number, a name), else as it is."""
    if not isinstance(value, str) or is_masked(value):
        return value
    if key in NUMBER_KEYS:
        return mask(value)
    if key in NAME_KEYS:
        return mask_name(value)
    return value


def scrub(text: str, names: Iterable[str | None] = ()) -> str:
    """Free text (a reason, a message) with every 16-digit run masked as a NIK and each of `names` (the people
    of the cycle at hand) replaced by its initials."""
    text = _NIK.sub(lambda m: mask(m.group()), text)
    for name in names:
        if name and not is_masked(name) and name in text:
            text = text.replace(name, mask_name(name))
    return text


def masked(data: Mapping[str, Any], names: Iterable[str | None] = ()) -> dict[str, Any]:
    """A copy of `data` fit to store anywhere: NIKs, SIM numbers and names masked by their key, in nested
    mappings too; other text scrubbed of NIKs and of `names`."""
    names = tuple(names)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out[key] = masked(value, names)
        elif isinstance(value, list | tuple):
            out[key] = [scrub(v, names) if isinstance(v, str) else v for v in value]
        elif key in NUMBER_KEYS or key in NAME_KEYS:
            out[key] = mask_value(key, value)
        else:
            out[key] = scrub(value, names) if isinstance(value, str) else value
    return out


def names_in(ctx: Mapping[str, Any]) -> tuple[str, ...]:
    """The names a lane's context knows of (the holder's), for `scrub`."""
    holder = ctx.get("holder")
    found = [ctx.get("holder_name"), holder.get("name") if isinstance(holder, Mapping) else None]
    return tuple(dict.fromkeys(str(n) for n in found if n))


def snapshot_context(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """What the lane snapshot keeps of a cycle's context: no pre-fill, the holder reduced to `HOLDER_KEPT`, every
    personal value masked. `restored_context` reads the rest again on restart."""
    kept = {k: v for k, v in ctx.items() if k not in ("prefill", "holder")}
    holder = ctx.get("holder")
    if isinstance(holder, Mapping):
        kept["holder"] = {k: holder[k] for k in HOLDER_KEPT if k in holder}
    return masked(kept, names_in(ctx))


def restored_context(
    snapshot: Mapping[str, Any], cycle: Mapping[str, Any] | None, registry: Registry | None
) -> dict[str, Any]:
    """A lane's context after a restart: the snapshot's, with the holder's record and the personal values read
    again from the cycle row and the registry (a lane that holds no cycle has no context). A holder the registry
    no longer knows is left out: the card cannot be printed and the operator is told so."""
    if cycle is None:
        return {}
    ctx = dict(snapshot)
    ctx.pop("holder", None)
    for key in PERSONAL_COLUMNS:
        if cycle.get(key):
            ctx[key] = cycle[key]
        else:
            ctx.pop(key, None)
    holder = registry.lookup(str(cycle["sim_number"])) if registry is not None and cycle.get("sim_number") else None
    if holder is not None:
        from lane.rules import holder_dict  # OpenCV and the photo gate: only a restarting lane needs them

        ctx["holder"] = holder_dict(holder)
    return ctx


#: Where the store had personal data in full before this module: table, key column, column, whether it is JSON.
HISTORY = (
    ("events", "id", "detail", True),
    ("notices", "id", "text", None),  # a request is JSON, a prompt or an alert is text
    ("operator_actions", "id", "args", True),
    ("operator_actions", "id", "message", False),
    ("cycles", "id", "reason", False),
    ("lane_state", "lane", "context", True),
)


def history(con: sqlite3.Connection) -> Iterator[tuple[str, str, str, Any, str]]:
    """(table, key column, column, key, new value) for each row of a store written before this module that holds
    a NIK, name or SIM number in full outside the cycles' own columns: the store's migration applies them."""
    names = dict(con.execute("SELECT id, holder_name FROM cycles WHERE holder_name IS NOT NULL").fetchall())
    for table, key, column, is_json in HISTORY:
        cycle = "cycle_id" if table != "cycles" else "id"
        for rowid, value, cycle_id in con.execute(f"SELECT [{key}], [{column}], [{cycle}] FROM [{table}]").fetchall():
            if not isinstance(value, str):
                continue
            snapshot = table == "lane_state"
            new = _masked_text(value, (names.get(cycle_id),), is_json, snapshot, idle=snapshot and cycle_id is None)
            if new != value:
                yield table, key, column, rowid, new


def _masked_text(value: str, names: tuple[str | None, ...], is_json: bool | None, snapshot: bool, idle: bool) -> str:
    data = None
    if is_json is not False:
        with contextlib.suppress(ValueError):
            data = json.loads(value)
    if not isinstance(data, dict):
        return scrub(value, names)
    if idle:
        return "{}"
    new = snapshot_context(data) if snapshot else masked(data, names + names_in(data))
    return value if new == data else json.dumps(new, default=str, ensure_ascii=False, sort_keys=True)


# -- files --------------------------------------------------------------------------------------------------------


def _chmod(path: Path, mode: int) -> None:
    """Set `mode`; a file of another user's is left as it is, with a warning (only its owner may change it)."""
    try:
        os.chmod(path, mode)
    except PermissionError as err:
        log.warning("cannot make %s private (mode %o): %s", path, mode, err.strerror)


def private_dir(path: Path) -> Path:
    """`path` made if missing (with its parents) and closed to everyone but the owner."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """A file the lane wrote, made readable by its owner only."""
    _chmod(path, FILE_MODE)
    return path


def private_db(path: Path) -> None:
    """Before SQLite opens `path`: the database file made (empty: SQLite takes it for a new database) or set to
    owner-only, with the -wal/-shm/-journal files already there; SQLite makes new ones with the database's mode.
    A missing folder is made owner-only; an existing one is left as it is (it may be shared, such as /tmp)."""
    if not path.parent.exists():
        private_dir(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for suffix in DB_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):  # gone since: SQLite remakes it with the database's mode
            private_file(path.with_name(path.name + suffix))
