"""The console's modal screens: the confirmation an abort after payment asks for, the refunds still to make (read
from the store: lane/abort.py), and the current cycle's evidence drawn in the terminal (lane.console.evidence).
Each closes with Escape; none writes anything."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from lane.console import evidence

CSS = """
ConfirmScreen, RefundsScreen, EvidenceScreen { align: center middle; }
#confirm, #refunds, #evidence { width: auto; max-width: 120; height: auto; max-height: 90%; border: round $warning;
    padding: 1 2; background: $surface; }
"""


class ConfirmScreen(ModalScreen[bool]):
    """A question answered y (True) or n / Escape (False)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "yes"),
        Binding("n", "answer(False)", "no"),
        Binding("escape", "answer(False)", "no", show=False),
    ]
    DEFAULT_CSS = CSS

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(escape(self.question))
            yield Label("[b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class RefundsScreen(ModalScreen[None]):
    """The refunds to make: every renewal aborted after payment whose fee has not been given back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "close")]
    DEFAULT_CSS = CSS

    def __init__(self, rows: list[dict[str, Any]], tz: Any) -> None:
        super().__init__()
        self.rows, self.tz = rows, tz

    def compose(self) -> ComposeResult:
        with Vertical(id="refunds"):
            yield Label(f"[b]Refunds to make: {len(self.rows)}[/b]  (Esc closes)")
            yield DataTable(id="refund-rows", show_cursor=False)

    def on_mount(self) -> None:
        table = self.query_one("#refund-rows", DataTable)
        table.add_columns("cycle", "lane", "plate", "amount", "receipt", "aborted at", "by")
        for r in self.rows:
            at = _local(str(r["at"]), self.tz)
            amount = "Rp" + f"{int(r['amount']):,}".replace(",", ".")
            table.add_row(str(r["cycle_id"]), r["lane"], r["plate"] or "", amount, r["receipt"] or "", at, r["officer"])


class EvidenceScreen(ModalScreen[None]):
    """The cycle's plate crop and driver photo, drawn in the terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "close")]
    DEFAULT_CSS = CSS

    def __init__(self, title: str, found: dict[str, Path]) -> None:
        super().__init__()
        self.title_text, self.found = title, found

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="evidence"):
            yield Label(f"[b]{escape(self.title_text)}[/b]  (Esc closes)")
            for what, path in self.found.items():
                yield Label(f"{what}: {escape(path.name)}")
                yield Static(evidence.picture(path), classes="picture")


def _local(iso: str, tz: Any) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
