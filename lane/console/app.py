"""The operator console (Textual): a table of every lane, the selected lane's detail (prompt, request waiting,
alerts, devices), the last cycles, and one command line. Keys put the selected lane's command on the line with
what it needs (a reason, a receipt, the documents' fields); Enter sends it through the controller's command
channel, so it lands in the audit table with the officer's id. The officer logs in first (id and PIN, checked by
the controller, which then knows every command's sender by the session: lane/control.py). The console only reads
the store and never holds the lanes up: closing and reopening it changes nothing for them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

from rich.markup import escape
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Header, Input, Static

from lane import abort
from lane.commands import Command, Outcome, parse
from lane.console import evidence, view
from lane.console.keys import KEYS, confirm_template, key_line
from lane.console.login import LoginScreen
from lane.console.needs import mmss
from lane.console.queue_panel import QueuePanel
from lane.console.screens import ConfirmScreen, EvidenceScreen, RefundsScreen
from lane.console.state import LaneView, Snapshot, StoreReader
from lane.officers import SESSION_LAPSED

Clock = Callable[[], datetime | None]


class Link(Protocol):
    """The console's way to the controller (lane.control.Client): a login, then commands under its session."""

    def login(self, officer: str, pin: str) -> Outcome: ...

    def send(self, cmd: Command) -> Outcome: ...


#: Seconds without an answer from the controller's clock before the console says the controller is not running.
OFFLINE_S = 3.0


