"""The general check: the plate recogniser's chosen reading read again by PP-OCRv6 as PaddleOCR ships it
(`plates.ppocr`), a network trained apart, on text of every kind, so that a plate is taken unasked only when both
back it (`ReaderSettings.general_check`; the reader calls it for the plate recogniser's readings). Pure: the model
is loaded elsewhere.

- PP-OCRv6 reads digits as digits where the plate recogniser, trained on plates, makes a plate of them ("01.28" as
  "G 128"): when it reads the reading's crop as an expiry line (`safety.expiry_text`) or as digits only
  (`safety.digits_only`), it is no plate; but digits that are exactly the number of a reading with letters on both
  sides of it ("5247" of "L 5247 GI", whose letters it missed on a bent plate) leave the reading standing, at most
  DOUBTFUL sure (a sticker's year has no letters after it);
- as characters that begin with a digit (`safety.no_region`: half a plate, or a plate whose region letter it
  missed), the reading stands but at most DOUBTFUL sure, so that no lane takes it unasked;
- otherwise the reading's confidence becomes the geometric mean of the two networks' probabilities of its text (a
  letter one misreads or leaves out: the other seldom errs alike), and a reading under UNSURE so is no plate
  (`safety.too_unsure`: the top half of a plate, which the plate recogniser reads).
"""

from __future__ import annotations

import math
from dataclasses import replace

from plates import ctc, ppocr, safety
from plates.reading import Image, NoPlate, PlateReading


def checked(got: PlateReading | NoPlate, views: list[Image]) -> PlateReading | NoPlate:
    """`got` checked as above, PP-OCRv6 reading `views` (the crops of its candidate, each margin's: it misreads some
    crops a little wider or narrower; its crop when none are given) and judging by the view that backs the reading
    most; unchanged when it is no plate, has no crop, or PP-OCRv6 is not there or fails."""
    general = ppocr.model()
    if isinstance(got, NoPlate) or general is None or got.crop is None:
        return got
    try:
        reads = [general.read(view) for view in views or [got.crop]]
    except RuntimeError:  # a check that cannot run leaves the reading as it is
        return got
    text, posteriors = max(reads, key=lambda tp: ctc.text_probability(tp[1], got.compact))
    plate_chars = "".join(c for c in text.upper() if c in ctc.ALPHABET)
    if (why := safety.expiry_text(text)) is not None:
        return NoPlate(why)
    if (why := safety.digits_only([plate_chars])) is not None:
        if not _number_of(plate_chars, got.compact):
            return NoPlate(why)
        return replace(got, confidence=min(got.confidence, safety.DOUBTFUL))  # it missed the letters: ask
    if safety.no_region(plate_chars) is not None:  # half a plate, or a region letter it missed: ask
        return replace(got, confidence=min(got.confidence, safety.DOUBTFUL))
    both = math.sqrt(got.confidence * ctc.text_probability(posteriors, got.compact))
    why = safety.too_unsure(both)  # neither network backs it: the grammar's guess (the top half of a plate)
    return NoPlate(why) if why is not None else replace(got, confidence=both)


def _number_of(digits: str, plate: str) -> bool:
    """Whether `digits` are `plate`'s number (compact, "L5247GI"), of three or four digits (one or two alone are as
    likely a piece of something), and `plate` has letters after it too."""
    number = "".join(c for c in plate if c.isdigit())
    return len(digits) >= 3 and digits == number and plate[-1].isalpha()
