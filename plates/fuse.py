"""Two recognisers' readings of one plate joined character by character, as ROVER joins speech recognisers' (Fiscus,
1997): used by `plates.ppocr.weigh` when the reader's own reading and the second recogniser's differ.

Weighing whole texts lets the network surer of the plate overrule the other on every character, also where it is
the unsure one: a plate's G, clear to one network and taken for a C by the other, which is sure of the rest. So
when the two readings have the same groups (as many region letters, digits and suffix letters) each character is
the one both networks back most at its place: the product of each network's posteriors there (`ctc.char_posteriors`,
in the view where that network's own reading is likeliest), among the characters the grammar allows there (digits
in the number, letters elsewhere). The joined plate must pass the grammar (a region from the table, no leading
zero). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plates import ctc
from plates.grammar import Plate

#: Posteriors, one columns x classes array a view: a list of them or one views x columns x classes array.
Views = Sequence[np.ndarray] | np.ndarray

#: A floor under each posterior, so that one network's near-zero alone does not veto what the other is sure of.
FLOOR = 1e-4
_DIGIT = np.array([c.isdigit() for c in ctc.ALPHABET])


def by_character(mine: Plate, my_views: Views, theirs: Plate, their_views: Views) -> Plate | None:
    """The plate joined character by character from two readings and each network's posteriors, or None where the
    readings agree, their groups differ, a network has no view, or the joined plate breaks the grammar."""
    if mine == theirs or mine.groups != theirs.groups:
        return None
    if len(my_views) == 0 or len(their_views) == 0:
        return None
    ours, others = _at_places(my_views, mine.compact), _at_places(their_views, theirs.compact)
    region, digits, _ = mine.groups
    first, last = region, region + digits  # the number's places
    chars = []
    for i in range(len(mine.compact)):
        allowed = _DIGIT if first <= i < last else ~_DIGIT
        score = np.where(allowed, (ours[i] + FLOOR) * (others[i] + FLOOR), 0.0)
        chars.append(ctc.ALPHABET[int(score.argmax())])
    return mine.respelled("".join(chars))


def _at_places(views: Views, text: str) -> np.ndarray:
    """Each character's place in `text`: every character's posterior there, in the view where `text` is likeliest."""
    best = max(views, key=lambda p: ctc.text_probability(p, text))
    return ctc.char_posteriors(best, text)