class Console(App[None]):
    TITLE = "Lane console"
    CSS = """
    #lanes { height: auto; max-height: 14; }
    #detail { height: auto; min-height: 8; border: round $accent; padding: 0 1; }
    #recent { height: auto; max-height: 8; }
    #message { height: 1; color: $warning; }
    #results { height: auto; max-height: 12; }
    #login { width: 50; height: auto; border: round $accent; padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "key('c')", "confirm"),
        *[Binding(k, f"key('{k}')", a.replace("_", " ")) for k, (a, _) in KEYS.items()],
        Binding("f", "key('f')", "clear printer"),
        Binding("e", "evidence", "evidence"),
        Binding("m", "refunds", "refunds"),
        Binding("slash", "command_line", "type a command"),
        Binding("escape", "cancel", "cancel", show=False),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "interrupt", "stop", show=False, priority=True),  # on every screen, the login's too
    ]
    interrupted = False  # left by Ctrl-C: in front of `lane run` or `lane demo` the lanes stop too

    def __init__(
        self,
        reader: StoreReader,
        link: Link,
        site_clock: Clock,
        tz: str,
        site: str,
        operator: str | None = None,
        pin: str | None = None,
        refresh_s: float = 0.5,
    ) -> None:
        """With `operator` and `pin` (the demo's own officer) the console logs in by itself; with `operator` only,
        it asks for the PIN."""
        super().__init__()
        self.reader = reader
        self.link = link
        self.operator: str | None = None  # set once logged in
        self._login_as = (operator, pin)
        self.site_clock = site_clock
        self.tz = ZoneInfo(tz)
        self.site = site
        self.refresh_s = refresh_s
        self.snap: Snapshot | None = None
        self.last_outcome: Outcome | None = None
        self._recent: list[tuple[str, ...]] = []
        self._shown_detail = ""
        self._needs: set[tuple[str, int | None, int, str]] = set()  # the needs at the last refresh (the bell)
        self._message_at: float | None = None  # when the message line was last written (cleared when stale)
        self._clock_at: tuple[datetime, float] | None = None  # the controller's last answer, and when

    def action_interrupt(self) -> None:
        """Ctrl-C: leave the console, marked interrupted (lane/console/attach.py then stops the controller)."""
        self.interrupted = True
        self.exit()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="lanes", cursor_type="row", zebra_stripes=True)
        yield QueuePanel(id="queues")
        yield Static(id="detail")
        yield Static(id="results")
        yield DataTable(id="recent", show_cursor=False)
        yield Static(id="message")
        yield Input(
            placeholder="press a key below, or / to type: ACTION key=value ... (Enter sends, Esc cancels)",
            id="command",
            select_on_focus=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        lanes = self.query_one("#lanes", DataTable)
        lanes.add_columns(*view.LANE_COLUMNS)
        recent = self.query_one("#recent", DataTable)
        recent.add_columns("cycle", "lane", "plate", "outcome", "time", "reason")
        self.refresh_view()
        self.set_interval(self.refresh_s, self.refresh_view)
        officer, pin = self._login_as
        if officer and pin:
            self._auto_login(officer, pin)
        elif self.snap is not None and not self.snap.live:
            self._ask_login(officer, "the controller is not running: behind, the lanes as last recorded")
        else:
            self._ask_login(officer)
        self.query_one("#lanes", DataTable).focus()

    def _ask_login(self, officer: str | None, message: str = "") -> None:
        self.push_screen(LoginScreen(self.link.login, officer, message), self._logged_in)

    @work(thread=True)
    def _auto_login(self, officer: str, pin: str) -> None:
        outcome = self.link.login(officer, pin)
        if outcome.ok:
            self.call_from_thread(self._logged_in, officer)
        else:
            self.call_from_thread(self._ask_login, officer, f"refused: {outcome.message}")

    def _logged_in(self, operator: str | None) -> None:
        self.operator = operator
        self.sub_title = f"{self.site} - operator {operator}"
        self.query_one("#lanes", DataTable).focus()

    # -- refresh ------------------------------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Read the store and update what changed (cells in place: rebuilding the tables costs far more)."""
        try:
            lanes = self.query_one("#lanes", DataTable)
        except NoMatches:  # a last tick of the timer while the console closes
            return
        self.snap = self.reader.snapshot(self._now())
        self.snap = replace(self.snap, lanes=view.ordered(self.snap.lanes))
        rows = {v.lane: view.row(v, self.reader.target_s) for v in self.snap.lanes}
        if list(rows) != [str(k.value) for k in lanes.rows]:
            keep = self._selected_lane()
            lanes.clear()
            for lane, cells in rows.items():
                lanes.add_row(*cells, key=lane)
            order = list(rows)
            row = order.index(keep) if keep in order else min(lanes.cursor_row, len(order) - 1)
            lanes.move_cursor(row=max(0, row))
        else:
            for lane, cells in rows.items():
                for column, value in zip(lanes.columns, cells, strict=True):
                    if lanes.get_cell(lane, column) != value:
                        lanes.update_cell(lane, column, value, update_width=True)
        self._ring_on_new_needs()
        self._clear_stale_message()
        recent_rows: list[tuple[str, ...]] = [
            (str(c["id"]), c["lane"], c["plate"] or "", c["outcome"], mmss(c["duration"]), (c["reason"] or "")[:60])
            for c in self.snap.recent
        ]
        if recent_rows != self._recent:
            recent = self.query_one("#recent", DataTable)
            recent.clear()
            for r in recent_rows:
                recent.add_row(*r)
            self._recent = recent_rows
        self.query_one(QueuePanel).show_from(self.reader.con, self.snap.now)
        detail = view.detail(self.selected(), self.snap.live)
        if detail != self._shown_detail:
            self.query_one("#detail", Static).update(detail)
            self._shown_detail = detail
        now = self.snap.now.astimezone(self.tz).strftime("%H:%M:%S %Z")
        title = f"Lane console  {now}" if self.snap.live else f"Lane console  CONTROLLER NOT RUNNING (as of {now})"
        self.title = title + (f"  {self.snap.sync}" if self.snap.sync else "")

    def _now(self) -> datetime | None:
        """The controller's clock; after `OFFLINE_S` without an answer None (the console then shows the store as
        last written, with no timer running); a single missed answer keeps the last time."""
        now = self.site_clock()
        if now is not None:
            self._clock_at = (now, time.monotonic())
            return now
        if self._clock_at is not None and time.monotonic() - self._clock_at[1] < OFFLINE_S:
            return self._clock_at[0]
        return None

    def _ring_on_new_needs(self) -> None:
        """The terminal bell once for each alarm (a fault, a device down, an overrun) or alert that was not there
        at the last refresh (not at every refresh). A request is shown, not rung: it is the officer's daily work."""
        assert self.snap is not None
        lanes = self.snap.lanes
        needs = {(v.lane, v.cycle_id, v.need.rank, v.need.text.split(":")[0]) for v in lanes if v.need.alarm}
        needs |= {(v.lane, v.cycle_id, -1, alert) for v in lanes for alert in v.alerts}
        if needs - self._needs and self.snap.live:
            self.bell()
        self._needs = needs

    def _clear_stale_message(self) -> None:
        if self._message_at is not None and time.monotonic() - self._message_at > self.reader.message_s:
            self.query_one("#message", Static).update("")
            self.query_one("#results", Static).update("")
            self._message_at = None

    def _selected_lane(self) -> str | None:
        table = self.query_one("#lanes", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(min(table.cursor_row, table.row_count - 1), 0)).row_key
        return str(key.value)

    def selected(self) -> LaneView | None:
        if not self.snap or not self.snap.lanes:
            return None
        lane = self._selected_lane()
        return next((v for v in self.snap.lanes if v.lane == lane), self.snap.lanes[0])

    # -- actions --------------------------------------------------------------------------------------------------

    def action_key(self, key: str) -> None:
        self.refresh_view()  # decide on what the store says now, not at the last tick
        v = self.selected()
        if v is None:
            return
        if key == "a" and v.context.get("receipt"):
            question = (
                f"{v.lane}: the driver has paid (receipt {v.context['receipt']}). Aborting voids any card printed "
                "and records a refund to make. Abort?"
            )
            self.push_screen(
                ConfirmScreen(question), lambda yes: self._put_line("abort confirm=yes reason=") if yes else None
            )
            return
        if key == "c":
            text = confirm_template(v)
        elif key == "f":
            self._send_line(v.lane, "clear_printer")
            return
        else:
            text = key_line(key, v)
        if "=" not in text:
            self._send_line(v.lane, text)
            return
        self._put_line(text)

    def _put_line(self, text: str) -> None:
        """`text` on the command line, the cursor at its end, for the officer to complete and send."""
        box = self.query_one("#command", Input)
        box.value = text
        box.cursor_position = len(text)
        box.focus()

    def action_evidence(self) -> None:
        """The selected lane's plate crop and driver photo: in the image viewer when there is a display, else drawn
        here."""
        v = self.selected()
        found = evidence.files(v, self.reader.db.parent) if v is not None else {}
        if v is None or not found:
            self.say("no evidence: the lane has no cycle, or no plate crop or photo yet")
            return
        command = evidence.viewer()
        if command is not None:
            evidence.open_in_viewer(command, list(found.values()))
            self.say(f"opened in the image viewer: {', '.join(p.name for p in found.values())}")
            return
        self.push_screen(EvidenceScreen(f"{v.lane} cycle #{v.cycle_id}", found))

    def action_refunds(self) -> None:
        self.push_screen(RefundsScreen(abort.to_make(self.reader.con), self.tz))

    def action_command_line(self) -> None:
        self.query_one("#command", Input).focus()

    def action_cancel(self) -> None:
        box = self.query_one("#command", Input)
        box.value = ""
        self.query_one("#lanes", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "command":
            return
        v = self.selected()
        text = event.value.strip()
        event.input.value = ""
        self.query_one("#lanes", DataTable).focus()
        if text and v is not None:
            self._send_line(v.lane, text)

    def _send_line(self, lane: str, text: str) -> None:
        if self.operator is None:
            self._show(Outcome(False, "not logged in yet"))
            return
        words = text.split()
        named = bool(words) and self.snap is not None and words[0] in {v.lane for v in self.snap.lanes}
        line = text if named else f"{lane} {text}"  # the operator may name the lane
        try:
            cmd = parse(line, self.operator or "")
        except ValueError as err:
            self._show(Outcome(False, str(err)))
            return
        self._dispatch(cmd)

    @work(thread=True, exclusive=False)
    def _dispatch(self, cmd: Command) -> None:
        outcome = self.link.send(cmd)
        self.call_from_thread(self._show, outcome)

    def _show(self, outcome: Outcome) -> None:
        if not outcome.ok and outcome.message == SESSION_LAPSED and self.operator is not None:
            officer, self.operator = self.operator, None  # the session lapsed: the PIN again
            self._ask_login(officer, f"refused: {outcome.message}")
        self.last_outcome = outcome
        self.refresh_view()
        self.say(("" if outcome.ok else "refused: ") + view.once(outcome.message, self.selected()))

    def say(self, text: str) -> None:
        """The message line (a command's answer; the lines of a lookup below the detail), cleared after the
        console's `message_seconds`."""
        first, _, rest = text.partition("\n")
        self.query_one("#message", Static).update(escape(first))
        self.query_one("#results", Static).update(escape(rest))
        self._message_at = time.monotonic()


def open_console(
    db: Path, config: Any, link: Link, site_clock: Clock, operator: str | None, pin: str | None = None
) -> Console:
    reader = StoreReader(db, config)
    return Console(reader, link, site_clock, config.site.timezone, config.site.name, operator, pin)
