"""The console's keys: each action key and the command line it puts up for the officer to complete (lane/commands.py
parses it). Issue 19 added lookup (l), reissue (i); the app adds evidence (e), refunds (m) and the confirmation of
an abort after payment (a)."""

from __future__ import annotations

from lane.console.state import LaneView

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
    "l": ("lookup", "plate="),  # or sim= or nik=
    "i": ("reissue", "cycle= reason="),
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


def key_line(key: str, view: LaneView) -> str:
    """The command line an action key puts up for the lane in `view`. `p` at the plate stage offers the camera's
    best unsure reading (the request's `suggestion`, rules.plate_accept not cleared) for the officer to check
    against the vehicle and correct or send; otherwise the key's template."""
    action, template = KEYS[key]
    suggestion = view.request.get("suggestion") if key == "p" else None
    if suggestion:
        template = f"plate={suggestion}"
    return f"{action} {template}".strip()
