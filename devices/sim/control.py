"""What every simulator shares: its JSON-lines control channel and the common control operations.

The control channel is a loopback TCP port. A client sends one JSON object a line, `{"id": 7, "op": "loop",
...}`, and gets `{"id": 7, "ok": true, "result": ...}` or `{"id": 7, "ok": false, "error": "..."}`; the simulator
also pushes `{"event": ...}` lines (a boom reached its limit, a card came out). Common operations: `state`,
`faults` (endpoint, direction and `FaultSpec` fields), `clear_faults`, `disconnect` (endpoint, seconds).
A simulator subclass adds `op_<name>` methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from devices.sim.endpoint import Endpoint
from devices.sim.faults import Faults

log = logging.getLogger(__name__)
MAX_LINE = 1 << 20


@dataclass
class SimOptions:
    lane: str = "L1"
    link: str = "tcp"  # "tcp" (socket:// URLs) or "pty" (pseudo-terminals behind symlinks in run_dir)
    run_dir: Path = Path("var/sim")
    speed: float = 1.0  # the lane clock's speed: the simulated world's durations are divided by it
    seed: int = 0
    pace_baud: int | None = None  # hold each chunk for its time on a line at this baud rate
    extra: dict[str, Any] = field(default_factory=dict)  # the simulator's own settings


class Simulator:
    kind: ClassVar[str] = "sim"

    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self.faults: dict[str, Faults] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.control_port = 0

    def seconds(self, lane_seconds: float) -> float:
        """Real seconds for a duration of the lane's clock."""
        return lane_seconds / self.options.speed

    def endpoint(self, name: str, peer: Any) -> Endpoint:
        faults = Faults(self.options.seed + len(self.faults))
        path = self.options.run_dir / f"{self.options.lane}-{self.kind}-{name}.tty"
        ep = Endpoint(f"{self.kind}.{name}", self.options.link, peer, faults, path, self.options.pace_baud)
        self.faults[name], self.endpoints[name] = faults, ep
        return ep

    async def start(self) -> dict[str, Any]:
        urls = {name: await ep.start() for name, ep in self.endpoints.items()}
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_LINE)
        self.control_port = self._server.sockets[0].getsockname()[1]
        return {"kind": self.kind, "lane": self.options.lane, "urls": urls, "control": f"127.0.0.1:{self.control_port}"}

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for ep in self.endpoints.values():
            await ep.stop()

    def spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the control channel --------------------------------------------------------------------------------

    def emit(self, event: str, **data: Any) -> None:
        line = json.dumps({"event": event, "kind": self.kind, **data}).encode() + b"\n"
        for writer in list(self._clients):
            if writer.is_closing():
                self._clients.discard(writer)
            else:
                writer.write(line)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while True:
                try:
                    raw = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    return  # a line over MAX_LINE: not a control client
                if not raw:
                    return
                writer.write(json.dumps(await self._answer(raw)).encode() + b"\n")
        except (OSError, ConnectionError):
            return
        finally:
            self._clients.discard(writer)
            writer.close()

    async def _answer(self, raw: bytes) -> dict[str, Any]:
        try:
            request = json.loads(raw)
            if not isinstance(request, dict):
                raise ValueError("a request is a JSON object")
        except ValueError as err:
            return {"id": None, "ok": False, "error": f"bad request: {err}"}
        rid, op = request.pop("id", None), request.pop("op", "")
        handler = getattr(self, f"op_{op}", None) if isinstance(op, str) and op.isidentifier() else None
        if handler is None:
            return {"id": rid, "ok": False, "error": f"unknown op {op!r}"}
        try:
            return {"id": rid, "ok": True, "result": await handler(**request)}
        except (TypeError, ValueError, KeyError) as err:
            return {"id": rid, "ok": False, "error": f"{op}: {err}"}

    # -- common operations -------------------------------------------------------------------------------

    async def op_ping(self) -> str:
        return "pong"

    async def op_state(self) -> dict[str, Any]:
        return {"faults": {name: f.state() for name, f in self.faults.items()}, **self.state()}

    def state(self) -> dict[str, Any]:
        return {}

    async def op_faults(self, endpoint: str = "line", direction: str = "out", **spec: Any) -> dict[str, Any]:
        return asdict(self.faults[endpoint].update(direction, **spec))

    async def op_clear_faults(self) -> None:
        for faults in self.faults.values():
            faults.clear()
        self.clear_device_faults()

    def clear_device_faults(self) -> None:
        """Device error states back to normal (subclasses)."""

    async def op_reset(self) -> dict[str, Any]:
        """Faults cleared and the device back to how it started (between tests)."""
        await self.op_clear_faults()
        self.reset()
        return await self.op_state()

    def reset(self) -> None:
        """The device's state as at start (subclasses)."""

    async def op_disconnect(self, endpoint: str = "line", seconds: float = 1.0) -> None:
        ep = self.endpoints[endpoint]
        if not 0 <= seconds <= 600:
            raise ValueError("seconds: 0 to 600")
        self.spawn(self._disconnect(ep, seconds))

    async def _disconnect(self, ep: Endpoint, seconds: float) -> None:
        self.emit("disconnected", endpoint=ep.name, seconds=seconds)
        with contextlib.suppress(OSError):
            await ep.disconnect(seconds)
        self.emit("reconnected", endpoint=ep.name)
