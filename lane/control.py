"""The controller's local command channel: a Unix socket next to the database that takes one JSON request a line
and answers one JSON line. The console logs in through it and sends operator commands (they take the same path as
every other command, `Site.execute`, and land in the audit table); it also tells the site clock's time, so a
console shows the time a sped-up demo runs on.

Who may connect: the socket is mode 0660, owned by the configured group (`[control] group`, else the controller's
own): it is bound inside a fresh private directory (0700), given its group and mode there, then moved into place,
so it is never reachable with a wider mode. Who may act: `{"op": "login", "officer", "pin"}` answers a session
token (lane/officers.py); every command carries it (`token`), and the command's operator is the session's officer,
whatever the request says. A command without a live session is refused and audited. What a client may send is
bounded (lane/limits.py); a malformed request gets an error answer, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import json
import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path
from typing import Any, Protocol

from lane import limits, wire
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.errors import Refused
from lane.officers import SESSION_LAPSED, Officers, check_pin


class Controlled(Protocol):
    """What the socket serves: lane.site.Site."""

    clock: Clock
    officers: Officers

    async def execute(self, cmd: Command) -> Outcome: ...

    def audit(self, lane: str, operator: str, action: str, args: dict[str, Any], result: str, message: str) -> None: ...


class ControlError(SystemExit):
    """The socket cannot be made as configured (a group this process may not give it): the program stops with one
    line saying why (a SystemExit: no traceback, exit code 1), after stopping what had started."""


def socket_path(db: Path) -> Path:
    """Where the controller of database `db` listens: `var/lane.db` -> `var/lane.sock`."""
    return db.with_suffix(".sock")


def to_wire(cmd: Command, token: str) -> dict[str, Any]:
    """The request of command `cmd` under session `token` (checked by the controller, not here)."""
    request = wire.CommandRequest.model_construct(
        op="command",
        token=token,
        lane=cmd.lane,
        action=cmd.action.value,
        reason=cmd.reason,
        plate=cmd.plate,
        receipt=cmd.receipt,
        data=wire.CommandData.model_construct(None, **cmd.data),
    )
    return request.model_dump(exclude_unset=True)


def from_wire(msg: dict[str, Any], operator: str) -> Command:
    """The command of request `msg`, sent by `operator` (the session's officer: never a field of the request)."""
    request = wire.request(msg)
    if not isinstance(request, wire.CommandRequest):
        raise ValueError("op is 'command'")
    return _command(request, operator)


def _command(request: wire.CommandRequest, operator: str) -> Command:
    try:
        action = Action(request.action)
    except ValueError:
        raise ValueError(f"unknown action {request.action!r}") from None
    return Command(
        lane=request.lane,
        action=action,
        operator=operator,
        reason=request.reason,
        plate=request.plate,
        receipt=request.receipt,
        data=request.fields(),
    )


class ControlServer:
    def __init__(self, path: Path, site: Controlled, group: str | None = None) -> None:
        self.path = path
        self.site = site
        self.group = group
        self._server: asyncio.AbstractServer | None = None
        self._clients = 0

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.start_unix_server(self._client, sock=self._bind(), limit=limits.MAX_LINE)

    def _bind(self) -> socket.socket:
        """The listening socket, already at `path` with its group and mode 0660 (see the module's header)."""
        gid = grp.getgrnam(self.group).gr_gid if self.group else os.getgid()
        private = tempfile.mkdtemp(prefix=".sock-", dir=self.path.parent)  # mode 0700
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(os.path.join(private, "s"))
            os.chown(os.path.join(private, "s"), -1, gid)
            os.chmod(os.path.join(private, "s"), 0o660)
            os.replace(os.path.join(private, "s"), self.path)  # over a socket left by a controller that died
        except OSError as err:
            sock.close()
            raise ControlError(
                f"lane: control socket {self.path}: cannot give it to group {self.group or gid}: {err.strerror}"
            ) from err
        finally:
            shutil.rmtree(private, ignore_errors=True)
        return sock

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(_peer(writer))
        self._clients += 1
        try:
            if self._clients > limits.MAX_CLIENTS:
                await self._send(writer, wire.Answer(ok=False, message=f"more than {limits.MAX_CLIENTS} connections"))
                return
            while True:
                try:
                    line = await reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    await self._send(writer, wire.Answer(ok=False, message=f"line longer than {limits.MAX_LINE} bytes"))
                    break
                if not line:
                    break
                if not conn.bucket.take():
                    await self._send(
                        writer, wire.Answer(ok=False, message=f"too many requests: at most {limits.RATE:g} a second")
                    )
                    continue
                self._summarise(conn)
                await self._send(writer, await self._answer(line, conn))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients -= 1
            self._summarise(conn)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _summarise(self, conn: _Connection) -> None:
        """One audit row for the requests refused by the rate limit since the last one."""
        if conn.bucket.refused:
            n, conn.bucket.refused = conn.bucket.refused, 0
            self.site.audit(
                "*",
                conn.officer,
                "rate_limit",
                {"peer": conn.peer, "refused": n},
                "refused",
                f"{n} requests over {limits.RATE:g} a second refused",
            )

    async def _answer(self, line: bytes, conn: _Connection) -> wire.Answer:
        try:
            if limits.nesting(line) > limits.MAX_DEPTH:
                raise ValueError(f"JSON nested deeper than {limits.MAX_DEPTH}")
            msg = json.loads(line)
            if not isinstance(msg, dict):
                raise ValueError("a JSON object")
            request = wire.request(msg)
            if isinstance(request, wire.Clock):
                return wire.ClockAnswer(ok=True, now=self.site.clock.wall().isoformat())
            if isinstance(request, wire.Login):
                return await self._login(request.officer, request.pin, conn)
            officer = self.site.officers.session(request.token) if request.token else None
            if isinstance(request, wire.Logout):
                self.site.officers.logout(request.token)
                return wire.Answer(ok=True, message="logged out")
            cmd = _command(request, officer.id if officer else "")
        except (ValueError, TypeError, RecursionError) as err:
            return wire.Answer(ok=False, message=f"bad request: {err}")
        if officer is None:
            why = SESSION_LAPSED if request.token else "no session: log in first"
            self.site.audit(cmd.lane or "*", "", cmd.action.value, {"peer": conn.peer}, "refused", why)
            return wire.Answer(ok=False, message=why)
        conn.officer = officer.id
        outcome = await self.site.execute(cmd)
        return wire.Answer(ok=outcome.ok, message=outcome.message)

    async def _login(self, officer_id: str, pin: str, conn: _Connection) -> wire.Answer:
        officers = self.site.officers
        try:
            row = officers.begin(officer_id)
            matches = await self.site.clock.run_blocking(check_pin, pin, row.pin_hash)  # ~50 ms, off the lanes
            officer, token = officers.finish(row, matches)
        except Refused as err:
            self.site.audit("*", officer_id, "login", {"peer": conn.peer}, "refused", str(err))
            return wire.Answer(ok=False, message=str(err))
        conn.officer = officer.id
        self.site.audit("*", officer.id, "login", {"peer": conn.peer, "role": officer.role.value}, "ok", "logged in")
        return wire.LoginAnswer(
            ok=True,
            token=token,
            officer=officer.id,
            role=officer.role.value,
            message=f"logged in as {officer.id} ({officer.role})",
        )

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, answer: wire.Answer) -> None:
        writer.write(json.dumps(answer.model_dump(), ensure_ascii=False).encode() + b"\n")
        await writer.drain()


