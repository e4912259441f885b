"""Serial links: a port opened by URL, owned by one worker thread that runs the driver's jobs in order.

`serial.serial_for_url` opens `/dev/ttyUSB0`, a simulator's pseudo-terminal, `socket://127.0.0.1:PORT` or
`loop://` alike. Blocking pyserial (or pymodbus) calls run in the worker with timeouts in real seconds (a line's
speed does not follow a demo's clock). The worker retries idempotent jobs only and publishes the link's health: ok
after an answer, degraded after a failed attempt, down when the port is gone or `down_after` attempts in a row
failed. A port that is lost, or that stopped answering (`down_after` failures in a row and no answer for
`reopen_after` seconds), is closed and reopened with backoff (doubling up to `backoff_max`, back to the first delay
after an answer). `exchange` drains the input until the line has been quiet (`devices.drain`) before each request;
on a link that is not healthy it waits for a quiet line even when nothing waits yet.
Jobs raise only errors of the device error tree.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import serial

from devices.base import Health
from devices.drain import drain, quiet_time
from devices.errors import DeviceError, DeviceTimeout, DeviceUnavailable, ProtocolError

log = logging.getLogger(__name__)
C = TypeVar("C")
T = TypeVar("T")
E = TypeVar("E")
HealthSink = Callable[[Health, str], None]
_Job = tuple[Callable[[C], Any], bool, concurrent.futures.Future[Any]]
_IDLE = object()
_line = threading.local()  # `suspect`: the worker running this thread's job has a link that is not healthy


@dataclass(frozen=True)
class LinkSettings:
    url: str
    baudrate: int = 9600
    timeout: float = 0.5  # seconds to wait for an answer
    retries: int = 2  # further attempts of an idempotent job
    backoff: float = 0.2  # first delay before reopening a lost or silent port; doubles up to backoff_max
    backoff_max: float = 2.0  # kept short: a link must answer again within seconds of the line clearing
    down_after: int = 3
    reopen_after: float = 2.0  # seconds a connection may go unanswered (once down) before it is closed and reopened

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("a link needs a URL or device path")
        if self.baudrate not in serial.Serial.BAUDRATES and not 300 <= self.baudrate <= 4_000_000:
            raise ValueError(f"unusable baud rate {self.baudrate}")
        if not 0.001 <= self.timeout <= 60 or not 0 <= self.retries <= 10:
            raise ValueError("timeout must be 0.001-60 s and retries 0-10")
        if not 0 < self.backoff <= self.backoff_max <= 600 or self.down_after < 1:
            raise ValueError("need 0 < backoff <= backoff_max <= 600 and down_after >= 1")
        if not 0 <= self.reopen_after <= 600:
            raise ValueError("reopen_after must be 0-600 s")

    def wire_seconds(self, nbytes: int) -> float:
        """Time `nbytes` take on the line at 8N1 (10 bits a byte)."""
        return nbytes * 10 / self.baudrate

    @property
    def quiet(self) -> float:
        """How long no byte may come for the line to count as quiet."""
        return quiet_time(self.baudrate)


class Backoff:
    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self.current = first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.most, self.current * 2)
        return delay

    def reset(self) -> None:
        self.current = self.first


def open_serial(settings: LinkSettings) -> Any:
    """Open the port; DeviceUnavailable when it cannot be opened."""
    try:
        port = serial.serial_for_url(settings.url, baudrate=settings.baudrate, timeout=0.02, write_timeout=10.0)
    except (OSError, ValueError) as err:
        raise DeviceUnavailable(settings.url, f"cannot open: {err}", "port_unavailable") from err
    return port


class Decoder(Protocol[E]):
    def feed(self, data: bytes) -> list[E]: ...


def exchange(
    port: Any, request: bytes, decoder: Decoder[E], accept: Callable[[E], T | None], timeout: float, name: str
) -> T:
    """Write `request` and read until `accept` takes an event from `decoder`; DeviceTimeout when nothing came,
    ProtocolError when only bytes that `accept` refused came. Before the request the line is drained: bytes
    waiting are read until the line has been quiet for four characters' time (20 ms at least), and when the line
    is suspect (in a link worker whose link is not healthy, or outside a worker) it waits for that quiet even if
    nothing waits yet, so stale answers and noise still on their way are dropped, not taken for the answer."""
    drain(port, name, timeout, wait=getattr(_line, "suspect", True))
    if request:
        port.write(request)
    deadline = time.monotonic() + timeout
    refused: E | None = None
    while time.monotonic() < deadline:
        waiting = port.in_waiting
        chunk = port.read(min(4096, max(1, waiting)))
        for event in decoder.feed(chunk) if chunk else ():
            taken = accept(event)
            if taken is not None:
                return taken
            refused = event
    if refused is not None:
        raise ProtocolError(name, f"no valid answer in {timeout:g} s (last: {refused})", "bad_answer")
    raise DeviceTimeout(name, f"no answer in {timeout:g} s", "no_answer")


class LinkWorker(Generic[C]):
    """One thread owns one connection `C` (a pyserial port, a pymodbus client). `run(job)` hands it a job;
    `tick` (if given) runs every `tick_interval` seconds while the worker is idle, e.g. to poll inputs."""

    def __init__(
        self,
        name: str,
        settings: LinkSettings,
        opener: Callable[[], C],
        closer: Callable[[C], None],
        health: HealthSink,
        on_open: Callable[[C], None] | None = None,
        tick: Callable[[C], None] | None = None,
        tick_interval: float = 0.05,
    ) -> None:
        self.name = name
        self.settings = settings
        self._opener, self._closer, self._on_open = opener, closer, on_open
        self._health_sink = health
        self._tick, self._tick_interval = tick, tick_interval
        self._jobs: queue.Queue[_Job[C] | object | None] = queue.Queue()
        self._conn: C | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._backoff = Backoff(settings.backoff, settings.backoff_max)
        self._reopen_at = 0.0
        self._failures = 0
        self._answered_at = 0.0  # when the connection last answered (or was opened)
        self.health = Health.OK
        self.opens = 0  # how often the port was opened (a reopen after a loss counts)

    # -- the event loop's side --------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._main, name=f"link:{self.name}", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._jobs.put(None)
        await asyncio.get_running_loop().run_in_executor(None, thread.join, 10.0)

    async def run(self, job: Callable[[C], T], idempotent: bool = False) -> T:
        """Run `job(connection)` in the worker; retried on timeouts and bad answers only if `idempotent`."""
        if self._thread is None:
            raise DeviceUnavailable(self.name, "link not started", "not_started")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((job, idempotent, future))
        return await asyncio.wrap_future(future)

    # -- the worker's side ------------------------------------------------------------------------------------

    def _main(self) -> None:
        next_tick = time.monotonic()
        try:
            while True:
                wait = max(0.0, next_tick - time.monotonic()) if self._tick else 0.5
                try:
                    item = self._jobs.get(timeout=wait)
                except queue.Empty:
                    item = _IDLE
                if item is None:
                    return
                if isinstance(item, tuple):
                    job, idempotent, future = item
                    if future.set_running_or_notify_cancel():
                        self._execute(job, idempotent, future)
                elif self._tick is not None:
                    next_tick = time.monotonic() + self._tick_interval
                    self._attempts(self._tick, idempotent=False, quiet=True)
                elif self._conn is None and time.monotonic() >= self._reopen_at:
                    self._connection(quiet=True)  # come back by itself once the port is there again
        finally:
            self._drop()

    def _execute(self, job: Callable[[C], Any], idempotent: bool, future: concurrent.futures.Future[Any]) -> None:
        try:
            future.set_result(self._attempts(job, idempotent))
        except BaseException as err:  # handed to the awaiting coroutine
            future.set_exception(err)

    def _attempts(self, job: Callable[[C], T], idempotent: bool, quiet: bool = False) -> T | None:
        tries = 1 + (self.settings.retries if idempotent else 0)
        for attempt in range(tries):
            conn = self._connection(quiet)
            if conn is None:
                return None
            try:
                _line.suspect = self.health is not Health.OK
                result = job(conn)
            except (DeviceTimeout, ProtocolError) as err:
                self._failed(str(err))
                if attempt + 1 >= tries:
                    if quiet:
                        return None
                    raise
            except DeviceUnavailable as err:
                self._lost(err.message)
                if attempt + 1 >= tries:
                    if quiet:
                        return None
                    raise
            except DeviceError:
                self._publish(Health.OK, "answering")
                if quiet:
                    return None
                raise
            except (OSError, serial.SerialException) as err:
                self._lost(f"connection lost: {err}")
                if attempt + 1 >= tries:
                    if quiet:
                        return None
                    raise DeviceUnavailable(self.name, f"connection lost: {err}", "connection_lost") from err
            else:
                self._failures = 0
                self._answered_at = time.monotonic()
                self._backoff.reset()
                self._publish(Health.OK, "answering")
                return result
        return None

    def _connection(self, quiet: bool = False) -> C | None:
        if self._conn is not None:
            return self._conn
        if quiet and time.monotonic() < self._reopen_at:
            return None
        conn: C | None = None
        try:
            conn = self._opener()
            if self._on_open is not None:
                _line.suspect = True  # what a fresh connection holds is not known
                self._on_open(conn)
        except (DeviceError, OSError, serial.SerialException) as err:
            if conn is not None:
                with contextlib.suppress(Exception):
                    self._closer(conn)
            self._reopen_at = time.monotonic() + self._backoff.next()
            self._publish(Health.DOWN, f"cannot open {self.settings.url}: {err}")
            if quiet:
                return None
            if isinstance(err, DeviceError):
                raise
            raise DeviceUnavailable(self.name, f"cannot open {self.settings.url}: {err}", "port_unavailable") from err
        self._conn = conn
        self.opens += 1
        self._answered_at = time.monotonic()
        return conn

    def _failed(self, why: str) -> None:
        self._failures += 1
        if self._failures < self.settings.down_after:
            self._publish(Health.DEGRADED, why)
            return
        silent = time.monotonic() - self._answered_at
        if silent < self.settings.reopen_after:
            self._publish(Health.DOWN, why)
            return
        # Not answering: a fresh connection is what clears what the port may hold (a converter's buffer full of
        # noise, a half-open socket), so close it and reopen with backoff.
        self._lost(f"{why}; no answer for {silent:.1f} s, reopening")

    def _lost(self, why: str) -> None:
        self._drop()
        self._reopen_at = time.monotonic() + self._backoff.next()
        self._publish(Health.DOWN, why)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                self._closer(conn)

    def _publish(self, health: Health, why: str) -> None:
        if health is self.health:
            return
        self.health = health
        log.info("link %s: %s (%s)", self.name, health.value, why)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._health_sink, health, why)
