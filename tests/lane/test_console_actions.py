"""The console's keys for issue 19, in front of a real site on virtual devices: an abort after payment asks first
(n changes nothing; y puts `abort confirm=yes reason=` on the line), then the refunds view lists what is owed; the
current cycle's photo is drawn in the terminal, or opened in the image viewer when there is a display; a past
renewal is looked up from the keyboard, its lines shown below the detail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich_pixels import Pixels
from textual.widgets import DataTable, Input, Static

from lane.console.screens import ConfirmScreen, EvidenceScreen, RefundsScreen
from tests.lane.test_console import Harness, run

pytestmark = pytest.mark.slow  # the console driven key by key in real time


def _shown(h: Harness, key: str) -> bool:
    """The console has read `key` of the selected lane's cycle from the store."""
    view = h.app.selected()
    return view is not None and bool(view.context.get(key))


async def _to_handover(h: Harness) -> None:
    await h.to_payment()
    await h.pay()
    await h.at("handover")


def test_an_abort_after_payment_asks_first_and_the_refund_is_listed(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await _to_handover(h)
        await h.until(lambda: _shown(h, "receipt"), "paid, on screen")
        await h.pilot.press("a")
        assert isinstance(h.app.screen, ConfirmScreen)
        await h.pilot.press("n")
        assert not isinstance(h.app.screen, ConfirmScreen) and h.app.query_one("#command", Input).value == ""
        assert h.lane.state == "handover"
        await h.pilot.press("a", "y")
        assert h.app.query_one("#command", Input).value == "abort confirm=yes reason="
        await h.pilot.press(*"driver left", "enter")
        row = await h.audited("abort")
        assert '"confirm": "yes"' in row["args"] and "refund of Rp80.000" in row["message"]
        await h.at("rejected")
        assert [c["status"] for c in h.site.store.db.query("select status from cards")] == ["void"]
        await h.pilot.press("m")
        assert isinstance(h.app.screen, RefundsScreen)
        table = h.app.screen.query_one("#refund-rows", DataTable)
        assert table.row_count == 1 and table.get_row_at(0)[3] == "Rp80.000"
        await h.pilot.press("escape")

    run(tmp_path, scenario)


def test_the_evidence_is_drawn_here_or_opened_in_the_viewer(tmp_path: Path, monkeypatch: Any) -> None:
    opened: list[list[str]] = []

    def popen(args: list[str], **options: Any) -> None:
        opened.append(args)

    async def scenario(h: Harness) -> None:
        await _to_handover(h)
        await h.until(lambda: _shown(h, "photo"), "photo on screen")
        monkeypatch.delenv("DISPLAY", raising=False)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        await h.pilot.press("e")
        assert isinstance(h.app.screen, EvidenceScreen)
        pictures = [w.content for w in h.app.screen.query(".picture").results(Static)]
        assert len(pictures) == 1 and isinstance(pictures[0], Pixels)  # the photo (the plate was typed: no crop)
        await h.pilot.press("escape")
        monkeypatch.setenv("DISPLAY", ":0")
        monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
        monkeypatch.setattr(subprocess, "Popen", popen)
        await h.pilot.press("e")
        assert not isinstance(h.app.screen, EvidenceScreen)
        assert [a[0] for a in opened] == ["/usr/bin/xdg-open"] and opened[0][1].endswith("-ok.jpg")

    run(tmp_path, scenario)


def test_a_past_renewal_is_looked_up_from_the_keyboard(tmp_path: Path) -> None:
    async def scenario(h: Harness) -> None:
        await _to_handover(h)
        await h.key("c")
        await h.at("exiting")
        await h.world.drive_out()
        await h.at("idle")
        assert await h.key("l", "G 1234 AB") == "lookup plate=G 1234 AB"
        await h.audited("lookup")
        await h.until(lambda: "#1 L1" in str(h.app.query_one("#results", Static).render()), "the renewal listed")
        assert str(h.app.query_one("#message", Static).render()) == "1 renewal(s) found:"
        assert h.holder.nik not in str(h.app.query_one("#results", Static).render())

    run(tmp_path, scenario)
