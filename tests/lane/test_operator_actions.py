"""The operator actions' table (lane.operator_actions.HANDLERS) has a handler for every action."""

from __future__ import annotations

from lane.commands import Action
from lane.operator_actions import HANDLERS


def test_every_action_has_a_handler() -> None:
    assert set(HANDLERS) == set(Action)
