"""The serial sign driver puts a prompt's lines where the lane laid them out: on a 2-line sign Bahasa Indonesia on
line 1 and English on line 2; on a bigger sign each language's lines on its half, blank lines sent blank."""

from __future__ import annotations

from devices.codecs import sign
from devices.sign_display import LedSign
from devices.transport import LinkSettings
from tests.conftest import RealTime


def _pages(frames: list[bytes]) -> list[tuple[int, str]]:
    out = []
    for frame in frames:
        decoded = sign.FrameDecoder().feed(frame)
        assert len(decoded) == 1 and isinstance(decoded[0], sign.Frame)
        page = decoded[0].page()
        assert page is not None
        out.append((page.line, page.text))
    return out


def test_each_language_goes_to_its_own_lines() -> None:
    led = LedSign("L1.display", RealTime(), LinkSettings("socket://127.0.0.1:9"))
    assert _pages(led.frames("SIM dicetak, 60 detik lagi", "Printing your SIM: 60 s")) == [
        (1, "SIM dicetak, 60 detik lagi"),
        (2, "Printing your SIM: 60 s"),
    ]
    four = _pages(led.frames("Serahkan e-KTP dan\nSIM lama", "Hand over e-KTP\n"))
    assert four == [(1, "Serahkan e-KTP dan"), (2, "SIM lama"), (3, "Hand over e-KTP"), (4, "")]
