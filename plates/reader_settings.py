"""The plate reader's settings (`plates.reader.PlateReader`): which recogniser reads a plate, how many candidates a
frame gives, when a reading is sure enough, and the parts of the earlier ensemble (plates.ensemble). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from plates import line


@dataclass(frozen=True)
class ReaderSettings:
    #: "plate" reads each plate crop with the plate recogniser (plates.plate_net: PP-OCRv6 fine-tuned on plates)
    #: when its model is there; "line" with the earlier ensemble (our line network, the cut characters and
    #: PP-OCRv6 as shipped, below), which is also the fallback without that model.
    recogniser: Literal["plate", "line"] = "plate"
    plate_bands: bool = (
        False  # ... and the plate recogniser reads the band around each main line too, not only the crop
    )
    candidates: int = 3  # plate candidates read per frame, best first
    edge_candidates: int = 2  # ... and after them, regions dense in edges (plates.edges) that no row candidate covers
    text_candidates: int = 3  # ... and when none read surely, text lines the text detector finds (plates.text_det)
    #: A candidate's crops: its box and these shares of its width and height around it; the plate recogniser reads
    #: each and keeps the surest reading (a row of characters found short of the plate's ends is read whole in the
    #: wider crop); the line recogniser reads the first.
    margins: tuple[tuple[float, float], ...] = ((0.08, 0.12), (0.25, 0.35))
    lines: int = 1  # main-line hypotheses read per candidate (2 also tries the other polarity)
    enough: float = 0.7  # a decoding at least this confident ends the search
    expiry: bool = True  # read the MM.YY line
    min_contrast: float = line.MIN_CONTRAST  # characters must stand out this much from a plate given as a crop
    min_contrast_found: float = 1.3  # ... and this much from a plate found in a frame, among clutter
    glyph_classifier: bool = True  # characters chosen by the glyph classifier (plates.glyphs), when its model is there
    tesseract_weight: float = 0.0  # ... with Tesseract's read of the line mixed in at this weight (0: not read)
    #: The line recogniser (plates.line_net, when its model is there): "vote" reads each plate with it and with the
    #: cut characters, and takes the characters the cut read more surely when the two split the plate alike; "first"
    #: cuts characters only when the recogniser is unsure; "only" never cuts; "off" never uses the recogniser.
    line_recogniser: Literal["vote", "first", "only", "off"] = "vote"
    trust: float = 0.2  # a recogniser reading at least this probable is taken without looking at the cut characters
    least: float = 0.05  # ... and one less probable than this is no reading
    #: A reading less sure than this is weighed again with the second recogniser (plates.ppocr, PP-OCRv6) when it
    #: is installed: the text both back most wins, and the confidence is both networks' (their geometric mean).
    #: 1.0 (the default since issue 16) weighs every reading: our network alone is sure of some wrong readings of
    #: real plates (1.0 on tune-part readings PP-OCRv6 gives 0.002), so no confidence of one network can be
    #: calibrated to take plates unasked. 0 never asks it.
    second_opinion: float = 1.0
    fuse: bool = True  # ... and joins its reading and ours character by character when both have the same groups
    #: A reading's confidence mapped to the probability it is exactly right (plates.confidence); off gives the
    #: networks' own probability, which the calibration is fitted to.
    calibrated: bool = True
    general_check: bool = (
        True  # ... and PP-OCRv6 as shipped reads a plate recogniser's reading's crop (plates.general_check)
    )
    safety: bool = True  # readings that are no plate (plates.safety: too unsure, cut off) become NoPlate

    def __post_init__(self) -> None:
        if (
            not 1 <= self.candidates <= 10
            or not 0 <= self.edge_candidates <= 10
            or not 0 <= self.text_candidates <= 10
            or not 1 <= self.lines <= 4
            or not 0.0 <= self.enough <= 1.0
            or not 0.0 <= self.tesseract_weight <= 1.0
            or not 0.0 <= self.least <= self.trust <= 1.0
            or not 0.0 <= self.second_opinion <= 1.0
            or self.line_recogniser not in ("vote", "first", "only", "off")
            or self.recogniser not in ("plate", "line")
        ):
            raise ValueError(f"bad reader settings: {self}")
