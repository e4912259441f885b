"""The states of a lane and the groups they fall into. Everything that names a state lives here."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """One state of a lane. Working stages hold a vehicle; side states are where a lane waits or stops."""

    IDLE = "idle"
    ARRIVED = "arrived"
    PLATE = "plate"
    DOCUMENTS = "documents"
    PAYMENT = "payment"
    PHOTO = "photo"
    PRINTING = "printing"
    HANDOVER = "handover"
    EXITING = "exiting"
    REJECTED = "rejected"
    FAULT = "fault"
    CLOSED = "closed"


#: The stages of a successful renewal, in order. Each has a time budget.
WORKING: tuple[Stage, ...] = (
    Stage.ARRIVED,
    Stage.PLATE,
    Stage.DOCUMENTS,
    Stage.PAYMENT,
    Stage.PHOTO,
    Stage.PRINTING,
    Stage.HANDOVER,
    Stage.EXITING,
)

#: Stages with a budget: the working stages and the way out after a rejection.
TIMED: tuple[Stage, ...] = (*WORKING, Stage.REJECTED)

#: Stages in which a vehicle stands in the lane (a cycle is open).
WITH_VEHICLE: frozenset[Stage] = frozenset((*WORKING, Stage.REJECTED))

#: Stages an operator may re-run from the start ("retry").
RETRYABLE: frozenset[Stage] = frozenset((Stage.PLATE, Stage.DOCUMENTS, Stage.PAYMENT, Stage.PHOTO, Stage.PRINTING))

#: After a controller restart a lane resumes the stage it was in, whichever it was: each stage's work reads the
#: world before acting (the loops' vehicle counts, the booms, the printer's card counter), so that re-running it
#: never moves a boom twice, never waits for a vehicle that has already passed, and never prints a second card.
RESUMABLE: frozenset[Stage] = frozenset(Stage)
