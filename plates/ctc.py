"""The line recogniser's output decoded under the plate grammar: CTC posteriors (one row of class probabilities per
image column) in, the most probable plate that fits the TNKB grammar out, with its probability.

`decode_ctc` runs a prefix beam search over the posteriors, extending a prefix only by a character the grammar
allows after it (a region prefix from the table, then 1-4 digits without a leading zero, then 0-3 letters), and
keeps the complete plate whose alignments add up to the highest probability: that probability is the confidence.
`alignment` gives the columns each character of a text takes on its best alignment (CTC Viterbi);
`char_confidences` each character's highest posterior in its columns, `char_posteriors` every character's there.
`text_probability` is any given text's probability (all its alignments). `greedy` is the plain best path, for
comparison. Pure; numpy and the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from plates.grammar import REGIONS, Plate

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALPHABET = DIGITS + LETTERS  # class i + 1 is ALPHABET[i]; class 0 is the CTC blank
BLANK = 0
_PREFIXES = {code[:i] for code in REGIONS for i in range(1, len(code) + 1)}
_NEG = -math.inf
MIN_PROB = 1e-3  # characters less likely than this in a column are not tried there
MAX_TRIED = 6  # ... nor more than this many, the likeliest

#: Where a prefix is in the grammar: (region letters, digits so far, suffix letters so far).
State = tuple[str, int, int]


@dataclass(frozen=True)
class CtcResult:
    plate: Plate
    probability: float  # P(plate | image) under the network, summed over alignments
    log_prob: float
    char_confidences: tuple[float, ...]


def advance(state: State, char: str) -> State | None:
    """The grammar state after one more character, or None when the grammar does not allow it there."""
    region, digits, suffix = state
    if char.isdigit():
        if suffix or digits >= 4 or (digits == 0 and (char == "0" or region not in REGIONS)):
            return None
        return region, digits + 1, 0
    if digits == 0:
        return (region + char, 0, 0) if region + char in _PREFIXES else None
    return (region, digits, suffix + 1) if suffix < 3 else None


def complete(state: State) -> bool:
    return state[1] > 0 and state[0] in REGIONS


def _lae(a: float, b: float) -> float:
    if a == _NEG:
        return b
    if b == _NEG:
        return a
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


def decode_ctc(probs: np.ndarray, beam: int = 24, confidences: bool = True) -> CtcResult | None:
    """The most probable grammatical plate in posteriors `probs` (columns x (1 + len(ALPHABET))), or None.
    `confidences=False` leaves `char_confidences` empty (the caller wants them only for the reading it keeps)."""
    if probs.ndim != 2 or probs.shape[1] != len(ALPHABET) + 1 or probs.shape[0] == 0:
        return None
    logp = np.log(np.clip(probs.astype(np.float64), 1e-12, 1.0))
    # prefix -> [log P(ending in blank), log P(ending in its last character)], and its grammar state
    beams: dict[str, list[float]] = {"": [0.0, _NEG]}
    states: dict[str, State] = {"": ("", 0, 0)}
    for t in range(logp.shape[0]):
        row = logp[t]
        top = np.argsort(-probs[t, 1:])[:MAX_TRIED]
        tried = [int(i) + 1 for i in top if probs[t, i + 1] >= MIN_PROB]
        new: dict[str, list[float]] = {}
        for prefix, (lb, lnb) in beams.items():
            total = _lae(lb, lnb)
            cell = new.setdefault(prefix, [_NEG, _NEG])
            cell[0] = _lae(cell[0], total + row[BLANK])
            last = prefix[-1] if prefix else ""
            if last:
                cell[1] = _lae(cell[1], lnb + row[ALPHABET.index(last) + 1])
            for k in tried:
                c = ALPHABET[k - 1]
                state = advance(states[prefix], c)
                if state is None:
                    continue
                longer = prefix + c
                states[longer] = state
                out = new.setdefault(longer, [_NEG, _NEG])
                out[1] = _lae(out[1], (lb if c == last else total) + row[k])
        if len(new) > beam:  # most columns add no prefix: nothing to prune
            new = dict(sorted(new.items(), key=lambda kv: -_lae(*kv[1]))[:beam])
        beams = new
    done = [(p, _lae(*v)) for p, v in beams.items() if complete(states[p])]
    if not done:
        return None
    text, log_prob = max(done, key=lambda d: d[1])
    region, digits, _ = states[text]
    plate = Plate(region, text[len(region) : len(region) + digits], text[len(region) + digits :])
    chars = char_confidences(probs, text) if confidences else ()
    return CtcResult(plate, math.exp(log_prob), float(log_prob), chars)


def _lattice(probs: np.ndarray, text: str) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The CTC lattice of `text`: its classes with a blank before, between and after them; the log posteriors of
    those classes in each column; and where a path may jump over a blank (between two different characters)."""
    ext = [BLANK]
    for c in text:
        ext += [ALPHABET.index(c) + 1, BLANK]
    logp = np.log(np.clip(probs.astype(np.float64), 1e-12, 1.0))[:, ext]
    skip = np.array([s >= 2 and ext[s] != BLANK and ext[s] != ext[s - 2] for s in range(len(ext))])
    return ext, logp, skip


