"""When the lane takes a plate from its camera without asking the operator, and what it shows the operator when it
does not (issue 16: a wrong plate is worse than no plate).

The camera's frames vote (plates.vote); the lane takes the agreed plate only when the agreement is also sure: the
agreed reading's confidence clears `rules.plate_accept` (chosen from the validation figures of
benchmarks/plates.py). The agreed reading's confidence is the lower of the voter's (its per-character shares) and
the calibrated confidence (`PlateReading.confidence`: the probability that a reading is exactly right) of the
surest frame that read exactly the agreed text: two frames that agree on an unsure reading (the expiry line "08.29"
read as "A 29") are still unsure. Otherwise the stage reads on until `plate_wait` and then asks the operator, with
the best unsure reading as a suggestion (`suggestion`), which the operator confirms or types over.

`accepted` is also what `lane plates read --json` reports for a single frame. Pure: no clock, no store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from plates.grammar import is_valid

if TYPE_CHECKING:  # lane.config reads DEFAULT_ACCEPT: it need not load numpy for it
    from plates.reading import PlateReading

#: The default of `rules.plate_accept` (config/site.toml): the threshold plates/calibration.json proposes, chosen
#: on the tune part so that no reading taken unasked there was wrong (`python -m plates_training.calibrate`;
#: docs/plates.md). Written out here so that loading the config needs no numpy; a test keeps the two equal.
DEFAULT_ACCEPT = 0.977


def accepted(reading: PlateReading, threshold: float) -> bool:
    """Whether the lane would take this reading from one frame: a plate the grammar allows, at least `threshold`
    sure."""
    return reading.confidence >= threshold and is_valid(reading.text)


@dataclass
class Frames:
    """The readings of one vehicle's frames, for deciding on an agreed reading and for the suggestion."""

    readings: list[PlateReading] = field(default_factory=list)
    unsure: PlateReading | None = None  # the last agreed reading that was not sure enough

    def add(self, reading: PlateReading) -> None:
        self.readings.append(reading)

    def sureness(self, agreed: PlateReading) -> float:
        """The agreed reading's confidence: the voter's, at most that of the surest frame that read it exactly
        (0 when no frame read it exactly: the vote pieced it together)."""
        exact = [r.confidence for r in self.readings if r.compact == agreed.compact]
        return min(agreed.confidence, max(exact, default=0.0))

    def decide(self, agreed: PlateReading, threshold: float) -> PlateReading | None:
        """The agreed reading, its confidence the one `sureness` gives, when that clears `threshold` and the plate
        fits the grammar; else None (and it is kept as the best unsure reading so far)."""
        sure = replace(agreed, confidence=round(self.sureness(agreed), 3))
        if accepted(sure, threshold):
            return sure
        self.unsure = sure
        return None

    def suggestion(self) -> PlateReading | None:
        """The reading to show the operator: the agreed but unsure reading, else the surest single frame's (a plate
        the grammar allows); None when no frame gave one."""
        if self.unsure is not None:
            return self.unsure
        valid = [r for r in self.readings if is_valid(r.text)]
        return max(valid, key=lambda r: r.confidence, default=None)
