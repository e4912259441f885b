"""What a reading's confidence means to a lane: `PLATE_ACCEPT`, the confidence from which one frame's reading is
taken without asking the operator (the value proposed for `rules.plate_accept`)."""

from __future__ import annotations

PLATE_ACCEPT = 0.9  # the raw confidence the lane's voting trusted before issue 16
