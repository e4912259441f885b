"""The operator console (Textual): a table of every lane, the selected lane's detail (prompt, request waiting,
alerts, devices), the last cycles, and one command line. Keys put the selected lane's command on the line with
what it needs (a reason, a receipt, the documents' fields); Enter sends it through the controller's command
channel, so it lands in the audit table with the officer's id. The officer logs in first (id and PIN, checked by
the controller, which then knows every command's sender by the session: lane/control.py). The console only reads
the store and never holds the lanes up: closing and reopening it changes nothing for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Header, Input, Static

from lane.commands import Command, Outcome, parse
from lane.console.login import LoginScreen
from lane.console.queue_panel import QueuePanel
from lane.console.state import LaneView, Snapshot, StoreReader
from lane.officers import SESSION_LAPSED

Clock = Callable[[], datetime | None]


class Link(Protocol):
    """The console's way to the controller (lane.control.Client): a login, then commands under its session."""

    def login(self, officer: str, pin: str) -> Outcome: ...

    def send(self, cmd: Command) -> Outcome: ...


LANE_COLUMNS = ("lane", "SIM", "state", "plate", "driver", "in stage", "budget", "cycle", "devices")


def mmss(seconds: float | None) -> str:
    return "-" if seconds is None else f"{int(seconds // 60)}:{int(seconds % 60):02d}"


#: key -> (action, template after the action). An empty template sends at once.
KEYS: dict[str, tuple[str, str]] = {
    "d": ("documents", "nik= sim= health_no= health_date= psych_no= psych_date= bpjs="),
    "p": ("enter_plate", "plate="),
    "r": ("retry", ""),
    "a": ("abort", "reason="),
    "x": ("reject", "reason="),
    "u": ("resume", ""),
    "n": ("reprint", "reason="),
    "o": ("open_lane", ""),
    "k": ("close_lane", "reason="),
    "g": ("open_gate", "gate=exit reason="),
    "v": ("approve", ""),
}


def confirm_template(view: LaneView) -> str:
    """What `confirm` needs in the lane's stage: nothing, a receipt, a reason, or the certificates."""
    if view.state == "payment":
        return "confirm receipt="
    if view.state == "photo" and view.request.get("problems"):
        return "confirm reason="
    if view.state == "documents":
        return "confirm health_no= health_date= psych_no= psych_date="
    return "confirm"


class Console(App[None]):
    TITLE = "Lane console"
    CSS = """
    #lanes { height: auto; max-height: 14; }
    #detail { height: auto; min-height: 8; border: round $accent; padding: 0 1; }
    #recent { height: auto; max-height: 8; }
    #message { height: 1; color: $warning; }
    #login { width: 50; height: auto; border: round $accent; padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "key('c')", "confirm"),
        *[Binding(k, f"key('{k}')", a.replace("_", " ")) for k, (a, _) in KEYS.items()],
        Binding("f", "key('f')", "clear printer"),
        Binding("slash", "command_line", "type a command"),
        Binding("escape", "cancel", "cancel", show=False),
        Binding("q", "quit", "quit"),
    ]

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

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="lanes", cursor_type="row", zebra_stripes=True)
        yield QueuePanel(id="queues")
        yield Static(id="detail")
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
        lanes.add_columns(*LANE_COLUMNS)
        recent = self.query_one("#recent", DataTable)
        recent.add_columns("cycle", "lane", "plate", "outcome", "time", "reason")
        self.refresh_view()
        self.set_interval(self.refresh_s, self.refresh_view)
        officer, pin = self._login_as
        if officer and pin:
            self._auto_login(officer, pin)
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
        self.snap = self.reader.snapshot(self.site_clock())
        rows = {v.lane: self._row(v) for v in self.snap.lanes}
        if list(rows) != [str(k.value) for k in lanes.rows]:
            cursor = lanes.cursor_row
            lanes.clear()
            for lane, cells in rows.items():
                lanes.add_row(*cells, key=lane)
            lanes.move_cursor(row=min(cursor, max(0, len(rows) - 1)))
        else:
            for lane, cells in rows.items():
                for column, value in zip(lanes.columns, cells, strict=True):
                    if lanes.get_cell(lane, column) != value:
                        lanes.update_cell(lane, column, value)
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
        detail = self._detail()
        if detail != self._shown_detail:
            self.query_one("#detail", Static).update(detail)
            self._shown_detail = detail
        now = self.snap.now.astimezone(self.tz).strftime("%H:%M:%S %Z")
        self.title = f"Lane console  {now}"

    def _row(self, v: LaneView) -> tuple[str, ...]:
        colour = v.stage_colour()
        target = self.reader.target_s
        over = v.cycle_s is not None and v.cycle_s > target
        cycle_colour = "red" if over else ("yellow" if v.cycle_s and v.cycle_s > 0.8 * target else "green")
        down = [d for d, h in v.devices.items() if h != "ok"]
        cycle = f"[{cycle_colour}]{mmss(v.cycle_s)}[/]" if v.cycle_s is not None else "-"
        devices = "[red]" + ", ".join(down) + "[/]" if down else "[green]ok[/]"
        return (
            v.lane,
            v.lane_class,
            v.state,
            v.plate,
            v.driver,
            f"[{colour}]{mmss(v.in_stage_s)}[/]",
            mmss(v.budget_s),
            cycle,
            devices,
        )

    def selected(self) -> LaneView | None:
        if not self.snap or not self.snap.lanes:
            return None
        row = self.query_one("#lanes", DataTable).cursor_row
        return self.snap.lanes[max(0, min(row, len(self.snap.lanes) - 1))]

    def _detail(self) -> str:
        v = self.selected()
        if v is None:
            return "no lanes in the store yet"
        lines = [f"[b]{v.lane}[/b] {v.state}  cycle #{v.cycle_id or '-'}  driver sees: [i]{v.prompt}[/i]"]
        if v.request:
            extra = {k: val for k, val in v.request.items() if k not in ("what", "text") and val}
            lines.append(f"[b yellow]waiting for you:[/] {v.request.get('text', '')}  {extra if extra else ''}")
        lines += [f"[red]alert[/] {a}" for a in v.alerts]
        lines.append("devices: " + (", ".join(f"{d} {h}" for d, h in v.devices.items()) or "all ok"))
        if self.last_outcome is not None:
            colour = "green" if self.last_outcome.ok else "red"
            lines.append(f"[{colour}]last command: {self.last_outcome.message}[/]")
        return "\n".join(lines)

    # -- actions --------------------------------------------------------------------------------------------------

    def action_key(self, key: str) -> None:
        self.refresh_view()  # decide on what the store says now, not at the last tick
        v = self.selected()
        if v is None:
            return
        if key == "c":
            text = confirm_template(v)
        elif key == "f":
            self._send_line(v.lane, "clear_printer")
            return
        else:
            action, template = KEYS[key]
            text = f"{action} {template}".strip()
        if "=" not in text:
            self._send_line(v.lane, text)
            return
        box = self.query_one("#command", Input)
        box.value = text
        box.cursor_position = len(text)
        box.focus()

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
        self.query_one("#message", Static).update(("" if outcome.ok else "refused: ") + outcome.message)
        self.refresh_view()


def open_console(
    db: Path, config: Any, link: Link, site_clock: Clock, operator: str | None, pin: str | None = None
) -> Console:
    reader = StoreReader(db, config)
    return Console(reader, link, site_clock, config.site.timezone, config.site.name, operator, pin)
