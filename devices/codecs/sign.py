"""AM03127-style LED lane sign frames, without I/O: text to frames (host side), bytes to frames (sign side, for
the simulator), bytes to ACK/NACK (host side), and the transliteration of text the sign cannot show.

A frame is ASCII: `<ID` + two hex digits (the sign's id, 01-FF; 00 is broadcast and gets no answer) + `>` + body +
two upper-case hex digits (XOR of the body's bytes) + `<E>`. A page body is `<Ln><Px><Fl><Mm><Ww><Fg>text`: line
1-8, page A-Z, lead effect, display method, wait, lag effect (each one letter A-Z). The sign answers `ACK` for a
good frame and `NACK` for a bad checksum. Text is printable ASCII without `<` and `>` (they open tags).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_FRAME = 512  # bytes from `<ID` to `<E>`
MAX_TEXT = 250
_START = b"<ID"
_END = b"<E>"
_PAGE = re.compile(r"<L([1-8])><P([A-Z])><F([A-Z])><M([A-Z])><W([A-Z])><F([A-Z])>(.*)", re.DOTALL)

#: Characters a plain NFKD decomposition does not bring to ASCII.
_TABLE = str.maketrans({
    "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "*", "≤": " max ", "≥": " min ",
    "<": "(", ">": ")", "×": "x", "·": ".", "€": "EUR", "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O",
    "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "\u00a0": " ",
})  # fmt: skip


def checksum(body: bytes) -> str:
    value = 0
    for b in body:
        value ^= b
    return f"{value:02X}"


def transliterate(text: str, limit: int = MAX_TEXT) -> str:
    """What the sign can show of `text`: ASCII letters for accented ones, ( ) for < >, ? for the rest, control
    characters as spaces, runs of spaces as one, cut to `limit` characters with "..." at the end."""
    text = text.translate(_TABLE)
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and ch.isprintable():
            out.append(ch)
        elif ch.isspace() or unicodedata.category(ch).startswith("C"):
            out.append(" ")
        else:
            out.append("?")
    shown = " ".join("".join(out).translate(_TABLE).split())
    return shown if len(shown) <= limit else shown[: max(0, limit - 3)] + "..."


@dataclass(frozen=True)
class Page:
    line: int
    page: str
    text: str
    lead: str = "A"
    method: str = "A"
    wait: str = "C"
    lag: str = "A"

    def body(self) -> bytes:
        if not 1 <= self.line <= 8 or not all(len(x) == 1 and "A" <= x <= "Z" for x in self._letters()):
            raise ValueError(f"bad page settings {self}")
        if transliterate(self.text, MAX_TEXT) != self.text:
            raise ValueError(f"text the sign cannot show as is: {self.text!r} (transliterate it first)")
        head = f"<L{self.line}><P{self.page}><F{self.lead}><M{self.method}><W{self.wait}><F{self.lag}>"
        return (head + self.text).encode("ascii")

    def _letters(self) -> tuple[str, ...]:
        return (self.page, self.lead, self.method, self.wait, self.lag)


def encode(sign_id: int, body: bytes) -> bytes:
    if not 0 <= sign_id <= 0xFF:
        raise ValueError(f"sign id {sign_id} out of range")
    frame = f"<ID{sign_id:02X}>".encode() + body + checksum(body).encode() + _END
    if len(frame) > MAX_FRAME:
        raise ValueError(f"frame of {len(frame)} bytes, the sign takes at most {MAX_FRAME}")
    return frame


def encode_page(sign_id: int, page: Page) -> bytes:
    return encode(sign_id, page.body())


@dataclass(frozen=True)
class Frame:
    sign_id: int
    body: bytes

    def page(self) -> Page | None:
        m = _PAGE.fullmatch(self.body.decode("ascii"))
        if m is None:
            return None
        line, page, lead, method, wait, lag, text = m.groups()
        return Page(int(line), page, text, lead, method, wait, lag)


@dataclass(frozen=True)
class BadFrame:
    reason: str
    sign_id: int | None = None  # known when the frame was whole but wrong (the sign answers NACK)


class FrameDecoder:
    """Sign side: feed bytes, get `Frame`s (checksum good) and `BadFrame`s. Hunts for `<ID` after anything else;
    never holds more than `MAX_FRAME` bytes."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        out: list[Frame | BadFrame] = []
        self._buf += data
        while True:
            start = self._buf.find(_START)
            if start < 0:
                keep = 2 if self._buf.endswith(b"<I") else 1 if self._buf.endswith(b"<") else 0
                del self._buf[: len(self._buf) - keep]
                break
            del self._buf[:start]
            end = self._buf.find(_END, 3, MAX_FRAME)
            restart = self._buf.find(_START, 3, end if end >= 0 else MAX_FRAME)
            if restart >= 0:
                out.append(BadFrame("frame cut short by a new frame"))
                del self._buf[:restart]
                continue
            if end < 0:
                if len(self._buf) >= MAX_FRAME:
                    out.append(BadFrame("oversize frame"))
                    del self._buf[:3]
                    continue
                break
            raw = bytes(self._buf[: end + len(_END)])
            del self._buf[: end + len(_END)]
            out.append(_parse(raw))
        return out


def _parse(raw: bytes) -> Frame | BadFrame:
    if len(raw) < 11 or raw[5:6] != b">":
        return BadFrame("bad header")
    try:
        sign_id = int(raw[3:5].decode("ascii"), 16)
    except ValueError:
        return BadFrame("bad sign id")
    body, check = raw[6:-5], raw[-5:-3]
    if not all(0x20 <= b <= 0x7E for b in body):
        return BadFrame("non-ASCII body", sign_id)
    if check.upper() != checksum(body).encode() or check != check.upper():
        return BadFrame("bad checksum", sign_id)
    return Frame(sign_id, body)


@dataclass(frozen=True)
class Answer:
    ack: bool


class AnswerDecoder:
    """Host side: feed the sign's bytes, get `Answer(ack=True)` for ACK and `Answer(ack=False)` for NACK; other
    bytes are skipped (at most 3 held)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[Answer]:
        out: list[Answer] = []
        self._buf += data
        i = 0
        while i < len(self._buf):
            rest = self._buf[i:]
            if rest.startswith(b"NACK"):
                out.append(Answer(False))
                i += 4
            elif rest.startswith(b"ACK"):
                out.append(Answer(True))
                i += 3
            elif b"NACK".startswith(rest) or b"ACK".startswith(rest):
                break  # maybe the start of an answer: wait for more
            else:
                self.skipped += 1
                i += 1
        del self._buf[:i]
        return out