def text_probability(probs: np.ndarray, text: str) -> float:
    """P(text | posteriors): every alignment of `text` to the columns added up (the CTC forward pass)."""
    if not text or probs.ndim != 2 or probs.shape[0] == 0:
        return 0.0
    ext, logp, skip = _lattice(probs, text)
    alpha = np.full(len(ext), _NEG)
    alpha[:2] = logp[0, :2]
    for t in range(1, probs.shape[0]):
        step = np.concatenate([[_NEG], alpha[:-1]])
        jump = np.where(skip, np.concatenate([[_NEG, _NEG], alpha[:-2]]), _NEG)
        alpha = np.logaddexp(np.logaddexp(alpha, step), jump) + logp[t]
    return math.exp(float(np.logaddexp(alpha[-1], alpha[-2])))


def alignment(probs: np.ndarray, text: str) -> list[list[int]]:
    """The columns (in order) each character of `text` takes on its best alignment to the posteriors (CTC Viterbi)."""
    if not text:
        return []
    ext, logp, skip = _lattice(probs, text)
    s_n, t_n = len(ext), probs.shape[0]
    score = np.full(s_n, _NEG)
    score[0], score[1] = logp[0, 0], logp[0, 1]
    back = np.zeros((t_n, s_n), np.int64)
    for t in range(1, t_n):
        stay, step = score, np.concatenate([[_NEG], score[:-1]])
        jump = np.where(skip, np.concatenate([[_NEG, _NEG], score[:-2]]), _NEG)
        best = np.maximum(np.maximum(stay, step), jump)
        back[t] = np.where(best == stay, 0, np.where(best == step, 1, 2))
        score = best + logp[t]
    s = s_n - 1 if s_n < 2 or score[-1] >= score[-2] else s_n - 2
    columns: list[list[int]] = [[] for _ in text]
    for t in range(t_n - 1, -1, -1):
        if ext[s] != BLANK:
            columns[(s - 1) // 2].append(t)
        s -= int(back[t, s])
        s = max(s, 0)
    return [cols[::-1] for cols in columns]


def char_confidences(probs: np.ndarray, text: str) -> tuple[float, ...]:
    """For each character of `text`, its highest posterior in the columns the best alignment gives it."""
    return tuple(
        max((float(probs[t, ALPHABET.index(c) + 1]) for t in cols), default=0.0)
        for c, cols in zip(text, alignment(probs, text), strict=True)
    )


def char_posteriors(probs: np.ndarray, text: str) -> np.ndarray:
    """For each character of `text`, every character's highest posterior in the columns the best alignment gives
    it (len(text) x len(ALPHABET)): what else the network saw there. A character given no column: all zeros."""
    out = np.zeros((len(text), len(ALPHABET)), np.float64)
    for i, cols in enumerate(alignment(probs, text)):
        if cols:
            out[i] = probs[cols, 1:].max(axis=0)
    return out


def digits(probs: np.ndarray) -> tuple[str, float]:
    """The digits of a line that holds nothing else worth reading (the expiry line, "MM.YY"): every other class's
    probability counts as the blank, the best path is taken, and its text's probability (`text_probability`) is
    its confidence. ("", 0.0) when no digit is read."""
    if probs.ndim != 2 or probs.shape[0] == 0:
        return "", 0.0
    end = 1 + len(DIGITS)  # ALPHABET starts with the digits
    folded = np.zeros_like(probs)
    folded[:, 1:end] = probs[:, 1:end]
    folded[:, BLANK] = np.clip(1.0 - folded[:, 1:end].sum(axis=1), 0.0, 1.0)
    text = greedy(folded)
    return (text, text_probability(folded, text)) if text else ("", 0.0)


def greedy(probs: np.ndarray) -> str:
    """The plain best path: the likeliest class of each column, repeats merged, blanks dropped."""
    best = probs.argmax(axis=1)
    out, prev = [], BLANK
    for k in best.tolist():
        if k != prev and k != BLANK:
            out.append(ALPHABET[k - 1])
        prev = k
    return "".join(out)
