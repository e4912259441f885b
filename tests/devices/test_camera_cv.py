"""OpenCV cameras on sources that need no network: a folder of images, a video file, a source that is not there."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.base import Health
from devices.camera_cv import CvCamera, source_kind
from devices.errors import DeviceError
from tests.conftest import RealTime, until


def test_source_kinds(tmp_path: Path) -> None:
    assert [source_kind(s) for s in ("0", "rtsp://cam/1", "http://x/stream.mjpg", str(tmp_path), "clip.avi")] == [
        "index",
        "url",
        "url",
        "folder",
        "file",
    ]


def test_a_folder_of_images_is_played_in_order(tmp_path: Path) -> None:
    for i, shade in enumerate((10, 120, 240)):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((40, 60, 3), shade, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")

    async def main() -> list[int]:
        cam = CvCamera("cam", RealTime(), str(tmp_path), fps=50, max_age=0.001)
        await cam.start()
        try:
            shades = []
            for _ in range(5):
                shades.append(int((await cam.capture()).image.mean()))
                await asyncio.sleep(0.03)  # a few frames later (pacing: a sample every new frame could alias)
            return shades
        finally:
            await cam.stop()

    shades = asyncio.run(main())
    assert set(shades) <= {10, 120, 240} and len(set(shades)) >= 2


def test_a_video_file_plays_and_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (64, 48))
    for shade in (30, 200):
        writer.write(np.full((48, 64, 3), shade, np.uint8))
    writer.release()

    async def main() -> int:
        cam = CvCamera("cam", RealTime(), str(path), fps=100, max_age=0.001)
        await cam.start()
        try:
            shades = set()
            for _ in range(6):
                shades.add(int((await cam.capture()).image.mean()) // 50)
                await asyncio.sleep(0.03)  # three frames later at 100 fps: the other of the file's two frames
            assert len(shades) == 2
            return cam.frames
        finally:
            await cam.stop()

    assert asyncio.run(main()) >= 4  # two frames in the file: it started over


def test_a_source_that_is_not_there_is_down_and_capture_fails(tmp_path: Path) -> None:
    async def main() -> None:
        cam = CvCamera("cam", RealTime(), str(tmp_path / "missing.avi"), frame_timeout=0.3, backoff=0.05)
        await cam.start()
        try:
            await until(lambda: cam.health is Health.DOWN, limit=1.0, what="the camera down")
            with pytest.raises(DeviceError):
                await cam.capture()
        finally:
            await cam.stop()

    asyncio.run(main())