class _Connection:
    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.officer = ""  # the last officer whose session this connection used (for the rate limit's row)
        self.bucket = limits.Bucket()


def _peer(writer: asyncio.StreamWriter) -> str:
    """The connecting process, as the kernel tells it (SO_PEERCRED): `pid=.. uid=.. gid=..`."""
    sock = writer.get_extra_info("socket")
    try:
        pid, uid, gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    except (OSError, AttributeError, struct.error):
        return "?"
    return f"pid={pid} uid={uid} gid={gid}"


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


class Client:
    """A console's link to the controller: log in once, then send commands under the session."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.token = ""

    def _call(self, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        try:
            return call(self.path, request, timeout)
        except (OSError, ValueError) as err:
            return {"ok": False, "message": f"no controller at {self.path}: {err}"}

    def login(self, officer: str, pin: str) -> Outcome:
        answer = self._call({"op": "login", "officer": officer, "pin": pin}, timeout=30.0)
        self.token = str(answer.get("token", "")) if answer.get("ok") else ""
        return Outcome(bool(answer.get("ok")), str(answer.get("message", "")))

    def send(self, cmd: Command) -> Outcome:
        answer = self._call(to_wire(cmd, self.token))
        return Outcome(bool(answer.get("ok")), str(answer.get("message", "")))

    def logout(self) -> None:
        if self.token:
            self._call({"op": "logout", "token": self.token}, timeout=2.0)
            self.token = ""
