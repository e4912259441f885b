"""The console's login: the officer's id and PIN, asked in a modal screen when the console starts and checked by
the controller (lane/control.py, lane/officers.py) in a worker thread; the console goes on only with a session."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from lane.commands import Outcome

Login = Callable[[str, str], Outcome]


class LoginScreen(ModalScreen[str]):
    """Asked when the console starts: who is at the keyboard, and their PIN. The controller checks them; the
    console goes on only with a session (every action is audited with the officer's id)."""

    def __init__(self, login: Login, officer: str | None = None, message: str = "") -> None:
        super().__init__()
        self.login = login
        self.officer, self.message = officer or "", message

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Label("Officer id (NRP) and PIN:")
            yield Input(value=self.officer, placeholder="officer id, e.g. 87010123", id="officer")
            yield Input(placeholder="PIN", password=True, id="pin")
            yield Label(self.message, id="login-message")

    def on_mount(self) -> None:
        self.query_one("#pin" if self.officer else "#officer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        officer = self.query_one("#officer", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if event.input.id == "officer" or not pin:
            self.query_one("#pin", Input).focus()
        elif officer:
            self.query_one("#login-message", Label).update("checking ...")
            self._login(officer, pin)

    @work(thread=True, exclusive=True)
    def _login(self, officer: str, pin: str) -> None:
        outcome = self.login(officer, pin)
        self.app.call_from_thread(self._answer, officer, outcome)

    def _answer(self, officer: str, outcome: Outcome) -> None:
        if outcome.ok:
            self.dismiss(officer)
            return
        self.query_one("#login-message", Label).update(f"refused: {outcome.message}")
        box = self.query_one("#pin", Input)
        box.value = ""
        box.focus()
