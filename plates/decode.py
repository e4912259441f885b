"""From Tesseract's symbols to a plate that fits the grammar, choosing each character by its position.

Every symbol of the line gets a score for each letter and each digit it may be: what the mixed read said, what the
letters-only and digits-only reads said at the same place, and the confusable twin (0/O/D/Q, 1/I, 2/Z, 5/S, 6/G,
8/B) at a discount. The decoder then tries every way to cut the symbols into region (a prefix from the table),
number (1-4 digits, no leading zero) and suffix (0-3 letters), maybe dropping a stray symbol or two at either end
(a bolt or a bit of frame), and keeps the cut with the best total; cuts at the wide gaps between groups score
higher. The expiry line reads as MM.YY. Pure.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from plates.engine import Symbol
from plates.grammar import REGIONS, Plate

#: A digit misread as a letter, and back; the plate's own font draws O and 0 alike.
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "U": "0", "I": "1", "L": "1", "T": "7", "J": "1", "Z": "2", "A": "4",
            "S": "5", "G": "6", "B": "8", "E": "8"}  # fmt: skip
TWIN = 0.55  # a confusable twin scores this share of what was read
PASS = 0.9  # a letters-only / digits-only read scores this share of its confidence
FLOOR = 0.02  # the score of a character nothing pointed to
_MAX_DROP = 2


@dataclass
class Slot:
    """One symbol on the line, with a score for each letter and digit it may be."""

    x0: int
    x1: int
    conf: float
    thin: bool = False  # narrow enough to be a bit of plate frame
    letters: dict[str, float] = field(default_factory=dict)
    digits: dict[str, float] = field(default_factory=dict)

    def best(self, table: dict[str, float], exclude: str = "") -> tuple[str, float]:
        options = [(c, p) for c, p in table.items() if c not in exclude]
        return max(options, key=lambda o: o[1]) if options else ("", FLOOR)


@dataclass(frozen=True)
class Decoded:
    plate: Plate
    confidence: float  # geometric mean of the chosen characters' scores, 0..1
    char_confidences: tuple[float, ...]
    score: float  # the decoder's total (log scale, higher is better), to compare decodings


def _put(table: dict[str, float], char: str, score: float) -> None:
    if char not in table or score > table[char]:
        table[char] = score


def slots(
    mixed: Sequence[Symbol], letters: Sequence[Symbol] = (), digits: Sequence[Symbol] = (), char_height: float = 40.0
) -> list[Slot]:
    """One slot per symbol of the mixed read, with the letters-only and digits-only reads folded in by position."""
    out: list[Slot] = []
    for s in mixed:
        slot = Slot(s.x0, s.x1, s.conf, thin=s.x1 - s.x0 < 0.3 * char_height and s.char in "I1JL|")
        p = _belief(s.conf)
        if s.char.isalpha():
            _put(slot.letters, s.char, p)
            if s.char in TO_DIGIT:
                _put(slot.digits, TO_DIGIT[s.char], p * TWIN)
        elif s.char.isdigit():
            _put(slot.digits, s.char, p)
            if s.char in TO_LETTER:
                _put(slot.letters, TO_LETTER[s.char], p * TWIN)
        out.append(slot)
    for extra, kind in ((letters, "letters"), (digits, "digits")):
        for s in extra:
            near = overlapping(out, s)
            if near is not None:
                _put(near.letters if kind == "letters" else near.digits, s.char, _belief(s.conf) * PASS)
    return out


def _belief(conf: float) -> float:
    """How much to believe Tesseract's first choice: its symbol confidence is often 0 for a clear, right character
    (LSTM confidences are the weakest time step's), so a first choice is worth at least one half."""
    return 0.5 + 0.5 * conf


def overlapping(found: list[Slot], s: Slot | Symbol) -> Slot | None:
    """The slot of `found` that overlaps `s` most, by at least half the narrower of the two; None if none does."""
    best, best_overlap = None, 0.0
    for slot in found:
        overlap = min(slot.x1, s.x1) - max(slot.x0, s.x0)
        if overlap > best_overlap and overlap >= 0.5 * min(slot.x1 - slot.x0, s.x1 - s.x0):
            best, best_overlap = slot, overlap
    return best


def _log(p: float) -> float:
    return math.log(max(p, FLOOR))


def _drop_cost(s: Slot) -> float:
    """What leaving a symbol out costs: little for a thin I or 1 (a bit of plate frame), more the surer it was."""
    return 0.3 if s.thin else 1.0 + 1.5 * s.conf


def decode(found: list[Slot], breaks: Sequence[int] = ()) -> Decoded | None:
    """The best grammatical plate in the slots, or None when no cut of them fits the grammar. `breaks` are the x
    positions of wide gaps (between groups) when the line's layout is known."""
    n = len(found)
    best: Decoded | None = None
    for start in range(min(_MAX_DROP, n) + 1):
        for end in range(max(start, n - _MAX_DROP), n + 1):
            kept = found[start:end]
            drop_cost = sum(_drop_cost(s) for s in found[:start] + found[end:])
            wide = [any((a.x0 + a.x1) / 2 < x < (b.x0 + b.x1) / 2 for x in breaks) for a, b in itertools.pairwise(kept)]
            for r in (1, 2):
                for d in range(1, 5):
                    t = len(kept) - r - d
                    if not 0 <= t <= 3:
                        continue
                    got = _score_cut(kept, wide, r, d, bool(breaks))
                    if got is None:
                        continue
                    plate, chars, total = got
                    total -= drop_cost
                    if best is None or total > best.score:
                        conf = math.exp(sum(math.log(max(c, 1e-3)) for c in chars) / len(chars))
                        best = Decoded(plate, conf, tuple(chars), total)
    return best


def _score_cut(
    kept: list[Slot], wide: list[bool], r: int, d: int, laid_out: bool
) -> tuple[Plate, list[float], float] | None:
    region_slots, digit_slots, suffix_slots = kept[:r], kept[r : r + d], kept[r + d :]
    region, region_scores = "", [0.0] * r
    region_total = -math.inf
    for code in REGIONS:
        if len(code) != r:
            continue
        scores = [s.letters.get(c, 0.0) for s, c in zip(region_slots, code, strict=True)]
        total = sum(_log(p) for p in scores)
        if total > region_total:
            region, region_scores, region_total = code, scores, total
    number, chars = "", list(region_scores)
    for i, s in enumerate(digit_slots):
        c, p = s.best(s.digits, exclude="0" if i == 0 else "")
        if not c:
            return None
        number += c
        chars.append(p)
    suffix = ""
    for s in suffix_slots:
        c, p = s.best(s.letters)
        if not c:
            return None
        suffix += c
        chars.append(p)
    total = sum(_log(p) for p in chars)
    if laid_out:
        cuts = {r - 1} | ({r + d - 1} if suffix_slots else set())
        for i, is_wide in enumerate(wide):
            if i in cuts:
                total += 1.0 if is_wide else -1.5
            elif is_wide:
                total -= 2.5
    return Plate(region, number, suffix), chars, total


_EXPIRY = re.compile(r"(\d{2})\D?(\d{2})")


def parse_expiry(raw: str) -> str:
    """ "MM.YY" from the expiry line's text, or "" when it does not read as a month and a year."""
    digits = "".join(c for c in raw if c.isdigit())
    match = _EXPIRY.search(raw) or _EXPIRY.search(digits)
    if match is None or len(digits) != 4:
        return ""
    month, year = match.groups()
    return f"{month}.{year}" if 1 <= int(month) <= 12 else ""


def edit_distance(a: str, b: str) -> int:
    """Characters inserted, deleted or replaced to turn `a` into `b` (Levenshtein): how character accuracy of a
    reading against a label is counted."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]
