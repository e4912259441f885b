"""Serial links through pyserial URLs (loop://, socket://, a missing device): answers, timeouts, retries for
idempotent jobs only, reopening a lost port with backoff, reopening a port that stopped answering, draining a
backlog of stale bytes until the line is quiet, and the health the link publishes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from devices.base import Health
from devices.codecs import evolis
from devices.drain import drain
from devices.errors import DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.printer_evolis import EvolisPrinter
from devices.transport import LinkSettings, LinkWorker, exchange, open_serial
from tests.conftest import RealTime


def _reply(event: evolis.Reply | evolis.Garbage) -> str | None:
    return event.text if isinstance(event, evolis.Reply) else None


def _query(port: Any) -> str:
    return exchange(port, b"\x1bRst\r", evolis.ReplyDecoder(), _reply, 0.3, "test")


class Peer:
    """A loopback TCP peer that answers each request line with what `answer(n)` says (None: silence). On each new
    connection it first sends the `backlog` packets, `gap` seconds apart (bytes held up on the way: the answers
    come after them, in order)."""

    def __init__(
        self, answer: Callable[[int], bytes | None], backlog: list[bytes] | None = None, gap: float = 0.004
    ) -> None:
        self.answer = answer
        self.backlog, self.gap = backlog or [], gap
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"socket://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            for packet in self.backlog:
                writer.write(packet)
                await writer.drain()
                await asyncio.sleep(self.gap)
            while line := await reader.readuntil(b"\r"):
                self.requests.append(line)
                reply = self.answer(len(self.requests))
                if reply is not None:
                    writer.write(reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    async def hang_up(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        self.writers.clear()
        await self.server.wait_closed()


def _worker(url: str, health: list[Health], retries: int = 2) -> LinkWorker[Any]:
    settings = LinkSettings(url, 115200, timeout=0.3, retries=retries, backoff=0.05, backoff_max=0.2)
    return LinkWorker(
        "test", settings, lambda: open_serial(settings), lambda p: p.close(), lambda h, why: health.append(h)
    )


def test_loop_url_echo_is_a_reply_to_itself() -> None:
    port = open_serial(LinkSettings("loop://", 9600))
    try:
        assert exchange(port, b"OK\r", evolis.ReplyDecoder(), _reply, 0.5, "t") == "OK"
        with pytest.raises(ProtocolError):  # our own ESC command echoed back is no valid answer
            _query(port)
    finally:
        port.close()


def test_a_printer_talking_to_its_own_echo_is_down_not_crashed() -> None:
    async def main() -> None:
        printer = EvolisPrinter("p", RealTime(), LinkSettings("loop://", 115200, timeout=0.1, retries=1))
        await printer.start()
        try:
            assert printer.health is Health.DOWN
        finally:
            await printer.stop()

    asyncio.run(main())


def test_idempotent_jobs_are_retried_and_others_are_not() -> None:
    async def main() -> None:
        peer = Peer(lambda n: b"READY\r" if n % 2 == 0 else None)  # every other request goes unanswered
        health: list[Health] = []
        worker = _worker(await peer.start(), health)
        worker.start()
        try:
            assert await worker.run(_query, idempotent=True) == "READY"
            assert len(peer.requests) == 2 and health == [Health.DEGRADED, Health.OK]
            with pytest.raises(DeviceTimeout):
                await worker.run(_query)  # request 3: unanswered, and not sent again
            assert len(peer.requests) == 3 and worker.health is Health.DEGRADED
        finally:
            await worker.stop()
            await peer.hang_up()

    asyncio.run(main())


def test_failures_in_a_row_make_the_link_down() -> None:
    async def main() -> None:
        peer = Peer(lambda n: None)
        health: list[Health] = []
        worker = _worker(await peer.start(), health, retries=2)
        worker.start()
        try:
            with pytest.raises(DeviceTimeout):
                await worker.run(_query, idempotent=True)
            assert len(peer.requests) == 3 and health == [Health.DEGRADED, Health.DOWN]
        finally:
            await worker.stop()
            await peer.hang_up()

    asyncio.run(main())


def test_a_lost_port_is_reopened_with_backoff_and_health_follows() -> None:
    async def main() -> None:
        peer = Peer(lambda n: b"READY\r")
        health: list[Health] = []
        worker = _worker(await peer.start(), health)
        worker.start()
        try:
            assert await worker.run(_query, idempotent=True) == "READY"
            await peer.hang_up()
            with pytest.raises(DeviceUnavailable):
                await worker.run(_query, idempotent=True)
            assert worker.health is Health.DOWN
            await peer.start()  # the device is back on the same port
            for _ in range(50):  # the idle worker reopens by itself
                if worker.opens >= 2:
                    break
                await asyncio.sleep(0.05)
            assert await worker.run(_query, idempotent=True) == "READY"
            assert (worker.opens, worker.health, health[-1]) == (2, Health.OK, Health.OK)
        finally:
            await worker.stop()
            await peer.hang_up()

    asyncio.run(main())


def test_a_backlog_of_stale_answers_is_drained_until_the_line_is_quiet() -> None:
    """Stale answers still trickling in (packets a few ms apart, as from a serial-to-Ethernet converter) are read
    and dropped until none came for four characters' time; what was there at one instant is not enough."""

    async def main() -> None:
        peer = Peer(lambda n: b"READY\r", backlog=[b"BUSY\r"] * 40)
        url = await peer.start()
        port = await asyncio.to_thread(open_serial, LinkSettings(url, 1200))  # quiet after 33 ms
        try:
            query = partial(exchange, port, b"\x1bRst\r", evolis.ReplyDecoder(), _reply, 2.0, "test")
            assert await asyncio.to_thread(query) == "READY"
            assert peer.requests == [b"\x1bRst\r"]
        finally:
            port.close()
            await peer.hang_up()

    asyncio.run(main())


