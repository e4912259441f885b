"""The Evolis-style card printer command set, without I/O: commands to bytes, bytes to replies (host side), bytes
to commands (printer side, for the simulator), and card images to panel bitmaps and back.

Frames: a command is `ESC name[;param...] CR` in printable ASCII. `Db` (download a panel) carries a binary bitmap
whose length follows from the panel and its levels: `ESC Db;<panel>;<levels>;<bytes> CR`. A reply is printable
ASCII ended by CR: `OK`, `ERR <what>`, or a query's value. The command set carries no checksum: a decoder checks
syntax, sizes and characters, drops what does not fit, and never holds more than one maximal frame in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PilImage

ESC = 0x1B
CR = 0x0D
CARD_W, CARD_H = 1016, 648  # dots of a CR-80 card face at 300 dpi
MAX_HEADER = 64  # command text before the CR (or before a panel's bitmap)
MAX_REPLY = 128
PANELS: dict[str, tuple[int, ...]] = {"y": (256,), "m": (256,), "c": (256,), "k": (2,), "o": (2,)}

#: Error words in a reply or status -> the cause a CardPrinter reports.
CAUSES: dict[str, str] = {
    "FEEDER EMPTY": "feeder_empty",
    "NO CARD": "feeder_empty",
    "RIBBON ENDED": "ribbon_ended",
    "RIB": "ribbon_ended",
    "COVER OPEN": "cover_open",
    "MECHANICAL": "card_jam",
    "CARD JAM": "card_jam",
}
STATES = ("READY", "BUSY", "WARNING", "ERROR")

Image = np.ndarray[Any, np.dtype[np.uint8]]


def panel_bytes(levels: int) -> int:
    """Bytes of one panel bitmap: 1 bit a dot for 2 levels, 1 byte a dot for 256."""
    return CARD_W * CARD_H // 8 if levels == 2 else CARD_W * CARD_H


@dataclass(frozen=True)
class Command:
    name: str
    params: tuple[str, ...] = ()
    data: bytes = b""

    @property
    def text(self) -> str:
        return ";".join((self.name, *self.params))


@dataclass(frozen=True)
class Reply:
    text: str

    @property
    def ok(self) -> bool:
        return self.text == "OK"

    @property
    def error(self) -> bool:
        return self.text.startswith("ERR")


@dataclass(frozen=True)
class Garbage:
    """Bytes that made no frame: kept short for the log, counted by whoever reads them."""

    reason: str
    sample: bytes = b""


def _printable(text: bytes) -> bool:
    return all(0x20 <= b <= 0x7E for b in text)


def valid_name(name: str) -> bool:
    """A command name: 1 to 8 ASCII letters (what the encoder writes and the decoder accepts)."""
    return 1 <= len(name) <= 8 and name.isascii() and name.isalpha()


def encode(command: Command) -> bytes:
    """The bytes of one command. ValueError for a command that would not make a valid frame (our mistake)."""
    if not valid_name(command.name):
        raise ValueError(f"bad command name {command.name!r}")
    for p in command.params:
        if not p.isascii() or not _printable(p.encode()) or ";" in p:
            raise ValueError(f"bad parameter {p!r}")
    head = command.text.encode()
    if len(head) > MAX_HEADER:
        raise ValueError(f"command longer than {MAX_HEADER} bytes")
    if command.name == "Db":
        size = _panel_size(command.params)
        if size is None or len(command.data) != size:
            raise ValueError(f"Db {command.params}: bitmap of {len(command.data)} bytes, expected {size}")
        return bytes([ESC]) + head + b";" + command.data + bytes([CR])
    if command.data:
        raise ValueError(f"{command.name} carries no data")
    return bytes([ESC]) + head + bytes([CR])


def encode_reply(text: str) -> bytes:
    raw = text.encode("ascii")
    if not _printable(raw) or len(raw) > MAX_REPLY:
        raise ValueError(f"bad reply {text!r}")
    return raw + bytes([CR])


def _panel_size(params: tuple[str, ...]) -> int | None:
    if len(params) != 2 or params[0] not in PANELS or not params[1].isdigit():
        return None
    levels = int(params[1])
    return panel_bytes(levels) if levels in PANELS[params[0]] else None


class ReplyDecoder:
    """Host side: feed the printer's bytes, get `Reply`s and `Garbage`. Lines longer than `MAX_REPLY` are dropped
    up to their CR; a line with bytes outside printable ASCII is garbage."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skipping = False

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Reply | Garbage]:
        out: list[Reply | Garbage] = []
        parts = data.split(bytes([CR]))
        for i, part in enumerate(parts):
            if not self._skipping:
                if len(self._buf) + len(part) > MAX_REPLY:
                    out.append(Garbage("oversize reply", (bytes(self._buf) + part[:32])[:32]))
                    self._buf.clear()
                    self._skipping = True
                else:
                    self._buf += part
            if i == len(parts) - 1:
                break  # no CR after this part yet
            line = bytes(self._buf).strip(b"\n\x00")
            self._buf.clear()
            if self._skipping:
                self._skipping = False
            elif line and _printable(line):
                out.append(Reply(line.decode("ascii")))
            elif line:
                out.append(Garbage("non-ASCII reply", line[:32]))
        return out


