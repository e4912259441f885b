"""A folder of images as a camera: an image larger than MAX_FRAME_PIXELS by its header is skipped without
being decoded (OpenCV decodes before it can see the size: a 389 KB PNG of 20000 x 20000 takes 1.2 GB)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera_cv import CvCamera
from tests.conftest import RealTime
from tests.plates.test_cli import png_claiming


def test_an_image_too_large_by_its_header_is_never_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "0-bomb.png").write_bytes(png_claiming(20000, 20000))
    cv2.imwrite(str(tmp_path / "1-frame.png"), np.full((40, 60, 3), 120, np.uint8))
    (tmp_path / "2-broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    decoded: list[str] = []
    imread = cv2.imread

    def recorded(path: str, *args: int) -> object:
        decoded.append(Path(path).name)
        return imread(path, *args)

    monkeypatch.setattr(cv2, "imread", recorded)

    async def main() -> list[int]:
        cam = CvCamera("cam", RealTime(), str(tmp_path), fps=50, max_age=0.001)
        await cam.start()
        try:
            shades = []
            for _ in range(4):
                shades.append(int((await cam.capture()).image.mean()))
                await asyncio.sleep(0.03)
            return shades
        finally:
            await cam.stop()

    assert set(asyncio.run(main())) == {120}
    assert decoded and set(decoded) == {"1-frame.png"}
