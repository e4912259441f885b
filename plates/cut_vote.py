"""The reader's two readings of one main line joined (`plates.reader`): the line recogniser's (`line_net`, decoded
by `ctc`) and the cut characters' (`glyphs`, decoded by `decode`). `likeliest` picks the recogniser's likeliest
grammatical plate over its views; `vote` keeps the recogniser's plate, taking each character the cut characters
read more surely when both split the plate alike, and weighs the two texts by both when they split it
differently. Pure.
"""

from __future__ import annotations

from plates import ctc, decode, line_net


def likeliest(posteriors: line_net.Floats) -> tuple[ctc.CtcResult, int] | None:
    """The likeliest grammatical plate over views' posteriors, and the view it was read in."""
    best: tuple[ctc.CtcResult, int] | None = None
    for i, p in enumerate(posteriors):
        got = ctc.decode_ctc(p, confidences=False)
        if got is not None and (best is None or got.log_prob > best[0].log_prob):
            best = (got, i)
    return best


def vote(net: decode.Decoded, cut: decode.Decoded, posteriors: line_net.Floats) -> decode.Decoded:
    """The recogniser's plate, with each character the cut characters read more surely put in its place, when both
    readings split into region, number and suffix alike and the result still fits the grammar. When they split it
    differently ("H 1600 PG", "H 160 QPG"), the reading both back more: the recogniser's probability of each text
    (in its likeliest view) times the cut's belief in it (its confidence for its own text, the rest for the other)."""
    a, b = net.plate, cut.plate
    if a == b:
        return net
    if a.groups != b.groups:
        seen = max((ctc.text_probability(p, b.compact) for p in posteriors), default=0.0)
        return cut if seen * cut.confidence > net.confidence * (1.0 - cut.confidence) else net
    pairs = zip(a.compact, b.compact, strict=True)
    confs = zip(net.char_confidences, cut.char_confidences, strict=True)
    chosen = [(cb, pb) if pb > pa else (ca, pa) for (ca, cb), (pa, pb) in zip(pairs, confs, strict=True)]
    plate = a.respelled("".join(c for c, _ in chosen))
    if plate is None or plate == a:
        return net
    chars = tuple(p for _, p in chosen)
    return decode.Decoded(plate, net.confidence, chars, net.score)
