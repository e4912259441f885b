"""A simulator's end of the line: a pseudo-terminal (behind a stable symlink, like socat's `pty,link=`) or a
loopback TCP port, with the line's faults applied both ways, optional pacing at a baud rate both ways (a
pseudo-terminal does not pace), and "disconnect and come back": the pty or the port goes away for a while and
returns at the same path or port. Each connection gets its own `Peer` (the device's protocol side); bytes to a
peer arrive in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import tty
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from devices.sim.faults import Faults

Send = Callable[[bytes], None]


class Peer(Protocol):
    async def open(self, send: Send) -> None: ...

    async def feed(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


class _Line:
    """The outbound side of one connection: faults, delay and pacing, then the write, in order."""

    def __init__(self, write: Callable[[bytes], Awaitable[None]], faults: Faults, pace_baud: int | None) -> None:
        self.write = write
        self.faults = faults
        self.pace_baud = pace_baud
        self.queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(maxsize=1024)
        self.task = asyncio.get_running_loop().create_task(self._run())

    def send(self, data: bytes, raw: bool = False) -> None:
        verdict = self.faults.apply("out", data) if not raw else None
        if verdict is not None and verdict.data is None:
            return
        item = (0.0, data) if verdict is None else (verdict.delay, verdict.data or b"")
        with contextlib.suppress(asyncio.QueueFull):  # a line nobody reads loses bytes, like a real one
            self.queue.put_nowait(item)

    async def _run(self) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while True:
                delay, data = await self.queue.get()
                if delay:
                    await asyncio.sleep(delay)
                if self.pace_baud:
                    await asyncio.sleep(len(data) * 10 / self.pace_baud)
                await self.write(data)

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


class Endpoint:
    def __init__(
        self,
        name: str,
        link: str,
        peer: Callable[[], Peer],
        faults: Faults,
        path: Path | None = None,
        pace_baud: int | None = None,
    ) -> None:
        if link not in ("pty", "tcp"):
            raise ValueError("link is pty or tcp")
        if link == "pty" and path is None:
            raise ValueError("a pty endpoint needs a path for its symlink")
        self.name, self.link, self.path = name, link, path
        self.make_peer = peer
        self.faults = faults
        self.pace_baud = pace_baud
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._lines: set[_Line] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pty: tuple[int, int] | None = None
        self._flood: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return str(self.path) if self.link == "pty" else f"socket://127.0.0.1:{self.port}"

    async def start(self) -> str:
        if self.link == "tcp":
            self._server = await asyncio.start_server(self._serve_tcp, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]
        else:
            await self._open_pty()
        if self._flood is None:
            self._flood = asyncio.get_running_loop().create_task(self._flooding())
        return self.url

    async def stop(self) -> None:
        if self._flood is not None:
            self._flood.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flood
            self._flood = None
        await self._hang_up()

    async def disconnect(self, seconds: float) -> None:
        """Drop the line now; it comes back after `seconds`."""
        await self._hang_up()
        await asyncio.sleep(seconds)
        await self.start()

    async def _hang_up(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._pty is not None:
            master, slave = self._pty
            self._pty = None
            asyncio.get_running_loop().remove_reader(master)
            if self.path is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
            for fd in (master, slave):
                with contextlib.suppress(OSError):
                    os.close(fd)

    # -- TCP ---------------------------------------------------------------------------------------------------

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)

        async def write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        try:
            await self._session(reader.read, write)
        except asyncio.CancelledError:
            pass  # hung up: end quietly (asyncio logs a cancelled connection handler)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(OSError, ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    # -- pseudo-terminal -----------------------------------------------------------------------------------------

    async def _open_pty(self) -> None:
        assert self.path is not None
        master, slave = pty.openpty()
        tty.setraw(slave)  # no echo, no line editing, even before the controller opens it
        os.set_blocking(master, False)
        self._pty = (master, slave)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)
        inbound: asyncio.Queue[bytes] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def readable() -> None:
            with contextlib.suppress(BlockingIOError, OSError):
                inbound.put_nowait(os.read(master, 65536))

        async def read(_n: int) -> bytes:
            return await inbound.get()

        async def write(data: bytes) -> None:
            view = memoryview(data)
            waited = 0.0
            while view and waited < 1.0:
                try:
                    view = view[os.write(master, view) :]
                except BlockingIOError:
                    await asyncio.sleep(0.002)
                    waited += 0.002

        loop.add_reader(master, readable)
        task = loop.create_task(self._session(read, write))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- both ----------------------------------------------------------------------------------------------------

    async def _session(
        self, read: Callable[[int], Awaitable[bytes]], write: Callable[[bytes], Awaitable[None]]
    ) -> None:
        self.connections += 1
        line = _Line(write, self.faults, self.pace_baud)
        self._lines.add(line)
        peer = self.make_peer()
        try:
            await peer.open(line.send)
            while True:
                data = await read(65536)
                if not data:
                    return
                if self.pace_baud:  # the request's own time on the line, as if it came at the baud rate
                    await asyncio.sleep(len(data) * 10 / self.pace_baud)
                verdict = self.faults.apply("in", data)
                if verdict.data is None:
                    continue
                if verdict.delay:
                    await asyncio.sleep(verdict.delay)
                await peer.feed(verdict.data)
        except (OSError, ConnectionError):
            return
        finally:
            self._lines.discard(line)
            await line.close()
            await peer.close()

    async def _flooding(self) -> None:
        while True:
            rate = self.faults.specs["out"].flood
            if rate:
                for line in list(self._lines):
                    line.send(self.faults.noise(max(1, rate // 20)), raw=True)
            await asyncio.sleep(0.05)
