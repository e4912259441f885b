"""The command socket against strangers and floods: its mode and group, no command without a live session, the
sender taken from the session and never from the request, and the bounds on what one client may send (deep JSON,
long lines, fields, a flood of junk) with the audit table growing by a bounded amount."""

from __future__ import annotations

import asyncio
import grp
import json
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from lane import control, limits
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.config import ConfigError, load
from lane.control import Client, ControlServer
from lane.officers import Officers, Role
from lane.store import Stamp, Store
from tests.conftest import ROOT


class FakeSite:
    """What the socket serves, with a lane that does whatever it is told: the socket's own checks are tested."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.officers = Officers(store)
        self.done: list[Command] = []

    async def execute(self, cmd: Command) -> Outcome:
        self.done.append(cmd)
        return Outcome(True, "done")

    def audit(self, lane: str, operator: str, action: str, args: dict[str, Any], result: str, message: str) -> None:
        stamp = Stamp(self.clock.wall(), self.clock.monotonic())
        self.store.operator_action(lane, None, stamp, operator, action, args, result, message)


Scenario = Callable[[FakeSite, Path], Awaitable[None]]


def serve(tmp_path: Path, scenario: Scenario, group: str | None = None) -> None:
    async def main() -> None:
        store = Store(tmp_path / "lane.db", durable=False)
        site = FakeSite(store, Clock(asyncio.get_running_loop()))
        site.officers.add("op-1", Role.OPERATOR, "pin-0001")
        sock = control.socket_path(tmp_path / "lane.db")
        server = ControlServer(sock, site, group)
        await server.start()
        try:
            await scenario(site, sock)
        finally:
            await server.stop()
            store.close()

    asyncio.run(main())


def rows(site: FakeSite) -> list[dict[str, Any]]:
    return list(site.store.db.query("select * from operator_actions order by id"))


async def call(sock: Path, request: dict[str, Any] | bytes) -> dict[str, Any]:
    line = request if isinstance(request, bytes) else json.dumps(request).encode() + b"\n"
    reader, writer = await asyncio.open_unix_connection(str(sock))
    writer.write(line)
    answer = await reader.readline()
    writer.close()
    return dict(json.loads(answer))


def test_the_socket_is_0660_and_owned_by_the_controllers_group(tmp_path: Path) -> None:
    (tmp_path / "lane.sock").write_text("left by a controller that died")

    async def scenario(site: FakeSite, sock: Path) -> None:
        mode = os.stat(sock)
        assert stat.S_ISSOCK(mode.st_mode) and stat.S_IMODE(mode.st_mode) == 0o660
        assert mode.st_gid == os.getgid()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sock-")] == [], "no private dir left"

    serve(tmp_path, scenario)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another group needs root or membership")
def test_the_socket_belongs_to_the_configured_group(tmp_path: Path) -> None:
    async def scenario(site: FakeSite, sock: Path) -> None:
        assert os.stat(sock).st_gid == grp.getgrnam("daemon").gr_gid
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o660

    serve(tmp_path, scenario, group="daemon")


def test_a_stranger_cannot_act_and_is_audited(tmp_path: Path) -> None:
    async def scenario(site: FakeSite, sock: Path) -> None:
        gate = {
            "op": "command",
            "lane": "L1",
            "action": "open_gate",
            "operator": "sup-boss",
            "reason": "x",
            "data": {"gate": "exit"},
        }
        no_login = await call(sock, gate)
        bad_token = await call(sock, {**gate, "token": "A" * 43})
        wrong_pin = await asyncio.to_thread(Client(sock).login, "op-1", "pin-9999")
        unknown = await asyncio.to_thread(Client(sock).login, "sup-boss", "pin-0001")
        assert not no_login["ok"] and "log in first" in no_login["message"]
        assert not bad_token["ok"] and "unknown or expired session" in bad_token["message"]
        assert not wrong_pin.ok and not unknown.ok and wrong_pin.message == unknown.message
        assert site.done == [], "nothing reached the lanes"
        audit = [(r["operator"], r["action"], r["result"]) for r in rows(site)]
        assert audit == [
            ("", "open_gate", "refused"),
            ("", "open_gate", "refused"),
            ("op-1", "login", "refused"),
            ("sup-boss", "login", "refused"),
        ]
        assert all("uid=" in r["args"] for r in rows(site)), "who connected, as the kernel says"
        assert site.officers.all()[0].failures == 1

    serve(tmp_path, scenario)


def test_the_sender_is_the_officer_logged_in_whatever_the_request_claims(tmp_path: Path) -> None:
    async def scenario(site: FakeSite, sock: Path) -> None:
        client = Client(sock)
        assert (await asyncio.to_thread(client.login, "op-1", "pin-0001")).ok
        request = {
            **control.to_wire(Command("L1", Action.ABORT, "sup-boss", reason="r"), client.token),
            "operator": "sup-boss",
        }
        assert (await call(sock, request))["ok"]
        assert [c.operator for c in site.done] == ["op-1"]
        await asyncio.to_thread(client.logout)
        assert not (await call(sock, request))["ok"], "a token is dead after logout"

    serve(tmp_path, scenario)


def test_deep_json_long_lines_and_long_fields_are_answered_and_the_socket_goes_on(tmp_path: Path) -> None:
    async def scenario(site: FakeSite, sock: Path) -> None:
        deep = await call(sock, b"[" * 2000 + b"]" * 2000 + b"\n")
        assert not deep["ok"] and "nested deeper" in deep["message"]
        nested = b'{"op": "command", "data": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}\n"
        assert "nested deeper" in (await call(sock, nested))["message"]
        quoted = json.dumps({"op": "clock", "x": "[" * 3000}).encode() + b"\n"  # brackets in a string: fine
        assert (await call(sock, quoted))["ok"]
        long = await call(sock, b'{"op": "clock", "x": "' + b"y" * limits.MAX_LINE + b'"}\n')
        assert not long["ok"] and "line longer than" in long["message"]
        field = await call(sock, {"op": "command", "token": "t", "lane": "L1", "action": "abort", "reason": "r" * 501})
        assert not field["ok"] and "reason longer than 500" in field["message"]
        extra = await call(sock, {"op": "command", "token": "t", "lane": "L1", "action": "abort", "data": {"z": "1"}})
        assert "unknown key 'z'" in extra["message"]
        assert (await call(sock, {"op": "clock"}))["ok"], "the socket still answers"
        assert rows(site) == [], "malformed requests reach neither the lanes nor the audit table"

    serve(tmp_path, scenario)


def test_a_flood_of_junk_adds_a_bounded_number_of_small_audit_rows(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(limits, "RATE", 0.0)  # no refill during the flood: the count below is exact

    async def scenario(site: FakeSite, sock: Path) -> None:
        reader, writer = await asyncio.open_unix_connection(str(sock))
        junk = {
            "op": "command",
            "token": "x" * 100,
            "lane": "L1",
            "action": "abort",
            "reason": "z" * 500,
            "plate": "p" * 500,
            "receipt": "r" * 500,
        }
        lines = b"".join(json.dumps({**junk, "n": n}).encode() + b"\n" for n in range(2000))

        async def send() -> None:
            writer.write(lines)
            await writer.drain()

        async def answers() -> list[dict[str, Any]]:
            return [json.loads(await reader.readline()) for _ in range(2000)]

        got = (await asyncio.gather(send(), answers()))[1]
        writer.close()
        await writer.wait_closed()
        for _ in range(100):  # the summary row is written when the connection closes
            if any(r["action"] == "rate_limit" for r in rows(site)):
                break
            await asyncio.sleep(0.01)
        assert sum("too many requests" in a["message"] for a in got) == 2000 - limits.BURST
        audit = rows(site)
        assert len(audit) == limits.BURST + 1
        assert audit[-1]["action"] == "rate_limit" and json.loads(audit[-1]["args"])["refused"] == 2000 - limits.BURST
        size = sum(len(json.dumps(r)) for r in audit)
        assert size < 560 * len(audit), f"{size} bytes of audit"  # 128 of them the audit chain's two hashes

    serve(tmp_path, scenario)


def test_an_audit_row_is_bounded_for_callers_in_this_process_too() -> None:
    cmd = Command("L1", Action.ABORT, "op", reason="r" * 60_000, data={"gate": "g" * 60_000})
    args = cmd.args()
    assert len(args["reason"]) == 500 and len(args["data"]["gate"]) == 500


def test_a_group_the_socket_cannot_be_given_to_stops_with_one_line(tmp_path: Path, monkeypatch: Any) -> None:
    def refuse(*args: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    server = ControlServer(tmp_path / "lane.sock", FakeSite.__new__(FakeSite), "daemon")
    with pytest.raises(control.ControlError) as stopped:
        asyncio.run(server.start())
    assert str(stopped.value.code) == (
        f"lane: control socket {tmp_path / 'lane.sock'}: cannot give it to group daemon: Operation not permitted"
    )
    assert list(tmp_path.iterdir()) == [], "neither the socket nor its private directory is left"


def test_a_group_that_does_not_exist_is_a_configuration_error(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    text = (ROOT / "config" / "site.toml").read_text()
    site.write_text(text + '\n[control]\ngroup = "no-such-group-x"\n')
    (tmp_path / "prompts.toml").write_text("")
    with pytest.raises(ConfigError) as err:
        load(site)
    assert str(err.value) == (
        f"{site}: control.group: no such group 'no-such-group-x' on this machine (create it, "
        "or leave group unset: the controller's own group)"
    )
    site.write_text(text + '\n[control]\ngroup = "daemon"\nmax_failures = 3\n')
    assert load(site).control.group == "daemon" and load(site).control.max_failures == 3
