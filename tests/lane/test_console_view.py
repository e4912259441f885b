"""What the console shows, on a store written by hand (no controller: every case is set up exactly): lanes in
order of urgency with what each needs the officer for, faults and overruns in red, the bell once per new need,
columns as wide as what they hold, no raw data structure and no personal value in full, an idle lane empty,
stale alerts gone, each failure once, and a console whose controller does not answer saying so, its timers
still."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Label, Static

from lane.commands import Command, Outcome
from lane.config import SiteConfig, load
from lane.console.app import Console, open_console
from lane.site import lanes_for
from lane.store import Stamp, Store
from tests.conftest import ROOT

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
NIK = "3325094107900001"
SIM = "120345678901"
NAME = "BUDI SANTOSO"


class Link:
    def login(self, officer: str, pin: str) -> Outcome:
        return Outcome(True, "logged in")

    def send(self, cmd: Command) -> Outcome:
        return Outcome(False, "documents not accepted: SKS kedaluwarsa / health certificate expired")


def config(lanes: int = 4) -> SiteConfig:
    base = load(ROOT / "config" / "site.toml")
    return base.model_copy(update={"lanes": lanes_for(base, lanes)})


class Board:
    """A store written by hand, and the console on it at a clock the test sets (None: no controller)."""

    def __init__(self, store: Store, app: Console, pilot: Pilot[None], clock: list[datetime | None]) -> None:
        self.store, self.app, self.pilot, self.clock = store, app, pilot, clock
        self.cycles = 0

    def lane(self, lane: str, state: str, since: float, cycle: bool = True, **context: Any) -> int | None:
        cycle_id = None
        if cycle:
            self.cycles += 1
            sql = "insert into cycles (lane, started_at) values (?, ?)"
            cycle_id = self.store.db.conn.execute(sql, [lane, _iso(since - 60)]).lastrowid
        self.store.db.conn.execute(
            "insert or replace into lane_state (lane, state, cycle_id, since_at, since_mono, context) "
            "values (?, ?, ?, ?, ?, ?)",
            [lane, state, cycle_id, _iso(since), since, json.dumps(context)],
        )
        return cycle_id

    def notice(self, lane: str, at: float, kind: str, code: str, text: str | dict[str, Any]) -> None:
        body = json.dumps(text) if isinstance(text, dict) else text
        self.store.notice(lane, None, Stamp(T0 + timedelta(seconds=at), at), "", kind, code, body)

    def health(self, lane: str, at: float, device: str, health: str, why: str) -> None:
        stamp = Stamp(T0 + timedelta(seconds=at), at)
        self.store.device_event(lane, None, stamp, f"{lane}.{device}", "health", {"health": health, "why": why})

    async def show(self, at: float | None) -> None:
        self.clock[0] = None if at is None else T0 + timedelta(seconds=at)
        self.app.refresh_view()
        await self.pilot.pause()

    def order(self) -> list[str]:
        return [str(k.value) for k in self.app.query_one("#lanes", DataTable).rows]

    def cells(self, lane: str) -> dict[str, str]:
        table = self.app.query_one("#lanes", DataTable)
        return {str(c.label): str(v) for c, v in zip(table.columns.values(), table.get_row(lane), strict=True)}

    def screen(self) -> str:
        """Every text on screen: the table's cells, the detail, the message line, the title."""
        table = self.app.query_one("#lanes", DataTable)
        cells = [str(v) for key in table.rows for v in table.get_row(key)]
        statics = [str(w.render()) for w in self.app.query(Static)]
        return "\n".join([*cells, *statics, self.app.title])


def _iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def run(tmp_path: Path, scenario: Callable[[Board], Awaitable[None]], lanes: int = 4) -> None:
    async def main() -> None:
        store = Store(tmp_path / "lane.db", durable=False)
        clock: list[datetime | None] = [T0]
        app = open_console(tmp_path / "lane.db", config(lanes), Link(), lambda: clock[0], "op-1", "pin")
        try:
            async with app.run_test(size=(180, 50)) as pilot:
                for _ in range(100):
                    if app.operator:
                        break
                    await pilot.pause(0.02)
                await scenario(Board(store, app, pilot, clock))
        finally:
            app.reader.close()
            store.close()

    asyncio.run(main())


