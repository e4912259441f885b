"""Officers' accounts: PINs kept only as salted scrypt hashes, logins counted and locked, sessions that lapse, and
the role table the lanes apply to every command."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lane.commands import Action
from lane.config import Control
from lane.errors import Refused
from lane.officers import OfficerError, Officers, Role, authorise, check_pin, hash_pin
from lane.store import Store


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def officers(tmp_path: Path) -> Iterator[Officers]:
    store = Store(tmp_path / "lane.db", durable=False)
    yield Officers(store, Control(max_failures=3, lockout_minutes=10, session_minutes=30), Clock())
    store.close()


def test_a_pin_is_kept_as_a_salted_hash_only(officers: Officers) -> None:
    one, two = hash_pin("246810"), hash_pin("246810")
    assert one != two and "246810" not in one, "each hash has its own salt"
    assert check_pin("246810", one) and not check_pin("246811", one) and not check_pin("246810", "garbage")
    officers.add("87010123", Role.OPERATOR, "246810", "Budi Santoso")
    stored = officers.store.db.execute("select pin_hash from officers").fetchone()[0]
    assert stored.startswith("scrypt$") and "246810" not in stored


def test_accounts_are_checked_when_made(officers: Officers) -> None:
    officers.add("87010123", Role.OPERATOR, "246810")
    for officer_id, role, pin, why in [
        ("87010123", "operator", "246810", "exists already"),
        ("a b", "operator", "246810", "officer id"),
        ("x" * 33, "operator", "246810", "officer id"),
        ("s1", "boss", "246810", "role"),
        ("s1", "supervisor", "123", "6 to 128"),
    ]:
        with pytest.raises(OfficerError, match=why):
            officers.add(officer_id, role, pin)
    assert [o.id for o in officers.all()] == ["87010123"]


def test_failed_logins_lock_the_account_for_a_while(officers: Officers) -> None:
    officers.add("op", Role.OPERATOR, "246810")
    now: Clock = officers.now  # type: ignore[assignment]
    for _ in range(3):
        with pytest.raises(Refused, match="wrong PIN"):
            officers.login("op", "000000")
    with pytest.raises(Refused, match="locked until"):
        officers.login("op", "246810")  # even the right PIN, while locked
    now.at += timedelta(minutes=11)
    officer, token = officers.login("op", "246810")
    assert officer.id == "op" and officers.session(token) == officers.all()[0]
    assert officers.all()[0].failures == 0


def test_an_unknown_officer_gets_the_same_answer_as_a_wrong_pin(officers: Officers) -> None:
    with pytest.raises(Refused, match=r"^unknown officer or wrong PIN$"):
        officers.login("nobody", "246810")


def test_a_new_pin_unlocks_and_a_disabled_officer_cannot_log_in_or_keep_a_session(officers: Officers) -> None:
    officers.add("op", Role.OPERATOR, "246810")
    for _ in range(3):
        with pytest.raises(Refused):
            officers.login("op", "000000")
    officers.set_pin("op", "135790")
    _, token = officers.login("op", "135790")
    officers.set_disabled("op", True)
    assert officers.session(token) is None
    with pytest.raises(Refused, match="disabled"):
        officers.login("op", "135790")


def test_a_session_lapses_when_unused_and_a_token_is_never_guessed(officers: Officers) -> None:
    officers.add("op", Role.OPERATOR, "246810")
    now: Clock = officers.now  # type: ignore[assignment]
    _, token = officers.login("op", "246810")
    now.at += timedelta(minutes=29)
    assert officers.session(token) is not None  # used: its idle time starts again
    assert officers.session(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    now.at += timedelta(minutes=31)
    assert officers.session(token) is None
    _, token = officers.login("op", "246810")
    officers.logout(token)
    assert officers.session(token) is None


def test_the_role_table(officers: Officers) -> None:
    store = officers.store
    for officer_id, role in (("op", Role.OPERATOR), ("sup", Role.SUPERVISOR), ("tech", Role.TECHNICIAN)):
        officers.ensure(officer_id, role)

    def may(officer_id: str, action: Action, paid: bool = False) -> bool:
        try:
            authorise(store, officer_id, action, paid)
        except Refused:
            return False
        return True

    assert [may(o, Action.OPEN_GATE) for o in ("op", "sup", "tech")] == [False, True, True]
    assert [may(o, Action.ABORT) for o in ("op", "sup", "tech")] == [True, True, False]
    assert [may(o, Action.ABORT, paid=True) for o in ("op", "sup", "tech")] == [False, True, False]
    assert [may(o, Action.APPROVE) for o in ("op", "sup", "tech")] == [False, True, False]
    assert [may(o, Action.CONFIRM) for o in ("op", "sup", "tech")] == [True, True, False]
    assert [may(o, Action.CLEAR_PRINTER) for o in ("op", "sup", "tech")] == [True, True, True]
    assert not may("stranger", Action.CONFIRM)
    officers.set_disabled("sup", True)
    assert not may("sup", Action.OPEN_GATE)
    with pytest.raises(Refused, match="abort after payment needs a supervisor; op is operator"):
        authorise(store, "op", Action.ABORT, True)