class CommandDecoder:
    """Printer side: feed the host's bytes, get `Command`s and `Garbage`. Hunts for ESC after anything invalid."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._need = 0  # bytes of panel bitmap still expected (+1 for the CR), or 0 while reading text
        self._head: tuple[str, ...] = ()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Command | Garbage]:
        out: list[Command | Garbage] = []
        self._buf += data
        while self._buf:
            if self._need:
                if len(self._buf) < self._need:
                    break
                bitmap, end = bytes(self._buf[: self._need - 1]), self._buf[self._need - 1]
                del self._buf[: self._need]
                self._need = 0
                if end == CR:
                    out.append(Command(self._head[0], self._head[1:], bitmap))
                else:
                    out.append(Garbage("panel data not ended by CR"))
                continue
            if self._buf[0] != ESC:
                esc = self._buf.find(ESC)
                cut = len(self._buf) if esc < 0 else esc
                out.append(Garbage("bytes outside a frame", bytes(self._buf[: min(cut, 32)])))
                del self._buf[:cut]
                continue
            if not self._header(out):
                break
        return out

    def _header(self, out: list[Command | Garbage]) -> bool:
        """Read the text after an ESC; False when more bytes are needed."""
        limit = min(len(self._buf), MAX_HEADER + 2)
        for i in range(1, limit):
            b = self._buf[i]
            if b == CR:
                text = bytes(self._buf[1:i]).decode("ascii")
                del self._buf[: i + 1]
                name, *params = text.split(";")
                if valid_name(name) and name != "Db":
                    out.append(Command(name, tuple(params)))
                else:
                    out.append(Garbage("bad command", text.encode()[:32]))
                return True
            if b == ord(";") and self._buf[1:4] == b"Db;" and bytes(self._buf[1:i]).count(b";") == 2:
                head = tuple(bytes(self._buf[1:i]).decode("ascii").split(";"))
                del self._buf[: i + 1]
                size = _panel_size(head[1:])
                if size is None:
                    out.append(Garbage("bad panel", ";".join(head).encode()[:32]))
                    return True
                self._head, self._need = head, size + 1
                return True
            if not 0x20 <= b <= 0x7E:
                out.append(Garbage("control byte in command", bytes(self._buf[:i])[:32]))
                del self._buf[:i]
                return True
        if len(self._buf) > MAX_HEADER + 1:
            out.append(Garbage("oversize command", bytes(self._buf[:32])))
            del self._buf[:1]
            return True
        return False


def cause_of(text: str) -> str | None:
    """The CardPrinter cause named in a reply or status text, e.g. "ERR FEEDER EMPTY" -> "feeder_empty"."""
    words = text.upper()
    for prefix in ("ERROR", "ERR"):
        words = words.removeprefix(prefix)
    words = words.strip(" ;:")
    for key, cause in CAUSES.items():
        if words == key or words.startswith(key + " "):
            return cause
    return None


Box = tuple[int, int, int, int]  # x, y, width, height on the card face, in dots


def card_panels(card: Image, panels: str = "ymck", photo: Box | None = None) -> list[Command]:
    """The `Db` commands for a card face (648 x 1016 BGR): y, m, c at 256 levels (the complement of B, G, R) and
    k at 2 levels (resin black dots, packed 8 a byte) for the near-black text. The `photo` box is a photograph: on
    a colour card it is printed in y, m, c alone (resin black over its dark parts made solid black blotches of the
    hair and the suit); on a black-only card (`panels="k"`, the rest thresholded) it is error-diffused (Pillow's
    Floyd-Steinberg), so its greys stay greys."""
    if card.shape != (CARD_H, CARD_W, 3):
        raise ValueError(f"card face must be {CARD_H}x{CARD_W}x3, got {card.shape}")
    out: list[Command] = []
    grey = card.mean(axis=2)
    for panel in panels:
        if panel in "ymc":
            channel = {"y": 0, "m": 1, "c": 2}[panel]
            plane = (255 - card[:, :, channel]).astype(np.uint8)
            out.append(Command("Db", (panel, "256"), plane.tobytes()))
        elif panel == "k":
            black = grey < (48 if "c" in panels else 128)
            if photo is not None:
                x, y, w, h = _inside(photo)
                black[y : y + h, x : x + w] = False if "c" in panels else _dithered(grey[y : y + h, x : x + w])
            out.append(Command("Db", ("k", "2"), np.packbits(black, axis=None).tobytes()))
        else:
            raise ValueError(f"unknown panel {panel!r}")
    return out


def _inside(box: Box) -> Box:
    x, y, w, h = box
    x0, y0 = min(max(0, x), CARD_W), min(max(0, y), CARD_H)
    return x0, y0, max(0, min(CARD_W, x + w) - x0), max(0, min(CARD_H, y + h) - y0)


def _dithered(grey: np.ndarray[Any, np.dtype[Any]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Black dots for a grey picture, error-diffused: True where a dot is printed."""
    dots = PilImage.fromarray(grey.astype(np.uint8), "L").convert("1")  # Floyd-Steinberg by default
    out: np.ndarray[Any, np.dtype[np.bool_]] = ~np.asarray(dots, dtype=bool)
    return out


def panels_image(panels: dict[str, bytes]) -> Image:
    """What a card printed from these panels looks like (BGR), for the simulator's PNGs."""
    card = np.full((CARD_H, CARD_W, 3), 255, np.uint8)
    for panel, channel in (("y", 0), ("m", 1), ("c", 2)):
        if panel in panels:
            plane = np.frombuffer(panels[panel], np.uint8).reshape(CARD_H, CARD_W)
            card[:, :, channel] = 255 - plane
    if "k" in panels:
        black = np.unpackbits(np.frombuffer(panels["k"], np.uint8))[: CARD_W * CARD_H].reshape(CARD_H, CARD_W)
        card[black.astype(bool)] = 0
    return card
