"""The AM03127-style sign codec: frames as byte literals, checksums, hunting after garbage, oversize frames,
ACK/NACK, transliteration; and hypothesis: random and mutated bytes never break a decoder and never yield a frame
whose checksum is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.codecs import sign
from devices.codecs.sign import Answer, AnswerDecoder, BadFrame, Frame, FrameDecoder, Page

WELCOME = b"<ID01><L1><PA><FA><MA><WC><FA>Selamat datang0E<E>"


def test_a_page_frame_is_id_body_xor_checksum_end() -> None:
    assert sign.encode_page(1, Page(1, "A", "Selamat datang")) == WELCOME
    assert sign.checksum(b"<L1><PA><FA><MA><WC><FA>Selamat datang") == "0E"
    frame = sign.encode_page(0x1F, Page(2, "B", "Hi", "E", "Q", "D", "B"))
    assert frame.startswith(b"<ID1F><L2><PB><FE><MQ><WD><FB>Hi")


@pytest.mark.parametrize("page", [Page(9, "A", "x"), Page(1, "a", "x"), Page(1, "A", "<E>"), Page(1, "A", "é")])
def test_we_never_send_a_page_the_sign_cannot_take(page: Page) -> None:
    with pytest.raises(ValueError):
        sign.encode_page(1, page)


def test_frames_decode_across_reads_after_garbage() -> None:
    d = FrameDecoder()
    out = d.feed(b"\x00zz<I") + d.feed(WELCOME[2:30]) + d.feed(WELCOME[30:])
    assert out == [Frame(1, WELCOME[6:-5])]
    frame = out[0]
    assert isinstance(frame, Frame)
    page = frame.page()
    assert page is not None and (page.line, page.page, page.text) == (1, "A", "Selamat datang")


def test_bad_checksum_is_a_bad_frame_naming_the_sign() -> None:
    bad = WELCOME.replace(b"0E<E>", b"0F<E>")
    assert FrameDecoder().feed(bad) == [BadFrame("bad checksum", 1)]
    flipped = WELCOME.replace(b"datang", b"dbtang")
    assert FrameDecoder().feed(flipped) == [BadFrame("bad checksum", 1)]


def test_a_frame_cut_short_by_the_next_is_dropped_and_the_next_kept() -> None:
    out = FrameDecoder().feed(WELCOME[:25] + WELCOME)
    assert out == [BadFrame("frame cut short by a new frame"), Frame(1, WELCOME[6:-5])]


def test_an_oversize_frame_is_dropped_and_memory_stays_bounded() -> None:
    d = FrameDecoder()
    out = d.feed(b"<ID01>" + b"A" * 5000)
    assert BadFrame("oversize frame") in out and d.buffered < sign.MAX_FRAME
    assert d.feed(WELCOME) == [Frame(1, WELCOME[6:-5])]


def test_ack_and_nack_among_noise() -> None:
    a = AnswerDecoder()
    assert a.feed(b"\xffA") == [] and a.feed(b"CKxxNA") == [Answer(True)] and a.feed(b"CK") == [Answer(False)]
    assert a.skipped == 3


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Café — 80.000 “Rp”", 'Cafe - 80.000 "Rp"'),
        ("<=250 cc", "(=250 cc"),
        ("≤ 250 cc", "max 250 cc"),
        ("a\tb\x07c", "a b c"),
        ("日本", "??"),
        ("x" * 300, "x" * 117 + "..."),
    ],
)
def test_text_the_sign_cannot_show_is_transliterated(text: str, shown: str) -> None:
    assert sign.transliterate(text, 120) == shown


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=1500), st.integers(1, 64))
def test_random_bytes_never_yield_a_frame_with_a_wrong_checksum(data: bytes, step: int) -> None:
    d = FrameDecoder()
    a = AnswerDecoder()
    for i in range(0, len(data), step):
        chunk = data[i : i + step]
        for event in d.feed(chunk):
            if isinstance(event, Frame):
                assert sign.encode(event.sign_id, event.body)  # a well-formed frame with a right checksum
        a.feed(chunk)
        assert d.buffered <= sign.MAX_FRAME + step


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 255)), min_size=1, max_size=6), st.integers(1, 40))
def test_mutated_frames_are_refused_or_still_consistent(flips: list[tuple[int, int]], step: int) -> None:
    stream = bytearray(WELCOME + sign.encode_page(2, Page(2, "A", "Welcome, please drive forward")))
    for pos, value in flips:
        stream[pos % len(stream)] = value
    d = FrameDecoder()
    frames = [e for i in range(0, len(stream), step) for e in d.feed(bytes(stream[i : i + step]))]
    for event in frames:
        if isinstance(event, Frame):
            raw = sign.encode(event.sign_id, event.body)
            assert raw[-5:-3] == sign.checksum(event.body).encode()
