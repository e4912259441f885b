"""A simulated AM03127-style LED sign: it decodes frames with `devices.codecs.sign`, shows (records) each page
addressed to its id, answers ACK, answers NACK to a whole frame with a bad checksum, and ignores other bytes
and other signs' frames (an RS-485 line may carry several). Id 00 is broadcast: shown, not answered.
"""

from __future__ import annotations

import time
from typing import Any

from devices.codecs import sign
from devices.sim.control import SimOptions, Simulator
from devices.sim.endpoint import Send


class _SignPeer:
    def __init__(self, sim: SignSim) -> None:
        self.sim = sim
        self.decoder = sign.FrameDecoder()
        self.send: Send = lambda data: None

    async def open(self, send: Send) -> None:
        self.send = send

    async def feed(self, data: bytes) -> None:
        for event in self.decoder.feed(data):
            answer = self.sim.take(event)
            if answer:
                self.send(answer)

    async def close(self) -> None:
        """Nothing held per connection."""


class SignSim(Simulator):
    kind = "sign"

    def __init__(self, options: SimOptions) -> None:
        super().__init__(options)
        self.sign_id = int(options.extra.get("sign_id", 1))
        self.pages: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []
        self.frames = 0
        self.nacks = 0
        self.bad = 0
        self.endpoint("line", lambda: _SignPeer(self))

    def take(self, event: sign.Frame | sign.BadFrame) -> bytes:
        """Show a frame; the bytes to answer (empty: no answer)."""
        if isinstance(event, sign.BadFrame):
            self.bad += 1
            if event.sign_id == self.sign_id:
                self.nacks += 1
                return b"NACK"
            return b""
        if event.sign_id not in (self.sign_id, 0):
            return b""
        page = event.page()
        if page is None:
            self.bad += 1
            return b"NACK" if event.sign_id else b""
        self.frames += 1
        self.pages[f"{page.line}{page.page}"] = page.text
        entry = {"line": page.line, "page": page.page, "text": page.text, "at": time.time()}
        self.history = [*self.history[-199:], entry]
        self.emit("show", line=page.line, page=page.page, text=page.text)
        return b"ACK" if event.sign_id else b""

    def reset(self) -> None:
        self.pages, self.history = {}, []

    def lines(self) -> list[str]:
        return [self.pages.get(f"{line}A", "") for line in (1, 2)]

    def state(self) -> dict[str, Any]:
        return {
            "lines": self.lines(),
            "pages": dict(self.pages),
            "history": self.history[-20:],
            "frames": self.frames,
            "nacks": self.nacks,
            "bad": self.bad,
        }
