"""Finding plate candidates in whole frames: synthetic scenes of both plate colours and both vehicle kinds."""

from __future__ import annotations

import numpy as np
import pytest

from devices import render
from plates.locate import iou, locate


@pytest.mark.parametrize("seed", range(12))
def test_the_plate_is_among_the_first_candidates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame, box = render.scene(render.random_plate(rng), seed=seed, black=seed % 2 == 0, motorcycle=seed % 3 == 0)
    found = locate(frame, limit=3)
    assert any(iou(c.box, box) >= 0.5 for c in found), (box, [c.box for c in found])


def test_a_frame_without_text_has_no_candidates() -> None:
    assert locate(np.full((720, 1280, 3), 90, np.uint8)) == []
    assert locate(np.zeros((10, 10), np.uint8)) == []


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
