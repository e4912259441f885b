"""The `[report]` section of the site file: the dayparts the report groups hours into, and the plates of test
vehicles, whose cycles every report leaves out. Only the model and its checks (lane.config puts it in the site
file's model); no I/O.

    [report]
    test_plates = ["B 1234 TES"]              # spaces and case do not matter
    [[report.dayparts]]
    name = "pagi"
    from = 7                                  # hours of the day, site time: 07:00 up to 11:00
    to = 11
"""

from __future__ import annotations

import itertools
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class Daypart(_Strict):
    """A stretch of the day, whole hours in site time: `start` up to (not including) `end`."""

    name: Annotated[str, Field(min_length=1, max_length=24)]
    start: Annotated[int, Field(ge=0, le=23, alias="from")]
    end: Annotated[int, Field(ge=1, le=24, alias="to")]

    @model_validator(mode="after")
    def _ordered(self) -> Daypart:
        if self.end <= self.start:
            raise ValueError(f"to ({self.end}) must be after from ({self.start})")
        return self


def plate_key(plate: str) -> str:
    """A plate as the test-vehicle list compares it: upper case, no spaces ("b 1234 tes" -> "B1234TES")."""
    return "".join(plate.split()).upper()


class ReportSettings(_Strict):
    dayparts: list[Daypart] = Field(
        default_factory=lambda: [
            Daypart(name="pagi", start=7, end=11),
            Daypart(name="siang", start=11, end=14),
            Daypart(name="sore", start=14, end=17),
        ],
        max_length=24,
    )
    test_plates: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _no_overlap(self) -> ReportSettings:
        names = [d.name for d in self.dayparts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"dayparts has repeated names: {', '.join(dupes)}")
        ordered = sorted(self.dayparts, key=lambda d: d.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                raise ValueError(f"dayparts {a.name} ({a.start}-{a.end}) and {b.name} ({b.start}-{b.end}) overlap")
        return self

    @property
    def test_keys(self) -> tuple[str, ...]:
        """The test plates as `plate_key` makes them, sorted, without repeats."""
        return tuple(sorted({plate_key(p) for p in self.test_plates}))

    def daypart_of_hour(self) -> list[int]:
        """For each hour 0..23, the index of its daypart in `dayparts` ordered by start; -1 outside them all."""
        out = [-1] * 24
        for i, d in enumerate(sorted(self.dayparts, key=lambda d: d.start)):
            for h in range(d.start, d.end):
                out[h] = i
        return out
