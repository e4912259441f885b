"""The controller's local command channel: a Unix socket next to the database that takes one JSON command a line
and answers one JSON line. The console sends operator commands through it (they take the same path as every
other command, `Site.execute`, and land in the audit table); it also tells the site clock's time, so a console
shows the time a sped-up demo runs on. Lines are bounded; a malformed one gets an error answer, never a crash."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from lane.commands import Action, Command, Outcome

MAX_LINE = 64 * 1024


def socket_path(db: Path) -> Path:
    """Where the controller of database `db` listens: `var/lane.db` -> `var/lane.sock`."""
    return db.with_suffix(".sock")


def to_wire(cmd: Command) -> dict[str, Any]:
    return {"op": "command", "lane": cmd.lane, "action": cmd.action.value, "operator": cmd.operator,
            "reason": cmd.reason, "plate": cmd.plate, "receipt": cmd.receipt, "data": cmd.data}  # fmt: skip


def from_wire(msg: dict[str, Any]) -> Command:
    data = msg.get("data") or {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError("data must map names to text")
    fields = {k: msg.get(k, "") for k in ("lane", "operator", "reason", "plate", "receipt")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("lane, operator, reason, plate and receipt are text")
    return Command(action=Action(str(msg.get("action"))), data=data, **fields)


class ControlServer:
    def __init__(self, path: Path, execute: Callable[[Command], Awaitable[Outcome]], now: Callable[[], datetime]):
        self.path = path
        self.execute = execute
        self.now = now
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a controller that did not stop cleanly
        self._server = await asyncio.start_unix_server(self._client, str(self.path), limit=MAX_LINE)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    line = await reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    await self._send(writer, {"ok": False, "message": f"line longer than {MAX_LINE} bytes"})
                    break
                if not line:
                    break
                await self._send(writer, await self._answer(line))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            msg = json.loads(line)
            if not isinstance(msg, dict):
                raise ValueError("a JSON object")
            if msg.get("op") == "clock":
                return {"ok": True, "now": self.now().isoformat()}
            if msg.get("op") != "command":
                raise ValueError("op is 'command' or 'clock'")
            cmd = from_wire(msg)
        except (ValueError, TypeError) as err:
            return {"ok": False, "message": f"bad request: {err}"}
        outcome = await self.execute(cmd)
        return {"ok": outcome.ok, "message": outcome.message}

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, answer: dict[str, Any]) -> None:
        writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        await writer.drain()


def call(path: Path, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """One request to a controller, from a thread (the console's workers); raises OSError when none listens."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the controller closed the connection")
            buf += chunk
    answer: dict[str, Any] = json.loads(buf)
    return answer


def send(path: Path, cmd: Command, timeout: float = 10.0) -> Outcome:
    try:
        answer = call(path, to_wire(cmd), timeout)
    except (OSError, ValueError) as err:
        return Outcome(False, f"no controller at {path}: {err}")
    return Outcome(bool(answer.get("ok")), str(answer.get("message", "")))
