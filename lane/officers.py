"""Officers: their accounts, their PINs, their sessions, and which role may do what.

An officer has an id (the NRP), a name, a role (operator, supervisor, technician) and a PIN or password, kept only
as an scrypt hash (hashlib; a salt of its own per account; the cost is part of the stored text; compared in
constant time). Failed logins are counted on the account: `max_failures` in a row lock it for `lockout_minutes`.
A login gives a session token (256 random bits; the controller keeps only its SHA-256, in memory, so a restart
ends every session) that lapses after `session_minutes` without use. `authorise` decides whether an officer may
do an action in the lane's present circumstances (`ROLES`, `AFTER_PAYMENT`); the lane controller asks it for every
command, whoever sends it. Accounts are rows of the site database's `officers` table, written through the store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from lane.commands import Action
from lane.config import Control
from lane.errors import Refused
from lane.store import Store


class Role(StrEnum):
    OPERATOR = "operator"  # serves the renewals at the window
    SUPERVISOR = "supervisor"  # also overrides: gates by hand, aborts after payment, approves manual receipts
    TECHNICIAN = "technician"  # devices: clears and resumes faults, opens gates, opens and closes lanes


_WORK = frozenset({Role.OPERATOR, Role.SUPERVISOR})
_ALL = frozenset(Role)
#: Who may send each action. An action missing here is refused to everyone.
ROLES: dict[Action, frozenset[Role]] = {
    Action.CONFIRM: _WORK, Action.DOCUMENTS: _WORK, Action.REJECT: _WORK, Action.ENTER_PLATE: _WORK,
    Action.RETRY: _WORK, Action.ABORT: _WORK, Action.REPRINT: _WORK, Action.CARD_OUT: _WORK,
    Action.RESUME: _ALL, Action.OPEN_LANE: _ALL, Action.CLOSE_LANE: _ALL, Action.CLEAR_PRINTER: _ALL,
    Action.OPEN_GATE: frozenset({Role.SUPERVISOR, Role.TECHNICIAN}),
    Action.APPROVE: frozenset({Role.SUPERVISOR}),
    Action.LOOKUP: _WORK, Action.REISSUE: frozenset({Role.SUPERVISOR}),
}  # fmt: skip
#: Stricter once the cycle's fee is paid: the driver's money is in it.
AFTER_PAYMENT: dict[Action, frozenset[Role]] = {Action.ABORT: frozenset({Role.SUPERVISOR})}

#: The answer to a command whose session token is unknown or has lapsed (a console then asks for the PIN again).
SESSION_LAPSED = "unknown or expired session: log in again"
ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB and some 50 ms a check: cheap for a login, dear for a guesser


class OfficerError(ValueError):
    """An account that cannot be made or changed: `str()` says why, in one line."""


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    role: Role
    disabled: bool
    failures: int
    locked_until: datetime | None


def check_id(officer_id: str) -> str:
    if not (1 <= len(officer_id) <= 32 and set(officer_id) <= ID_CHARS):
        raise OfficerError(f"officer id: 1 to 32 letters, digits, '.', '_' or '-' (got {officer_id[:40]!r})")
    return officer_id


def check_pin_text(pin: str) -> str:
    if not (6 <= len(pin) <= 128 and pin.isprintable()):
        raise OfficerError("PIN or password: 6 to 128 printable characters")
    return pin


def hash_pin(pin: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in hex."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT, dklen=32)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        made = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(made.hex(), digest)


_DUMMY = hash_pin(secrets.token_hex(8))  # checked against for an unknown id: the answer takes as long


def _row(store: Store, officer_id: str) -> dict[str, Any] | None:
    try:
        return next(iter(store.db.query("select * from officers where id = ?", [officer_id])), None)
    except sqlite3.OperationalError:  # a database from before the officers table: nobody
        return None


def get(store: Store, officer_id: str) -> Officer | None:
    row = _row(store, officer_id)
    return None if row is None else _officer(row)


def _officer(row: dict[str, Any]) -> Officer:
    locked = datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None
    return Officer(
        row["id"], row["name"] or "", Role(row["role"]), bool(row["disabled"]), int(row["failures"] or 0), locked
    )


def authorise(store: Store, officer_id: str, action: Action, paid: bool) -> Officer:
    """The officer `officer_id`, if the account exists, is enabled and its role may do `action` (`paid`: the
    cycle's fee has been paid); otherwise Refused, saying why."""
    officer = get(store, officer_id)
    if officer is None:
        raise Refused(f"no officer {officer_id[:40]!r}: only officers with an account may act on the lanes")
    if officer.disabled:
        raise Refused(f"officer {officer.id} is disabled")
    roles = (AFTER_PAYMENT if paid and action in AFTER_PAYMENT else ROLES).get(action, frozenset())
    if officer.role not in roles:
        after = " after payment" if paid and action in AFTER_PAYMENT else ""
        needs = " or ".join(sorted(roles)) or "nobody"
        raise Refused(f"{action.value}{after} needs a {needs}; {officer.id} is {officer.role}")
    return officer


@dataclass(frozen=True)
class Attempt:
    officer: Officer | None
    pin_hash: str


@dataclass
class _Session:
    officer: str
    used: datetime


class Officers:
    """The accounts of one site database, and (in the controller) the sessions of the officers logged in."""

    def __init__(self, store: Store, policy: Control | None = None, now: Callable[[], datetime] | None = None):
        self.store = store
        self.policy = policy or Control()
        self.now = now or (lambda: datetime.now(UTC))  # real time: a lockout is no shorter in a sped-up demo
        self._sessions: dict[bytes, _Session] = {}

    # -- accounts -------------------------------------------------------------------------------------------------

    def all(self) -> list[Officer]:
        return [_officer(r) for r in self.store.db.query("select * from officers order by id")]

    def add(self, officer_id: str, role: Role | str, pin: str | None, name: str = "") -> Officer:
        """A new account; with `pin` None it cannot log in (the simulated officers, who act in this process)."""
        check_id(officer_id)
        if get(self.store, officer_id) is not None:
            raise OfficerError(f"officer {officer_id} exists already")
        try:
            role = Role(role)
        except ValueError:
            raise OfficerError(f"role: one of {', '.join(Role)} (got {role!r})") from None
        if len(name) > 80 or not name.isprintable():
            raise OfficerError("name: at most 80 printable characters")
        now = self.now().isoformat(timespec="seconds")
        pin_hash = "!" if pin is None else hash_pin(check_pin_text(pin))
        self.store.add_officer(
            {
                "id": officer_id,
                "name": name,
                "role": role.value,
                "pin_hash": pin_hash,
                "created_at": now,
                "changed_at": now,
            }
        )
        return self._must(officer_id)

    def ensure(self, officer_id: str, role: Role, name: str = "") -> None:
        """An account that cannot log in (no PIN), made unless it exists: for officers who act in this process."""
        if get(self.store, officer_id) is None:
            self.add(officer_id, role, None, name)

    def set_pin(self, officer_id: str, pin: str) -> None:
        """A new PIN; also unlocks the account."""
        self._must(officer_id)
        self._update(officer_id, pin_hash=hash_pin(check_pin_text(pin)), failures=0, locked_until=None)

    def set_disabled(self, officer_id: str, disabled: bool) -> None:
        self._must(officer_id)
        self._update(officer_id, disabled=int(disabled), failures=0, locked_until=None)
        if disabled:
            self._sessions = {k: s for k, s in self._sessions.items() if s.officer != officer_id}

    def _must(self, officer_id: str) -> Officer:
        officer = get(self.store, officer_id)
        if officer is None:
            raise OfficerError(f"no officer {officer_id[:40]!r}")
        return officer

    def _update(self, officer_id: str, **values: Any) -> None:
        self.store.update_officer(officer_id, {**values, "changed_at": self.now().isoformat(timespec="seconds")})

    # -- logins and sessions ------------------------------------------------------------------------------------

    def login(self, officer_id: str, pin: str) -> tuple[Officer, str]:
        """The officer and a new session token; Refused when the id and PIN do not match an enabled, unlocked
        account (the failure is counted; too many in a row lock the account)."""
        attempt = self.begin(officer_id)
        return self.finish(attempt, check_pin(pin[:128], attempt.pin_hash))

    def begin(self, officer_id: str) -> Attempt:
        """A login's first half: the account (Refused while it is locked) and the hash to check the PIN against
        (for an unknown id, a hash no PIN matches: the check takes as long). The check may run in a thread."""
        row = _row(self.store, officer_id[:64])
        officer = None if row is None else _officer(row)
        if officer is not None and officer.locked_until is not None and officer.locked_until > self.now():
            raise Refused(
                f"officer {officer.id} is locked until {officer.locked_until:%H:%M} UTC after "
                f"{officer.failures} failed logins (or a supervisor sets a new PIN)"
            )
        return Attempt(officer, row["pin_hash"] if row else _DUMMY)

    def finish(self, attempt: Attempt, matches: bool) -> tuple[Officer, str]:
        """A login's second half, given whether the PIN matched: count a failure, or open a session."""
        officer, now = attempt.officer, self.now()
        if officer is None or not matches:
            if officer is not None:
                failures = officer.failures + 1
                locked = now + timedelta(minutes=self.policy.lockout_minutes)
                lock = locked.isoformat() if failures >= self.policy.max_failures else None
                self._update(officer.id, failures=failures, locked_until=lock)
            raise Refused("unknown officer or wrong PIN")
        if officer.disabled:
            raise Refused(f"officer {officer.id} is disabled")
        if officer.failures or officer.locked_until:
            self._update(officer.id, failures=0, locked_until=None)
        token = secrets.token_urlsafe(32)
        self._sessions[_key(token)] = _Session(officer.id, now)
        return officer, token

    def session(self, token: str) -> Officer | None:
        """The officer a live session token belongs to (the session is used: its idle time starts again), or
        None for a token unknown, lapsed, or of an account since disabled."""
        key = _key(token)
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self.now()
        officer = get(self.store, session.officer)
        if now - session.used > timedelta(minutes=self.policy.session_minutes) or officer is None or officer.disabled:
            del self._sessions[key]
            return None
        session.used = now
        return officer

    def logout(self, token: str) -> None:
        self._sessions.pop(_key(token), None)


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()
