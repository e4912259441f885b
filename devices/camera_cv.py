"""Cameras through OpenCV: a device index ("0"), an RTSP or HTTP URL (an IP camera's MJPEG or H.264 stream), a
video file, or a folder of images.

A reader thread keeps the newest frame: live sources are read as fast as they deliver (so no stale frame waits in a
buffer), files and folders are played at `fps` and start over at the end. A source that fails is reopened with
backoff and the camera's health follows (down while it cannot be opened). `capture` returns the newest frame if it
is at most `max_age` seconds old, else waits up to `frame_timeout` seconds for one (real seconds: a camera's frame
rate does not follow a demo's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from devices import image_header
from devices.base import Camera, Health, Timebase
from devices.errors import DeviceTimeout, DeviceUnavailable
from devices.transport import Backoff

Image = np.ndarray[Any, np.dtype[np.uint8]]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
#: A folder's image larger than this by its header is skipped without being decoded (devices.image_header).
MAX_FRAME_PIXELS = image_header.MAX_PIXELS
STREAM_TIMEOUT_MS = 3000


def source_kind(source: str) -> str:
    """What `source` names: "index", "url", "folder" or "file"."""
    if source.isdigit():
        return "index"
    if "://" in source:
        return "url"
    return "folder" if Path(source).is_dir() else "file"


class CvCamera(Camera):
    def __init__(
        self,
        name: str,
        timebase: Timebase,
        source: str,
        fps: float = 10.0,
        max_age: float = 1.0,
        frame_timeout: float = 3.0,
        backoff: float = 0.5,
        backoff_max: float = 10.0,
    ) -> None:
        super().__init__(name, timebase)
        if not 0 < fps <= 120 or max_age <= 0 or frame_timeout <= 0:
            raise ValueError("fps must be in (0, 120], max_age and frame_timeout positive")
        self.source = str(source)
        self.source_kind = source_kind(self.source)
        self.fps = fps
        self.max_age = max_age
        self.frame_timeout = frame_timeout
        self.frames = 0  # frames read from the source
        self.opens = 0
        self._backoff = Backoff(backoff, backoff_max)
        self._cond = threading.Condition()
        self._latest: tuple[Image, float, int] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._stopping.clear()
            self._thread = threading.Thread(target=self._read_forever, name=f"camera:{self.name}", daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            with self._cond:
                self._cond.notify_all()
            await asyncio.get_running_loop().run_in_executor(None, thread.join, STREAM_TIMEOUT_MS / 1000 + 2)

    async def _capture(self) -> Image:
        if self._thread is None:
            raise DeviceUnavailable(self.name, "camera not started", "not_started")
        latest = await asyncio.get_running_loop().run_in_executor(None, self._fresh_frame)
        if latest is None:
            if self.health is Health.DOWN:
                raise DeviceUnavailable(self.name, f"no frames: {self.source} unavailable", "no_frames")
            raise DeviceTimeout(self.name, f"no frame in {self.frame_timeout:g} s", "no_frames")
        return latest

    def _fresh_frame(self) -> Image | None:
        with self._cond:
            if self._latest is not None and time.monotonic() - self._latest[1] <= self.max_age:
                return self._latest[0]
            seen = self._latest[2] if self._latest else -1
            self._cond.wait_for(
                lambda: (self._latest is not None and self._latest[2] != seen) or self._stopping.is_set(),
                self.frame_timeout,
            )
            if self._latest is None or self._latest[2] == seen:
                return None
            return self._latest[0]

    # -- the reader thread ------------------------------------------------------------------------------------

    def _publish(self, health: Health, why: str) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.set_health, health, why)

    def _read_forever(self) -> None:
        source: _Source | None = None
        try:
            while not self._stopping.is_set():
                if source is None:
                    source = self._open()
                    if source is None:
                        self._stopping.wait(self._backoff.next())
                        continue
                image = source.read()
                if image is None:
                    source.close()
                    source = None
                    self._publish(Health.DEGRADED, f"{self.source}: no frame, reopening")
                    self._stopping.wait(self._backoff.next())
                    continue
                self._backoff.reset()
                with self._cond:
                    self.frames += 1
                    self._latest = (image, time.monotonic(), self.frames)
                    self._cond.notify_all()
                if self.source_kind in ("file", "folder"):
                    self._stopping.wait(1.0 / self.fps)
        finally:
            if source is not None:
                source.close()

    def _open(self) -> _Source | None:
        try:
            kind = self.source_kind
            source: _Source = _Folder(Path(self.source)) if kind == "folder" else _Capture(self.source, kind)
        except OSError as err:
            self._publish(Health.DOWN, f"cannot open {self.source}: {err}")
            return None
        self.opens += 1
        self._publish(Health.OK, f"{self.source} open")
        return source


class _Source:
    def read(self) -> Image | None:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release."""


class _Capture(_Source):
    def __init__(self, source: str, kind: str) -> None:
        if kind == "index":
            self.cap = cv2.VideoCapture(int(source))
        elif kind == "url":
            ms = STREAM_TIMEOUT_MS
            timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
            self.cap = cv2.VideoCapture(source, cv2.CAP_FFMPEG, timeouts)
        else:
            self.cap = cv2.VideoCapture(source)
        self.file = kind == "file"
        if not self.cap.isOpened():
            self.cap.release()
            raise OSError("OpenCV cannot open it")

    def read(self) -> Image | None:
        ok, image = self.cap.read()
        if not ok and self.file:  # the end of a video file: play it again
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self.cap.read()
        return np.asarray(image, np.uint8) if ok and image is not None else None

    def close(self) -> None:
        self.cap.release()


class _Folder(_Source):
    def __init__(self, folder: Path) -> None:
        self.files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise OSError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
        self.next = 0

    def read(self) -> Image | None:
        for _ in range(len(self.files)):
            path = self.files[self.next % len(self.files)]
            self.next += 1
            if image_header.problem(path, MAX_FRAME_PIXELS, ("JPEG", "PNG", "BMP")):
                continue
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None:
                return np.asarray(image, np.uint8)
        return None
