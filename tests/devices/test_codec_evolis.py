"""The Evolis-style codec: byte literals for each frame and each way a stream goes wrong, then random and mutated
bytes (hypothesis): no decoder raises, none holds more than one maximal frame, every frame it yields is valid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from devices.codecs import evolis
from devices.codecs.evolis import CARD_H, CARD_W, Command, CommandDecoder, Garbage, Reply, ReplyDecoder

ESC, CR = b"\x1b", b"\r"


def test_commands_encode_as_esc_text_cr() -> None:
    assert evolis.encode(Command("Pem", ("2",))) == b"\x1bPem;2\r"
    assert evolis.encode(Command("Rst")) == b"\x1bRst\r"
    assert evolis.encode(Command("Rco", ("p",))) == b"\x1bRco;p\r"


def test_a_panel_carries_exactly_its_bitmap() -> None:
    k = bytes(evolis.panel_bytes(2))
    assert len(k) == CARD_W * CARD_H // 8 == 82296
    raw = evolis.encode(Command("Db", ("k", "2"), k))
    assert raw.startswith(b"\x1bDb;k;2;") and raw.endswith(CR) and len(raw) == 8 + 82296 + 1
    with pytest.raises(ValueError):
        evolis.encode(Command("Db", ("k", "2"), k[:-1]))
    with pytest.raises(ValueError):
        evolis.encode(Command("Db", ("q", "2"), k))


@pytest.mark.parametrize(
    "bad", [Command("R st"), Command("Rst", ("a;b",)), Command("Rst", ("\r",)), Command("Rst", data=b"x"), Command("")]
)
def test_we_never_send_a_broken_command(bad: Command) -> None:
    with pytest.raises(ValueError):
        evolis.encode(bad)


def test_replies_split_across_reads_and_among_garbage() -> None:
    d = ReplyDecoder()
    assert d.feed(b"O") == []
    assert d.feed(b"K\rERR FEEDER") == [Reply("OK")]
    out = d.feed(b" EMPTY\r\xff\xfe\r\rREADY\r")
    assert out == [Reply("ERR FEEDER EMPTY"), Garbage("non-ASCII reply", b"\xff\xfe"), Reply("READY")]
    assert Reply("OK").ok and Reply("ERR CDE").error


def test_an_oversize_reply_is_dropped_up_to_its_cr() -> None:
    d = ReplyDecoder()
    out = d.feed(b"x" * 100) + d.feed(b"y" * 100) + d.feed(b"zzz\rOK\r")
    assert [type(e) for e in out] == [Garbage, Reply] and out[1] == Reply("OK")
    assert d.buffered == 0


def test_commands_decode_from_a_hostile_stream() -> None:
    d = CommandDecoder()
    k = bytes(range(256)) * (evolis.panel_bytes(2) // 256) + bytes(evolis.panel_bytes(2) % 256)
    stream = b"noise" + ESC + b"Ss" + CR + ESC + b"Db;k;2;" + k + CR + ESC + b"R\x07st" + CR + ESC + b"Se" + CR
    events: list[Command | Garbage] = []
    for i in range(0, len(stream), 777):
        events += d.feed(stream[i : i + 777])
    names = [e.name if isinstance(e, Command) else "garbage" for e in events]
    assert names == ["garbage", "Ss", "Db", "garbage", "garbage", "Se"]
    db = events[2]
    assert isinstance(db, Command) and db.data == k  # the CRs and ESCs inside the bitmap are data


def test_panel_data_must_end_with_cr_and_bad_panels_are_refused() -> None:
    d = CommandDecoder()
    size = evolis.panel_bytes(2)
    out = d.feed(ESC + b"Db;k;2;" + bytes(size) + b"X" + ESC + b"Db;z;9;" + ESC + b"Se" + CR)
    assert [e.reason if isinstance(e, Garbage) else e.name for e in out] == [
        "panel data not ended by CR",
        "bad panel",
        "Se",
    ]


def test_an_endless_command_is_cut_at_the_header_limit() -> None:
    d = CommandDecoder()
    out = d.feed(ESC + b"R" * 500)
    assert any(isinstance(e, Garbage) and e.reason == "oversize command" for e in out)
    assert d.buffered <= evolis.MAX_HEADER + 2


CAUSES = [
    ("ERR FEEDER EMPTY", "feeder_empty"),
    ("ERROR RIBBON ENDED", "ribbon_ended"),
    ("COVER OPEN", "cover_open"),
    ("ERR MECHANICAL", "card_jam"),
    ("ERR RIB DETECTION", "ribbon_ended"),
    ("OK", None),
    ("ERR CDE", None),
]


@pytest.mark.parametrize(("text", "cause"), CAUSES)
def test_error_words_map_to_printer_causes(text: str, cause: str | None) -> None:
    assert evolis.cause_of(text) == cause


def test_card_panels_round_trip_to_an_image() -> None:
    card = np.full((CARD_H, CARD_W, 3), 255, np.uint8)
    card[10:60, 10:300] = (0, 0, 255)  # red
    card[100:120, 10:300] = 0  # black text
    panels = evolis.card_panels(card)
    assert [c.params[0] for c in panels] == ["y", "m", "c", "k"]
    back = evolis.panels_image({c.params[0]: c.data for c in panels})
    assert (back[30, 100] == (0, 0, 255)).all() and (back[110, 100] == 0).all() and (back[400, 500] == 255).all()
    mono = evolis.card_panels(card, "k")
    assert len(mono) == 1 and len(mono[0].data) == 82296


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_break_the_reply_decoder(data: bytes) -> None:
    d = ReplyDecoder()
    for i in range(0, len(data), 7):
        for event in d.feed(data[i : i + 7]):
            if isinstance(event, Reply):
                raw = event.text.encode()
                assert raw and len(raw) <= evolis.MAX_REPLY and all(0x20 <= b <= 0x7E for b in raw)
        assert d.buffered <= evolis.MAX_REPLY


def _valid_stream() -> bytes:
    return b"".join(
        evolis.encode(c)
        for c in (Command("Pem", ("2",)), Command("Rst"), Command("Rco", ("p",)), Command("Ss"), Command("Se"))
    )


def test_a_name_longer_than_eight_letters_is_not_a_command() -> None:
    (event,) = CommandDecoder().feed(b"\x1bRstaARcoAp\r")
    assert isinstance(event, Garbage) and event.reason == "bad command"


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=400),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=8),
    st.integers(1, 50),
)
@example(b"", [(12, 65), (178, 65), (200, 97)], 1)  # joins three commands into one ten-letter name
def test_random_and_mutated_bytes_never_break_the_command_decoder(
    noise: bytes, flips: list[tuple[int, int]], step: int
) -> None:
    stream = bytearray(_valid_stream() + noise)
    for pos, value in flips:
        stream[pos % len(stream)] = value
    d = CommandDecoder()
    for i in range(0, len(stream), step):
        for event in d.feed(bytes(stream[i : i + step])):
            if isinstance(event, Command):
                assert event.name.isalpha() and len(evolis.encode(event)) > 2  # re-encodes: a valid frame
        assert d.buffered <= max(evolis.MAX_HEADER + 2, step + evolis.MAX_HEADER + 2)
