"""What one read of a frame by `plates.reader.PlateReader` has found, and the choice among its readings: each
candidate's reading and crops (`Call`), which of a candidate's two crops reads it better (`better`), and which of
the readings over the chosen one is the plate (`whole`). Pure."""

from __future__ import annotations

from collections.abc import Callable

from plates import line, plate_net
from plates.reading import Image, NoPlate, PlateReading

#: A crop's main lines and their bands, found when first asked for (`plates.reader`).
Lines = Callable[[], tuple[list[line.Band], list[line.Line]]]


class Call:
    """What one read of a frame or crop has found so far: each candidate's reading (by box, and whether it was read
    as a crop); by the evidence crop's id, the lines found in each crop read (for its expiry line) and every crop
    of the candidate a reading chose (for the general check)."""

    def __init__(self) -> None:
        self.reads: dict[tuple[tuple[int, int, int, int], bool], PlateReading | NoPlate | None] = {}
        self.lines: dict[int, Lines] = {}
        self.views: dict[int, list[Image]] = {}


def whole(best: PlateReading, call: Call) -> PlateReading:
    """Of the readings of candidates over `best` (text lines, rows of characters, regions dense in edges), the
    surest when it reads another plate ("A 1685 AN" from a text line over "A 1665 AN" from an edge region read
    first; the same plate keeps `best`'s box, the plate's rather than a line's); and then the whole plate that
    reading is a piece of, when one of them reads the same characters and more at least WHOLE surely ("AA 1676 G"
    for the text line "AA 1676", whose last group stands apart): the surest such."""
    assert best.box is not None
    box = best.box
    over = [r for r in call.reads.values() if isinstance(r, PlateReading) and r.box and overlap(r.box, box)]
    surest = max(over, key=lambda r: r.confidence, default=best)
    best = best if surest.compact == best.compact else surest
    wholes = [r for r in over if r.confidence >= plate_net.WHOLE and plate_net.within(best.compact, r.compact)]
    return max(wholes, key=lambda r: r.confidence, default=best)


def better(wide: PlateReading, narrow: PlateReading | NoPlate | None) -> bool:
    """Whether the reading of a wider crop of a candidate beats that of a narrower one: it is surer, or it reads
    the same characters and more (the narrower crop cut the plate short: "AB 1105" of "AB 1105 DH")."""
    if not isinstance(narrow, PlateReading):
        return True
    return wide.confidence > narrow.confidence or (
        wide.confidence >= plate_net.WHOLE and plate_net.within(narrow.compact, wide.compact)
    )


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