def test_lanes_in_order_of_urgency_each_saying_what_it_needs(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        b.lane("L1", "idle", 0, cycle=False)
        b.lane("L2", "documents", 100)
        b.notice("L2", 100, "request", "documents", {"what": "documents", "text": "check the documents"})
        b.lane("L3", "fault", 150, fault_cause="feeder_empty")
        b.notice("L3", 150, "request", "fault", {"what": "fault", "cause": "feeder_empty", "stage": "printing"})
        b.lane("L4", "photo", 50)  # a motorcycle lane's photo budget is 60 s: 110 s in it is an overrun
        await b.show(160)
        assert b.order() == ["L3", "L4", "L2", "L1"]
        fault, overrun, request, idle = (b.cells(lane) for lane in b.order())
        assert fault["needs you for"] == "[b red]fault: feeder_empty in printing[/]"
        assert fault["state"] == "[b red]fault[/]" and fault["in stage"].startswith("[red]")
        assert overrun["needs you for"] == "[b red]photo over budget by 0:50[/]"
        assert overrun["in stage"] == "[red]1:50[/]"  # the timer too
        assert request["needs you for"] == "[b yellow]check documents[/]"
        assert request["in stage"] == "[green]1:00[/]"
        assert idle["needs you for"] == ""

    run(tmp_path, scenario)


def test_the_bell_rings_once_for_each_new_alarm_not_at_every_refresh(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        rings: list[float] = []
        b.app.bell = lambda: rings.append(0)  # type: ignore[method-assign]
        b.lane("L1", "idle", 0, cycle=False)
        b.lane("L2", "idle", 0, cycle=False)
        await b.show(10)
        assert rings == []
        b.lane("L2", "documents", 20)
        b.notice("L2", 20, "request", "documents", {"what": "documents", "text": "check the documents"})
        for t in (21, 22, 23):
            await b.show(t)
        assert rings == []  # a request is the officer's daily work: shown in yellow, first among the calm lanes
        b.health("L1", 30, "printer", "down", "card feeder empty")  # an idle lane's printer is emptied
        for t in (31, 32):
            await b.show(t)
        assert len(rings) == 1
        assert b.cells("L1")["needs you for"] == "[b red]printer down: card feeder empty[/]"
        assert b.order() == ["L1", "L2"]
        b.notice("L2", 40, "alert", "gate_by_hand", "exit gate opened by op-1: stuck")  # a new alert
        for t in (41, 42):
            await b.show(t)
        assert len(rings) == 2
        for t in (141, 142, 143):  # L2 past its documents budget of 120 s (the alert of t=40 gone stale)
            await b.show(t)
        assert len(rings) == 3

    run(tmp_path, scenario, lanes=2)


def test_columns_grow_to_what_they_hold(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        b.lane("L1", "idle", 0, cycle=False)
        await b.show(5)
        b.lane("L1", "documents", 10, plate="G 1234 AB")
        b.notice("L1", 10, "request", "handover", {"what": "handover", "text": "confirm the card was handed over"})
        await b.show(12)
        table = b.app.query_one("#lanes", DataTable)
        widths = {str(c.label): c.get_render_width(table) - 2 * table.cell_padding for c in table.columns.values()}
        assert widths["state"] >= len("documents")
        assert widths["plate"] >= len("G 1234 AB")
        assert widths["needs you for"] >= len("hand over the card")

    run(tmp_path, scenario, lanes=1)


def test_personal_data_is_masked_and_no_raw_data_is_shown(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        holder = {"name": NAME, "nik": NIK, "sim_class": "A"}  # a snapshot written in full (before masking)
        b.lane("L1", "documents", 0, plate="G 1234 AB", holder=holder)
        prefill = {"nik": NIK, "sim": SIM, "name": NAME, "prereg_id": 7}
        request = {"what": "documents", "text": "check the documents", "prefill": prefill}
        b.notice("L1", 1, "request", "documents", request)
        b.notice("L1", 2, "alert", "refused", f"holder {NIK} not found")
        await b.show(5)
        shown = b.screen()
        assert NIK not in shown and SIM not in shown and NAME not in shown
        assert "B*** S***" in shown and NIK[:4] in shown  # masked, not left out
        assert "{" not in shown and "'" not in shown and "prereg_id" not in shown
        assert "pre-registered: nik 3325" in shown

    run(tmp_path, scenario, lanes=1)


def test_an_idle_lane_is_empty_and_stale_or_repeated_messages_are_not_shown(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        failures = ["SKS kedaluwarsa / health certificate expired", "SIM tidak ditemukan / licence not found"]
        b.lane("L2", "documents", 0)
        b.notice("L2", 1, "alert", "gate_by_hand", "exit gate opened by op-1: stuck")  # old by t=200
        for _ in range(2):  # submitted twice: every failure alerted twice, and listed in the request
            for f in failures:
                b.notice("L2", 150, "alert", "documents", f)
            b.notice("L2", 150, "alert", "overrun", "documents over its budget of 120 s")
            b.notice("L2", 150, "alert", "overrun", "documents over its budget of 120 s")
        b.notice("L2", 150, "request", "documents", {"what": "documents", "text": "check", "failures": failures})
        await b.show(200)
        detail = str(b.app.query_one("#detail", Static).render())
        assert "gate_by_hand" not in detail  # older than the console's message_seconds (60 s)
        for f in failures:
            assert detail.count(f) == 1
        assert detail.count("over its budget") == 1
        await b.pilot.press("r")  # a command refused with the same failures: not listed a third time
        for _ in range(50):
            if "refused" in str(b.app.query_one("#message", Static).render()):
                break
            await b.pilot.pause(0.02)
        message = str(b.app.query_one("#message", Static).render())
        assert message.startswith("refused: documents not accepted") and failures[0] not in message
        b.lane("L2", "idle", 300, cycle=False, plate="G 1234 AB", holder={"name": "B*** S***"})
        await b.show(301)
        cells = b.cells("L2")
        assert cells["plate"] == "" and cells["driver"] == ""
        assert "no vehicle" in str(b.app.query_one("#detail", Static).render())

    run(tmp_path, scenario, lanes=2)


def test_a_console_whose_controller_does_not_answer_says_so_and_its_timers_stand_still(tmp_path: Path) -> None:
    async def scenario(b: Board) -> None:
        b.lane("L1", "documents", 100)
        b.notice("L1", 130, "prompt", "documents", "Serahkan e-KTP")
        await b.show(160)
        assert "NOT RUNNING" not in b.app.title and b.cells("L1")["in stage"] == "[green]1:00[/]"
        b.app._clock_at = None  # no answer for longer than the console waits
        await b.show(None)
        assert "CONTROLLER NOT RUNNING" in b.app.title
        assert b.cells("L1")["in stage"] == "[green]0:30[/]"  # at the last write, not at the wall clock
        await asyncio.sleep(1.1)
        await b.show(None)
        assert b.cells("L1")["in stage"] == "[green]0:30[/]"
        assert "not running" in str(b.app.query_one("#detail", Static).render())

    run(tmp_path, scenario, lanes=1)


def test_the_login_says_so_when_no_controller_answers(tmp_path: Path) -> None:
    async def main() -> None:
        store = Store(tmp_path / "lane.db", durable=False)
        app = open_console(tmp_path / "lane.db", config(1), Link(), lambda: None, "op-1")
        try:
            async with app.run_test(size=(180, 50)) as pilot:
                await pilot.pause()
                said = str(app.screen.query_one("#login-message", Label).render())
                assert "controller is not running" in said and "NOT RUNNING" in app.title
        finally:
            app.reader.close()
            store.close()

    asyncio.run(main())
