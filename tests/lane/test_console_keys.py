"""The command line an action key puts up: `p` offers the camera's unsure reading when the lane asks for the plate
with one (issue 16: the operator checks it against the vehicle), and the bare template otherwise."""

from __future__ import annotations

from typing import Any

from lane.console.keys import key_line
from lane.console.state import LaneView


def _view(request: dict[str, Any]) -> LaneView:
    return LaneView("L1", "A", "plate", 7, "", "", 12.0, 30.0, 90.0, 40.0, "", request, [], {})


def test_p_offers_the_unsure_reading() -> None:
    assert key_line("p", _view({"what": "plate", "suggestion": "G 1284 AB", "confidence": 0.62})) == (
        "enter_plate plate=G 1284 AB"
    )


def test_p_without_a_reading_and_other_keys_put_their_template() -> None:
    assert key_line("p", _view({"what": "plate", "suggestion": ""})) == "enter_plate plate="
    assert key_line("x", _view({"what": "plate", "suggestion": "G 1284 AB"})) == "reject reason="
    assert key_line("r", _view({})) == "retry"
