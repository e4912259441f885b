"""Errors the lane raises to its callers (commands refused, store problems)."""

from __future__ import annotations


class Refused(Exception):
    """A trigger or operator command that is not possible now; the message says why. The lane is unchanged."""