def test_drain_reads_what_waits_and_gives_up_on_a_line_that_never_goes_quiet() -> None:
    port = open_serial(LinkSettings("loop://", 9600))
    try:
        assert drain(port, "t", 1.0, wait=False) == 0  # nothing waiting: no wait at all
        port.write(bytes(range(200)) * 20)
        assert drain(port, "t", 1.0, wait=False) == 4000 and port.in_waiting == 0
        assert port.timeout == 0.02  # the port's own timeout is given back
    finally:
        port.close()

    async def main() -> None:
        peer = Peer(lambda n: b"READY\r", backlog=[b"\x55\xaa" * 50] * 500, gap=0.002)  # a second of noise
        url = await peer.start()
        port = await asyncio.to_thread(open_serial, LinkSettings(url, 9600))
        try:
            with pytest.raises(DeviceTimeout) as err:
                await asyncio.to_thread(drain, port, "t", 0.3, 0.2)
            assert err.value.cause == "line_noise"
        finally:
            port.close()
            await peer.hang_up()

    asyncio.run(main())


def test_a_connection_that_stopped_answering_is_closed_and_reopened() -> None:
    """A half-open link (a converter that rebooted, a line full of noise) only times out; once down and silent
    for `reopen_after` seconds (2 s) the worker closes it and answers come back on a fresh connection."""

    async def main() -> None:
        peer = Peer(lambda n: b"READY\r" if len(peer.writers) > 1 else None)  # the first connection is dead
        health: list[Health] = []
        worker = _worker(await peer.start(), health, retries=0)
        worker.start()
        try:
            answer = None
            for _ in range(40):  # 12 s at most; it takes about 2.5 s
                try:
                    answer = await worker.run(_query)
                    break
                except DeviceTimeout:
                    pass
            assert answer == "READY" and worker.opens == 2
            assert health[:2] == [Health.DEGRADED, Health.DOWN] and health[-1] is Health.OK
        finally:
            await worker.stop()
            await peer.hang_up()

    asyncio.run(main())


def test_a_missing_device_is_unavailable() -> None:
    async def main() -> None:
        health: list[Health] = []
        worker = _worker("/dev/ttyDOES-NOT-EXIST", health)
        worker.start()
        try:
            with pytest.raises(DeviceUnavailable) as err:
                await worker.run(_query, idempotent=True)
            assert err.value.cause == "port_unavailable" and health == [Health.DOWN]
        finally:
            await worker.stop()

    asyncio.run(main())


BAD_SETTINGS = [
    {"url": ""},
    {"url": "loop://", "timeout": 0},
    {"url": "loop://", "retries": -1},
    {"url": "loop://", "baudrate": 12},
    {"url": "loop://", "backoff": 9, "backoff_max": 1},
    {"url": "loop://", "reopen_after": -1},
]


@pytest.mark.parametrize("bad", BAD_SETTINGS)
def test_link_settings_are_checked(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        LinkSettings(**bad)


def test_wire_time_is_ten_bits_a_byte() -> None:
    assert LinkSettings("loop://", 9600).wire_seconds(96) == pytest.approx(0.1)
