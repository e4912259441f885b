"""The console attached as `lane console` is: through the controller's Unix socket (lane.control), not in its
event loop. A console is opened, used, closed; one dies half-way through a request; a stranger sends nonsense;
a second console opens: the lanes run on undisturbed throughout, and each console's commands are audited with the
id of the officer logged in on it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from devices.virtual import Vehicle
from lane import control
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.console.app import open_console
from lane.console.attach import site_clock
from lane.control import Client, ControlServer
from lane.holders import Registry
from lane.officers import Role
from lane.site import Site
from lane.store import Store
from tests.lane.test_console import fast_config

pytestmark = pytest.mark.slow  # a console attached to a controller, in real time


def test_closing_and_reopening_a_console_does_not_disturb_the_lanes(tmp_path: Path) -> None:
    async def main() -> None:
        config = fast_config()
        clock = Clock(asyncio.get_running_loop())
        db = tmp_path / "lane.db"
        store = Store(db, durable=False)
        registry = Registry(tmp_path / "registry.db")
        registry.seed(50, 5, clock.wall().date())
        site = Site(config, store, clock, registry=registry, var=tmp_path)
        site.officers.add("op-1", Role.OPERATOR, "pin-0001")
        site.officers.add("op-2", Role.SUPERVISOR, "pin-0002")
        await site.start()
        sock = control.socket_path(db)
        server = ControlServer(sock, site)
        await server.start()
        l1 = site.lanes["L1"]

        async def until(what: str, predicate: Callable[[], bool]) -> None:
            for _ in range(400):
                if predicate():
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"{what}: not in time (L1 {l1.state}, L2 {site.lanes['L2'].state})")

        def send(cmd: Command) -> Outcome:  # a command from another client, logged in as op-2
            client = Client(sock)
            assert client.login("op-2", "pin-0002").ok
            return client.send(cmd)

        def audit() -> list[tuple[str, str, str]]:
            return [
                (r["operator"], r["action"], r["result"])
                for r in store.db.query("select operator, action, result from operator_actions order by id")
            ]

        try:
            drive = asyncio.ensure_future(
                l1.devices.world.drive_in(Vehicle("G 1234 AB", face_seed=3), pass_seconds=0.05)
            )
            await until("L1 at the plate", lambda: l1.state == "plate")
            first = open_console(db, config, Client(sock), site_clock(sock), "op-1", "pin-0001")
            async with first.run_test(size=(160, 50)) as pilot:
                for _ in range(200):  # it logs in by itself, with the PIN it was given
                    if first.operator == "op-1":
                        break
                    await pilot.pause(0.05)
                await pilot.press("p", *"G 1234 AB", "enter")
                for _ in range(200):
                    if l1.state == "documents":
                        break
                    await pilot.pause(0.05)
            # The first console is closed; the lane goes on where it was.
            assert l1.state == "documents" and l1.ctx["plate"] == "G 1234 AB"
            # A console that dies half-way through a request, and a stranger's nonsense: answered or dropped.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as half:
                half.connect(str(sock))
                half.sendall(b'{"op": "command", "lane": "L1", "act')
            answers = await asyncio.gather(
                asyncio.to_thread(control.call, sock, {"op": "shutdown"}),
                asyncio.to_thread(control.call, sock, {"op": "command", "lane": "L1", "action": "explode"}),
                asyncio.to_thread(control.call, sock, {"op": "clock"}),
            )
            assert [a["ok"] for a in answers] == [False, False, True]
            assert "bad request" in answers[0]["message"]
            second = open_console(db, config, Client(sock), site_clock(sock), "op-2")  # asks for the PIN
            async with second.run_test(size=(160, 50)) as pilot:
                await pilot.press(*"pin-0002", "enter")
                for _ in range(200):
                    if second.operator == "op-2":
                        break
                    await pilot.pause(0.05)
                await pilot.press("down", "k")
                assert second.query_one("#command", Input).value.startswith("close_lane")
                await pilot.press(*"end of shift", "enter")
                for _ in range(200):
                    if site.lanes["L2"].state == "closed":
                        break
                    await pilot.pause(0.05)
            assert site.lanes["L2"].state == "closed"
            assert l1.state == "documents", "L1 was not touched by either console or by the bad requests"
            assert [a for a in audit() if a[1] in ("login", "enter_plate", "close_lane")] == [
                ("op-1", "login", "ok"),
                ("op-1", "enter_plate", "ok"),
                ("op-2", "login", "ok"),
                ("op-2", "close_lane", "ok"),
            ]
            # The lanes still run: L1 takes its next command as before.
            outcome = await asyncio.to_thread(send, Command("L1", Action.ABORT, "op-2", reason="test over"))
            assert outcome.ok, outcome.message
            await until("L1 let the vehicle out", lambda: l1.state == "rejected")
            drive.cancel()
        finally:
            await server.stop()
            await site.stop()
            store.close()
            registry.close()
        assert not sock.exists(), "the socket is removed when the controller stops"

    asyncio.run(main())
