"""lane.wire: the control socket's messages; each malformed request is told in the words a client sees."""

from __future__ import annotations

from typing import Any

import pytest

from lane import control, wire
from lane.commands import DATA_FIELDS, Action, Command


def test_the_data_model_takes_exactly_the_documents_fields() -> None:
    assert tuple(wire.CommandData.model_fields) == DATA_FIELDS


def test_a_command_goes_over_the_wire_and_back() -> None:
    cmd = Command("L1", Action.OPEN_GATE, "op-1", reason="stuck", data={"gate": "exit"})
    msg = control.to_wire(cmd, "tok")
    assert msg == {
        "op": "command",
        "token": "tok",
        "lane": "L1",
        "action": "open_gate",
        "reason": "stuck",
        "plate": "",
        "receipt": "",
        "data": {"gate": "exit"},
    }
    assert control.from_wire({**msg, "operator": "sup-boss"}, "op-1") == cmd  # the operator is the session's


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        ({"op": "shutdown"}, "op is 'login', 'command', 'logout' or 'clock'"),
        ({"lane": "L1"}, "op is 'login', 'command', 'logout' or 'clock'"),
        ({"op": "login", "officer": 7}, "officer must be text"),
        ({"op": "login", "officer": "o", "pin": "p" * 129}, "pin longer than 128 characters"),
        ({"op": "logout", "token": ["t"]}, "token must be text"),
        ({"op": "command", "lane": "L" * 17}, "lane longer than 16 characters"),
        ({"op": "command", "action": "fly"}, "unknown action 'fly'"),
        ({"op": "command", "action": "abort", "reason": 5}, "reason must be text"),
        ({"op": "command", "action": "abort", "data": ["gate"]}, "data must map names to text"),
        ({"op": "command", "action": "abort", "data": {"z": "1"}}, "data: unknown key 'z' (known: nik, sim,"),
        ({"op": "command", "action": "abort", "data": {"gate": "g" * 501}}, "gate longer than 500 characters"),
    ],
)
def test_a_malformed_request_is_told(msg: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError) as err:
        control.from_wire(msg, "op-1")
    assert expected in str(err.value)
