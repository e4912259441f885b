"""The lane's two simulated IP cameras: MJPEG over HTTP (`/stream.mjpg`, `/snapshot.jpg`), as many IP cameras
serve, read by `devices.camera_cv.CvCamera` through OpenCV. The plate camera shows the simulated vehicle's plate
(`devices.render.plate_frame`), the driver camera the simulated driver (the virtual camera's portrait). The scene
is set through the control channel (`scene`). Faults act on whole JPEG frames (corrupt, drop, delay, silent) and
`disconnect` takes a camera off the network for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import cv2

from devices import render
from devices.sim.control import SimOptions, Simulator
from devices.sim.faults import Faults

CAMERAS = ("plate", "driver")


def driver_photo(seed: int | None, issue: str | None) -> Any:
    """The virtual driver camera's portrait (`devices.portrait`) where it is there, else `render.driver_photo`."""
    try:
        from devices import portrait
    except ImportError:
        return render.driver_photo(seed)
    return portrait.driver_photo(seed, issue)


BOUNDARY = b"frame"


class CameraSim(Simulator):
    kind = "cameras"

    def __init__(self, options: SimOptions) -> None:
        super().__init__(options)
        self.fps = float(options.extra.get("fps", 5.0))
        self.scene: dict[str, Any] = {"plate": None, "black": False, "dirty": False, "face_seed": None, "issue": None}
        self.servers: dict[str, asyncio.Server | None] = dict.fromkeys(CAMERAS)
        self.ports = dict.fromkeys(CAMERAS, 0)
        self.sent = dict.fromkeys(CAMERAS, 0)
        self.faults = {name: Faults(options.seed + i) for i, name in enumerate(CAMERAS)}
        self._streams: set[asyncio.Task[Any]] = set()
        self._frame_no = 0

    async def start(self) -> dict[str, Any]:
        for name in CAMERAS:
            await self._listen(name)
        ready = await super().start()
        ready["urls"] = {name: f"http://127.0.0.1:{self.ports[name]}/stream.mjpg" for name in CAMERAS}
        return ready

    async def _listen(self, name: str) -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve_http(name, reader, writer)

        server = await asyncio.start_server(serve, "127.0.0.1", self.ports[name])
        self.ports[name] = server.sockets[0].getsockname()[1]
        self.servers[name] = server

    async def stop(self) -> None:
        for name in CAMERAS:
            await self._off(name)
        await super().stop()

    async def _off(self, name: str) -> None:
        server, self.servers[name] = self.servers[name], None
        if server is not None:
            server.close()
        mine = [t for t in self._streams if t.get_name() == name]
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)

    def frame(self, name: str) -> bytes:
        self._frame_no += 1
        s = self.scene
        if name == "plate":
            image = render.plate_frame(s["plate"], black=bool(s["black"]), dirty=bool(s["dirty"]), seed=self._frame_no)
        else:
            image = driver_photo(s["face_seed"], s["issue"])
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        return jpeg.tobytes() if ok else b""

    async def _serve_http(self, name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.set_name(name)
            self._streams.add(task)
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
            if path.startswith(b"/snapshot"):
                jpeg = self.frame(name)
                writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg))
                writer.write(jpeg)
            elif path.startswith(b"/stream"):
                await self._stream(name, writer)
            else:
                writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass  # the camera goes off line: end quietly (asyncio logs a cancelled connection handler)
        finally:
            self._streams.discard(task)
            writer.close()

    async def _stream(self, name: str, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\n"
            b"Content-Type: multipart/x-mixed-replace; boundary=" + BOUNDARY + b"\r\n\r\n"
        )
        while True:
            verdict = self.faults[name].apply("out", self.frame(name))
            if verdict.delay:
                await asyncio.sleep(verdict.delay)
            if verdict.data:
                head = b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                writer.write(head % len(verdict.data) + verdict.data + b"\r\n")
                await writer.drain()
                self.sent[name] += 1
            await asyncio.sleep(1.0 / self.fps)

    # -- control operations -----------------------------------------------------------------------------------

    async def op_scene(
        self,
        plate: str | None = None,
        black: bool = False,
        dirty: bool = False,
        face_seed: int | None = None,
        issue: str | None = None,
    ) -> dict[str, Any]:
        self.scene = {
            "plate": plate,
            "black": bool(black),
            "dirty": bool(dirty),
            "face_seed": None if face_seed is None else int(face_seed),
            "issue": issue,
        }
        return self.scene

    async def op_faults(self, endpoint: str = "plate", direction: str = "out", **spec: Any) -> dict[str, Any]:
        return await super().op_faults(endpoint, direction, **spec)

    async def op_disconnect(self, endpoint: str = "plate", seconds: float = 1.0) -> None:
        if endpoint not in CAMERAS or not 0 <= seconds <= 600:
            raise ValueError(f"endpoint is one of {CAMERAS}, seconds 0 to 600")
        self.spawn(self._away(endpoint, seconds))

    async def _away(self, name: str, seconds: float) -> None:
        await self._off(name)
        self.emit("disconnected", endpoint=name, seconds=seconds)
        await asyncio.sleep(seconds)
        with contextlib.suppress(OSError):
            await self._listen(name)
        self.emit("reconnected", endpoint=name)

    def reset(self) -> None:
        self.scene = {"plate": None, "black": False, "dirty": False, "face_seed": None, "issue": None}

    def state(self) -> dict[str, Any]:
        return {
            "scene": self.scene,
            "sent": dict(self.sent),
            "ports": dict(self.ports),
            "online": {n: s is not None for n, s in self.servers.items()},
        }
