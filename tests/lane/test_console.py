"""The operator console, headless (Textual's run_test and Pilot) in front of a real site on virtual devices:
the officer logs in; every operator action is reached from the keyboard, changes the lane, and lands in the audit
table with the officer's id."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Input

from devices.virtual import Vehicle, VirtualLane
from flows import population
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.config import SiteConfig, load
from lane.console.app import Console, open_console
from lane.errors import Refused
from lane.holders import Registry
from lane.officers import SESSION_LAPSED, Role
from lane.site import Site
from lane.store import Store
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # the console driven key by key in real time

OPERATOR = "op-77"
PIN = "pin-7777"
SUPERVISOR = "sup-2"  # approves a manual receipt the console's officer entered


class InProcess:
    """What `lane.control.Client` does over the socket, in this process: a login checked by the site's officers,
    then commands sent as the officer logged in (whatever the command line said)."""

    def __init__(self, site: Site, loop: asyncio.AbstractEventLoop) -> None:
        self.site, self.loop, self.token = site, loop, ""

    def login(self, officer: str, pin: str) -> Outcome:
        async def check() -> Outcome:
            try:
                self.token = self.site.officers.login(officer, pin)[1]
            except Refused as err:
                return Outcome(False, str(err))
            return Outcome(True, "logged in")

        return asyncio.run_coroutine_threadsafe(check(), self.loop).result(10)

    def send(self, cmd: Command) -> Outcome:
        async def execute() -> Outcome:
            officer = self.site.officers.session(self.token)
            if officer is None:
                return Outcome(False, SESSION_LAPSED)
            return await self.site.execute(dataclasses.replace(cmd, operator=officer.id))

        return asyncio.run_coroutine_threadsafe(execute(), self.loop).result(10)


def fast_config() -> SiteConfig:
    """The shipped site with quick booms, printer and photo retakes, and plates typed by the operator."""
    config = load(ROOT / "config" / "site.toml")
    lanes = [
        lane.model_copy(
            update={
                "devices": lane.devices.model_copy(
                    update={"gate_travel": 0.05, "print_seconds": 0.2, "plate_reader": "operator"}
                )
            }
        )
        for lane in config.lanes
    ]
    photo = config.photo.model_copy(update={"retake_delay": 0.1})
    return config.model_copy(update={"lanes": lanes, "photo": photo})


class Harness:
    def __init__(self, site: Site, app: Console, pilot: Pilot[None], registry: Registry) -> None:
        self.site, self.app, self.pilot, self.registry = site, app, pilot, registry
        self.lane = site.lanes["L1"]
        self.world: VirtualLane = self.lane.devices.world
        today = site.clock.wall().date()
        self.holder = registry.sample(random.Random(3), ("A",), today)
        certs = population.certificates(random.Random(4), today, 180)
        self.documents = {"nik": self.holder.nik, "sim": self.holder.sim_number, **certs}

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        for _ in range(int(timeout / 0.05)):
            if predicate():
                return
            await self.pilot.pause(0.05)
        raise AssertionError(f"{what}: not within {timeout} s (lane is {self.lane.state})")

    async def at(self, state: str) -> None:
        await self.until(lambda: self.lane.state == state, f"lane in {state}")

    async def key(self, key: str, then: str = "") -> str:
        """Press an action key, then type `then` on the command line it opens, and Enter. Returns the line."""
        await self.pilot.press(key)
        box = self.app.query_one("#command", Input)
        line = box.value
        if then or box.has_focus:
            await self.pilot.press(*then)
            line = box.value
            await self.pilot.press("enter")
        return line

    async def typed(self, text: str) -> None:
        """`/` then a whole command line and Enter. Short lines are typed key by key; a long one (the documents'
        fields) is pasted into the line, as a scanner or the clipboard would (typing it is only slower)."""
        await self.pilot.press("slash")
        if len(text) <= 20:
            await self.pilot.press(*text)
        else:
            self.app.query_one("#command", Input).insert_text_at_cursor(text)
        await self.pilot.press("enter")

    def audit(self, action: str) -> list[dict[str, Any]]:
        rows = self.site.store.db.query(
            "select operator, result, message, args from operator_actions where action = ? order by id", [action]
        )
        return list(rows)

    async def audited(self, action: str, result: str = "ok") -> dict[str, Any]:
        await self.until(lambda: any(r["result"] == result for r in self.audit(action)), f"audit row for {action}")
        row = [r for r in self.audit(action) if r["result"] == result][-1]
        assert row["operator"] == OPERATOR
        return row

    async def arrive(self, issue: str | None = None) -> None:
        vehicle = Vehicle("G 1234 AB", face_seed=3)
        if issue:
            vehicle.extras["photo_issue"] = issue
        self.drive = asyncio.ensure_future(self.world.drive_in(vehicle, pass_seconds=0.05))
        await self.at("plate")

    async def to_documents(self) -> None:
        await self.arrive()
        assert await self.key("p", "G 1234 AB") == "enter_plate plate=G 1234 AB"
        await self.at("documents")

    async def to_payment(self) -> None:
        await self.to_documents()
        fields = " ".join(f"{k}={v}" for k, v in self.documents.items())
        await self.typed(f"documents {fields}")
        await self.at("payment")

    async def pay(self) -> None:
        """The driver pays at the payment point."""
        await self.until(lambda: bool(self.world.payment.pending), "the payment point asks for the fee")
        assert self.world.payment.pay(f"L1-{self.lane.cycle_id:06d}")


def run(
    tmp_path: Path,
    scenario: Callable[[Harness], Awaitable[None]],
    operator: str | None = OPERATOR,
    pin: str | None = PIN,
) -> None:
    async def main() -> None:
        config = fast_config()
        clock = Clock(asyncio.get_running_loop())
        store = Store(tmp_path / "lane.db", durable=False)
        registry = Registry(tmp_path / "registry.db")
        registry.seed(300, 5, clock.wall().date())
        site = Site(config, store, clock, registry=registry, var=tmp_path)
        site.officers.add(OPERATOR, Role.SUPERVISOR, PIN)
        site.officers.ensure(SUPERVISOR, Role.SUPERVISOR)
        await site.start()
        link = InProcess(site, asyncio.get_running_loop())
        app = open_console(tmp_path / "lane.db", config, link, site.clock.wall, operator, pin if operator else None)
        try:
            async with app.run_test(size=(160, 50)) as pilot:
                h = Harness(site, app, pilot, registry)
                if operator and pin == PIN:  # it logs in by itself (a thread): before the first key
                    await h.until(lambda: app.operator == operator, "logged in")
                await scenario(h)
        finally:
            await site.stop()
            app.reader.close()
            store.close()
            registry.close()

    asyncio.run(main())


def test_plate_documents_payment_and_handover_from_the_keyboard(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.to_documents()
        assert (await h.audited("enter_plate"))["args"] == '{"plate": "G 1234 AB"}'
        await h.pilot.press("d")
        assert h.app.query_one("#command", Input).value.startswith("documents nik= sim= health_no=")
        await h.pilot.press("escape")
        fields = " ".join(f"{k}={v}" for k, v in h.documents.items())
        await h.typed(f"documents {fields}")
        await h.at("payment")
        row = await h.audited("documents")
        assert h.holder.nik not in row["args"], "the NIK is masked in the audit"
        assert await h.key("c", "KWT-0042") == "confirm receipt=KWT-0042"
        row = await h.audited("confirm")  # no payment point recorded it: a manual receipt, waiting for approval
        assert "manual receipt" in row["message"] and h.lane.state == "payment"
        await h.until(lambda: "receipt KWT-0042" in str(h.app.query_one("#detail").render()), "approval asked")
        approved = await h.site.execute(Command("L1", Action.APPROVE, SUPERVISOR))
        assert approved.ok, approved.message
        await h.at("printing")  # the photo passed the gate by itself
        await h.at("handover")
        assert h.lane.ctx["receipt"] == "KWT-0042" and h.lane.ctx["approved_by"] == SUPERVISOR
        await h.key("c")  # hand-over needs nothing more: sent at once
        await h.at("exiting")
        assert len([r for r in h.audit("confirm") if r["result"] == "ok"]) == 2

    run(tmp_path, scenario)


def test_retake_then_accept_a_photo_with_a_reason(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.to_documents()
        fields = " ".join(f"{k}={v}" for k, v in h.documents.items())
        await h.typed(f"documents {fields}")
        await h.at("payment")
        assert h.world.vehicle is not None
        h.world.vehicle.extras["photo_issue"] = "helmet"
        await h.pay()
        await h.until(lambda: h.lane.pending.get("what") == "photo", "photo waiting for the operator")
        await h.key("r")
        await h.audited("retry")
        await h.until(lambda: h.lane.pending.get("what") == "photo", "photo waiting again after the retake")
        assert await h.key("c", "head covering") == "confirm reason=head covering"
        await h.at("handover")
        row = await h.audited("confirm")
        assert "head covering" in row["args"]

    run(tmp_path, scenario)


def test_printer_fault_cleared_then_resumed_and_a_reprint(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        h.world.printer.stock = 0
        await h.to_payment()
        await h.pay()
        await h.at("fault")
        h.world.printer.cover_open = False
        await h.key("f")
        await h.audited("clear_printer")
        h.world.refill()
        await h.key("u")
        await h.audited("resume")
        await h.at("handover")
        await h.key("n", "smudged photo")
        await h.audited("reprint")
        await h.at("handover")
        cards = list(h.site.store.db.query("select job_id, status from cards order by job_id"))
        assert [c["status"] for c in cards] == ["void", "valid"]

    run(tmp_path, scenario)


def test_reject_abort_close_open_and_a_gate_by_hand(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.to_documents()
        await h.key("x", "no psychology certificate")
        await h.at("rejected")
        await h.audited("reject")
        await h.world.drive_out(pass_seconds=0.05)
        await h.at("idle")
        await h.arrive()
        await h.key("a", "driver left the queue")
        await h.at("rejected")
        assert (await h.audited("abort"))["args"] == '{"reason": "driver left the queue"}'
        await h.key("g", "barrier check")
        await h.audited("open_gate")
        await h.world.drive_out(pass_seconds=0.05)
        await h.at("idle")
        await h.key("k", "shift change")
        await h.at("closed")
        await h.audited("close_lane")
        await h.key("o")
        await h.at("idle")
        await h.audited("open_lane")

    run(tmp_path, scenario)


def test_a_refused_command_is_shown_and_audited(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.key("a", "")  # abort with an empty reason while idle
        await h.audited("abort", "refused")
        await h.until(lambda: "refused" in str(h.app.query_one("#message").render()), "the refusal shown")
        await h.typed("L9 confirm")
        await h.typed("dance")
        await h.until(lambda: "unknown action" in str(h.app.query_one("#message").render()), "a typo explained")

    run(tmp_path, scenario)


def test_the_officer_logs_in_when_the_console_starts(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.pilot.press(*OPERATOR, "enter", *"wrong-pin", "enter")
        await h.until(lambda: "wrong PIN" in str(h.app.screen.query_one("#login-message").render()), "refusal shown")
        assert h.app.operator is None
        await h.pilot.press(*PIN, "enter")
        await h.until(lambda: h.app.operator == OPERATOR, "logged in")
        await h.key("k", "lunch")
        await h.at("closed")
        await h.audited("close_lane")

    run(tmp_path, scenario, operator=None)


def test_a_lapsed_session_asks_for_the_pin_again(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await h.until(lambda: h.app.operator == OPERATOR, "logged in")
        link = h.app.link
        assert isinstance(link, InProcess)
        h.site.officers.logout(link.token)  # as if the session had lapsed
        await h.key("k", "lunch")
        await h.until(lambda: h.app.operator is None, "the console knows it is logged out")
        await h.until(lambda: getattr(h.app.screen.focused, "id", "") == "pin", "the PIN box ready")
        await h.pilot.press(*PIN, "enter")
        await h.until(lambda: h.app.operator == OPERATOR, "logged in again")
        await h.key("k", "lunch")
        await h.at("closed")

    run(tmp_path, scenario)


def test_a_refused_automatic_login_asks_for_the_pin(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        def said() -> str:
            try:
                return str(h.app.screen.query_one("#login-message").render())
            except NoMatches:  # the login screen is not up yet
                return ""

        def ready() -> bool:
            focused = h.app.screen.focused
            return "wrong PIN" in said() and focused is not None and focused.id == "pin"

        await h.until(ready, "the refusal shown on the login screen, the PIN box ready")
        assert h.app.operator is None
        await h.pilot.press(*PIN, "enter")
        await h.until(lambda: h.app.operator == OPERATOR, "logged in")

    run(tmp_path, scenario, pin="not-the-pin")


@pytest.mark.parametrize("lanes", [2])
def test_the_table_shows_every_lane(tmp_path: Path, lanes: int) -> None:
    async def scenario(h: Harness) -> None:
        await h.arrive()

        def shown() -> bool:  # the console's next refresh after the lane asked for the plate
            snap = h.app.snap
            asked = snap is not None and len(snap.lanes) == 2 and snap.lanes[0].request.get("what") == "plate"
            return asked and "waiting for you" in str(h.app.query_one("#detail").render())

        await h.until(shown, "both lanes in the table, L1 asking for the plate")
        snap = h.app.snap
        assert snap is not None and [v.lane for v in snap.lanes] == ["L1", "L2"]
        l1 = snap.lanes[0]
        assert l1.state == "plate" and l1.request.get("what") == "plate"
        assert l1.prompt.startswith("Membaca nomor polisi")
        assert "waiting for you" in str(h.app.query_one("#detail").render())

    run(tmp_path, scenario)
