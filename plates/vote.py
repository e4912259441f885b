"""Agreement across frames: the readings of one vehicle vote character by character, and a plate is reported only
when enough frames agree on every character. Pure: no clock, no camera; the caller feeds readings and starts a new
`Voter` (or calls `reset`) for the next vehicle.

Readings of the same length (without spaces) are aligned position by position; at each position the character read
most often wins (ties go to the higher summed confidence). The plate is agreed when every position's winner was read
by at least `agreement` frames and the result fits the plate grammar. The agreed reading keeps the best frame's crop
and box as evidence: the most confident frame that read exactly the agreed text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from plates.grammar import PlateGrammarError, parse
from plates.reading import PlateReading


class Voter:
    def __init__(self, agreement: int = 2, max_frames: int = 50) -> None:
        if agreement < 1:
            raise ValueError("agreement is at least 1 frame")
        if max_frames < agreement:
            raise ValueError("max_frames must be at least agreement")
        self.agreement = agreement
        self.max_frames = max_frames
        self._by_length: dict[int, list[PlateReading]] = defaultdict(list)
        self.frames = 0

    def reset(self) -> None:
        """Forget all readings: the next vehicle."""
        self._by_length.clear()
        self.frames = 0

    def add(self, reading: PlateReading) -> PlateReading | None:
        """Count one frame's reading; the agreed reading once enough frames agree on every character, else None."""
        key = len(reading.compact)
        if key == 0:
            return None
        self.frames += 1
        bucket = self._by_length[key]
        bucket.append(reading)
        if len(bucket) > self.max_frames:
            del bucket[0]
        return self._agreed(bucket)

    @property
    def seen(self) -> dict[str, int]:
        """Every text read so far and how many frames read it, most frequent first (for "why no agreement")."""
        counts = Counter(r.text for bucket in self._by_length.values() for r in bucket)
        return dict(counts.most_common())

    def consensus(self) -> str:
        """The character-by-character winner over the largest group of readings so far ("" before any)."""
        if not self._by_length:
            return ""
        bucket = max(self._by_length.values(), key=len)
        return "".join(c for c, _, _ in _winners(bucket))

    def _agreed(self, bucket: list[PlateReading]) -> PlateReading | None:
        if len(bucket) < self.agreement:
            return None
        winners = _winners(bucket)
        if any(votes < self.agreement for _, votes, _ in winners):
            return None
        try:
            plate = parse("".join(c for c, _, _ in winners))
        except PlateGrammarError:
            return None
        exact = [r for r in bucket if r.compact == plate.text.replace(" ", "")]
        best = max(exact or bucket, key=lambda r: r.confidence)
        shares = tuple(round(conf / max(1e-9, total), 3) for _, _, (conf, total) in winners)
        confidence = round(
            sum(s * best_c for s, best_c in zip(shares, _position_conf(bucket, winners), strict=True)) / len(shares), 3
        )
        expiries = Counter(r.expiry for r in bucket if r.expiry)
        return replace(
            best,
            text=plate.text,
            region=plate.region_name,
            confidence=confidence,
            char_confidences=shares,
            expiry=expiries.most_common(1)[0][0] if expiries else "",
            frames=len(bucket),
        )


def _winners(bucket: list[PlateReading]) -> list[tuple[str, int, tuple[float, float]]]:
    """Per position: the winning character, its number of votes, and (its summed confidence, everyone's)."""
    out = []
    for i in range(len(bucket[0].compact)):
        votes: Counter[str] = Counter()
        weight: dict[str, float] = defaultdict(float)
        for r in bucket:
            c = r.compact[i]
            votes[c] += 1
            weight[c] += _char_conf(r, i)
        char = max(votes, key=lambda c: (votes[c], weight[c]))
        out.append((char, votes[char], (weight[char], sum(weight.values()))))
    return out


def _position_conf(bucket: list[PlateReading], winners: list[tuple[str, int, tuple[float, float]]]) -> list[float]:
    """Per position, the mean confidence of the frames that read the winning character."""
    out = []
    for i, (char, votes, _) in enumerate(winners):
        out.append(sum(_char_conf(r, i) for r in bucket if r.compact[i] == char) / votes)
    return out


def _char_conf(reading: PlateReading, i: int) -> float:
    confs = reading.char_confidences
    return confs[i] if len(confs) == len(reading.compact) else reading.confidence
