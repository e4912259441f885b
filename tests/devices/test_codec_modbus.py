"""Modbus RTU framing is pymodbus's `FramerRTU` (its client and server both use it): the relay-on frame from the
domain notes, hunting after garbage, bad CRCs and partial frames, and random or mutated bytes never yielding a
frame whose CRC is wrong. Plus the wiring map (`IOMap`) that turns the module's bits into signals."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymodbus.exceptions import ModbusException
from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU

from devices.codecs.iomap import LOOPS, QUEUE_LOOP, QUEUE_WIRING, IOMap, gate_position

RELAY_ON = bytes.fromhex("01 05 00 00 FF 00 8C 3A")  # unit 1, write single coil 0 on


def _client_framer() -> FramerRTU:
    return FramerRTU(DecodePDU(False))


def _server_framer() -> FramerRTU:
    return FramerRTU(DecodePDU(True))


def test_the_relay_on_frame_has_the_documented_crc() -> None:
    body = RELAY_ON[:-2]
    assert FramerRTU.compute_CRC(body).to_bytes(2, "big") == RELAY_ON[-2:]
    used, pdu = _server_framer().handleFrame(RELAY_ON, 0, 0)
    assert used == len(RELAY_ON) and pdu is not None and pdu.function_code == 5 and pdu.dev_id == 1


def test_garbage_before_a_frame_costs_that_frame_never_a_wrong_one() -> None:
    """pymodbus hunts byte by byte while no function code fits, but drops its whole buffer on a CRC failure: a
    frame right behind garbage is lost (the driver retries its read) and the next clean frame decodes."""
    framer = _server_framer()
    used, pdu = framer.handleFrame(b"\x00\x13" + RELAY_ON, 0, 0)
    assert pdu is None and used == 10
    used, pdu = framer.handleFrame(RELAY_ON, 0, 0)
    assert pdu is not None and pdu.function_code == 5


def test_a_bad_crc_yields_no_frame_and_a_partial_frame_waits() -> None:
    framer = _server_framer()
    bad = RELAY_ON[:-1] + bytes([RELAY_ON[-1] ^ 1])
    assert framer.handleFrame(bad, 0, 0)[1] is None
    used, pdu = framer.handleFrame(RELAY_ON[:5], 0, 0)
    assert used == 0 and pdu is None


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    """Every (device id, PDU bytes) the framer takes from `data`, fed whole."""
    out = []
    framer = _client_framer()
    while data:
        used, dev_id, _, frame = framer.decode(data)
        if frame:
            out.append((dev_id, frame))
        if not used:
            break
        data = data[used:]
    return out


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_yield_a_frame_with_a_wrong_crc(data: bytes) -> None:
    for dev_id, frame in _frames(data):
        adu = bytes([dev_id]) + frame
        crc = FramerRTU.compute_CRC(adu).to_bytes(2, "big")
        assert adu + crc in data


READ_REPLY = bytes.fromhex("01 02 01 08") + FramerRTU.compute_CRC(bytes.fromhex("01 02 01 08")).to_bytes(2, "big")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=20), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 255)), max_size=4))
def test_mutated_replies_decode_only_when_their_crc_holds(noise: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(noise + READ_REPLY + noise)
    for pos, value in flips:
        data[pos % len(data)] = value
    for dev_id, frame in _frames(bytes(data)):
        adu = bytes([dev_id]) + frame
        assert adu + FramerRTU.compute_CRC(adu).to_bytes(2, "big") in bytes(data)
    with contextlib.suppress(ModbusException):  # a frame, nothing, or pymodbus's own error (the driver translates)
        _client_framer().handleFrame(bytes(data), 0, 0)


def test_iomap_decodes_bits_with_polarity_and_rejects_bad_wiring() -> None:
    m = IOMap(active_low=frozenset({"entry_safety"}))
    bits = [False] * 8
    bits[0] = True  # entry loop
    states = m.decode(bits)
    assert states["entry_loop"] and states["entry_safety"]  # NC contact open = occupied
    assert m.encode_inputs({"entry_safety": False}) == {1: True}
    assert m.coil_level("entry_open", True) is True and m.coil_name(3) == "exit_close"
    with pytest.raises(ValueError):
        IOMap(coils={"entry_open": 0})
    with pytest.raises(ValueError):
        IOMap.from_options({"inputs": {"entry_loop": 1}})  # now two signals on address 1
    assert IOMap.from_options(m.options()) == m


def test_gate_position_from_limit_switches() -> None:
    switches = ((True, False), (False, True), (False, False), (True, True))  # (up, down)
    assert [gate_position(up, down) for up, down in switches] == ["up", "down", "moving", "both"]


def test_the_queue_loop_is_wired_only_where_a_queue_is_hosted() -> None:
    """Issue 17: a module with the lane's eight inputs is read as before; the queue loop is a ninth input and a
    fifth counter where wired, and then a loop like the others (decoded, counted)."""
    plain = IOMap()
    assert plain.loops == LOOPS and plain.span() == (0, 8)
    wired = IOMap.from_options(QUEUE_WIRING)
    assert wired.loops == (*LOOPS, QUEUE_LOOP) and wired.span() == (0, 9) and wired.counter_span() == (0, 5)
    bits = [False] * 9
    bits[8] = True
    assert wired.decode(bits)[QUEUE_LOOP] and not wired.decode(bits)["entry_loop"]
    assert wired.decode_counters([0, 0, 0, 0, 7])[QUEUE_LOOP] == 7
    assert IOMap.from_options(wired.options()) == wired
    with pytest.raises(ValueError):
        IOMap.from_options({"inputs": {"queue_loop": 3}})  # on the entry boom's down switch
