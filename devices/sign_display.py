"""The lane's LED sign over RS-232/485, AM03127-style (codec: `devices.codecs.sign`).

Bahasa Indonesia goes to line 1 and English to line 2, page A of each, transliterated to what the sign can show.
A text of several lines ("\n" between them, as the lane lays a prompt out for a sign of more lines) takes that
many lines: Bahasa Indonesia the upper half, English as many below.
A page frame is idempotent (sending it twice shows the same text), so a lost or NACKed answer is retried.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from devices.base import Health, LaneDisplay, Timebase
from devices.codecs import sign
from devices.errors import ProtocolError
from devices.transport import LinkSettings, LinkWorker, exchange, open_serial


class LedSign(LaneDisplay):
    def __init__(
        self, name: str, timebase: Timebase, settings: LinkSettings, sign_id: int = 1, line_chars: int = 120
    ) -> None:
        super().__init__(name, timebase)
        if not 1 <= sign_id <= 0xFF:
            raise ValueError(f"sign id must be 1-255 (0 is broadcast, unanswered), got {sign_id}")
        self.settings = settings
        self.sign_id = sign_id
        self.line_chars = min(line_chars, sign.MAX_TEXT)
        self.link: LinkWorker[Any] = LinkWorker(
            name, settings, lambda: open_serial(settings), lambda port: port.close(), self._link_health
        )
        self.shown: tuple[str, str] = ("", "")  # what the sign shows, as sent

    async def start(self) -> None:
        self.link.start()

    async def stop(self) -> None:
        await self.link.stop()

    def _link_health(self, health: Health, why: str) -> None:
        self.set_health(health, why)

    def lines(self, indonesian: str, english: str) -> list[str]:
        """The text of each line of the sign, from line 1: each language's lines, the two halves alike."""
        upper, lower = indonesian.split("\n"), english.split("\n")
        half = max(len(upper), len(lower))
        pad = [""] * half
        return [sign.transliterate(text, self.line_chars) for text in (upper + pad)[:half] + (lower + pad)[:half]]

    def frames(self, indonesian: str, english: str) -> list[bytes]:
        pages = [sign.Page(line, "A", text) for line, text in enumerate(self.lines(indonesian, english)[:8], 1)]
        return [sign.encode_page(self.sign_id, page) for page in pages]

    async def poll_health(self) -> None:
        """The text on the sign sent again: a sign that lost it (a power cut) shows it again, and one that does
        not answer is down (through its link, and the DeviceError raised)."""
        if any(self.current):
            await self._show(*self.current)

    async def _show(self, indonesian: str, english: str) -> None:
        for frame in self.frames(indonesian, english):
            await self.link.run(partial(self._send, frame=frame), idempotent=True)
        lines = self.lines(indonesian, english)
        half = len(lines) // 2
        self.shown = ("\n".join(lines[:half]), "\n".join(lines[half:]))

    def _send(self, port: Any, frame: bytes) -> None:
        answer = exchange(port, frame, sign.AnswerDecoder(), lambda a: a, self.settings.timeout, self.name)
        if not answer.ack:
            raise ProtocolError(self.name, "sign answered NACK (frame damaged on the line)", "nack")
