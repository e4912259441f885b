"""What never becomes a plate, whatever the grammar lets the decoder make of it: the reader's last check of a
reading, before it is returned.

The decoders choose the likeliest text the plate grammar allows, so any row of characters comes out as some plate:
the expiry line "08.29" as "A 29" (the 0 taken for a region letter it does not look like), a tax sticker's
"PAJAK 2025" as "AA 2202", a dealer frame's "HONDA" as "H 1 NDA", half a plate as "B 123". Three checks turn
those into a `NoPlate` with the reason:
- `too_unsure`: a reading whose own probability (before calibration) is under UNSURE is a grammar's guess, not a
  reading: in every case above but the half plate a character was forced where nothing fitted, and the whole
  reading's probability falls to about nothing (0.001 or less); real plates read right are seldom under it;
- `digits_only`: the second recogniser (plates.ppocr, trained on general text, so it reads a digit as a digit)
  reads, without the grammar, only digits in every view: an expiry line ("08.29" read "G 829" under the grammar
  by our network, and 0.29 sure after calibration);
- `expiry_text`: a general recogniser (PP-OCRv6 as shipped) reads the crop whole, dot and all, as an expiry
  line's MM.YY ("G1·28" for a cut "01.28": the plate recogniser, trained on plates, reads "G 128", 1.0 sure);
- `no_region`: that recogniser reads the crop as characters that begin with a digit: no region letters are in it
  (the right half of a plate, "36VZ", which the plate recogniser completes to "B 6 VZ");
- `cut_off`: the characters of a plate found in a frame run into the frame's side (a vehicle half out of the
  camera's view): a whole plate has its border and a margin there. A crop given as one is not checked (crops are
  often cut tight to the characters), nor a plate cut between two characters in mid-frame ("B 123" of
  "B 1234 XYZ" is a plate the grammar allows): a half plate cut through a character is too unsure, as above.
Pure.
"""

from __future__ import annotations

import re

from plates.line import Band

#: An expiry line as a general recogniser reads it whole: a month (its 0 often taken for a G, O, D or Q), a dot or
#: the like, a year: "01.28", "G1·28".
EXPIRY_TEXT = re.compile(r"^\W*[0-9OGDQ]{1,2}\s*[.·,:•\-]\s*\d{2}\W*$")
DOUBTFUL = 0.05  # the most a reading `no_region` doubts may be sure (raw): never taken unasked
UNSURE = 0.01  # raw reading probabilities under this are the grammar's guess (see above)
EDGE = 0.25  # characters within this many character heights of an image's side run off it


def too_unsure(raw_confidence: float) -> str | None:
    """The reason a reading this sure is no plate, or None."""
    if raw_confidence < UNSURE:
        return f"too unsure to be a plate ({raw_confidence:.3f}): an expiry line, a sticker or a frame's lettering?"
    return None


def digits_only(readings: list[str]) -> str | None:
    """The reason a plate whose views a recogniser read, without the grammar, as `readings` is no plate, or None:
    digits and no letter in any of them (an expiry line, a sticker's year: every plate begins with a region's
    letters, so a row without one is no plate, whatever letter the grammar made of a 0 or an 8)."""
    if any(readings) and not any(c.isalpha() for text in readings for c in text):
        return f"digits only ({' '.join(r for r in readings if r)}): an expiry line, not a plate"
    return None


def expiry_text(text: str) -> str | None:
    """The reason a crop a general recogniser reads whole as `text` is no plate, or None: an expiry line's shape."""
    if EXPIRY_TEXT.match(text.strip()):
        return f"an expiry line ({text.strip()}), not a plate"
    return None


def no_region(text: str) -> str | None:
    """The reason a crop a general recogniser reads whole as `text` (plate characters only) is no plate, or None:
    it begins with a digit, so no region letters are in it (half a plate, "36 VZ" of "W 1236 VZ", which the plate
    recogniser may complete to a plate; a year; a phone number)."""
    if text and text[0].isdigit():
        return f"no region letters ({text}): half a plate, not a plate"
    return None


def cut_off(band: Band | None, left: float, right: float) -> str | None:
    """The reason a main line found in an image whose frame's sides are at `left` and `right` (infinite where the
    image does not reach them) is only part of a plate, or None. The band's x extent is of its characters once
    levelled about its centre, which is near enough for a plate turned a few degrees."""
    if band is None:
        return None
    margin = EDGE * band.height
    if band.x0 < left + margin or band.x1 > right - margin:
        return "the characters run off the frame's side: a plate cut off by the edge of the picture"
    return None
