"""The queue's matching (flows/queueing.py): by order, confirmed by plate; a missed detection, a double count and a
driver leaving the queue are flagged, never guessed; a shared queue never sends a vehicle to a lane of another class."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.queueing import Approach, Entry


def lane_queue(capacity: int = 10) -> Approach:
    return Approach("L1", "A", {"L1": "A"}, capacity=capacity)


def test_order_then_plate_confirms() -> None:
    q = lane_queue()
    q.join(0.0, "G 1 AB")
    q.join(30.0, "G 2 AB")
    m = q.admit("L1", 100.0)
    assert (m.entry, m.how, m.wait) == (Entry(1, 0.0, "G 1 AB"), "order", 100.0)
    assert q.confirm(m, "G1AB").how == "order+plate"


def test_loop_misses_a_vehicle_with_nobody_waiting_is_flagged() -> None:
    q = lane_queue()
    m = q.admit("L1", 50.0)
    assert m.entry is None and m.how == "missed" and m.wait is None
    assert [e.kind for e in m.events] == ["miss"]
    assert q.confirm(m, "G 1 AB") == m, "the plate read later flags it no second time"


def test_loop_misses_a_vehicle_the_plate_tells() -> None:
    q = lane_queue()
    q.join(0.0, "G 1 AB")  # the vehicle in front of it was not seen; this one was
    m = q.confirm(q.admit("L1", 10.0), "H 9 X")
    assert m.how == "missed" and m.entry is None and [e.kind for e in m.events] == ["miss"]
    assert [e.plate for e in q.waiting] == ["G 1 AB"]  # the entry waits again for its own vehicle
    assert q.confirm(q.admit("L1", 400.0), "G 1 AB").wait == 400.0


def test_loop_counts_one_twice() -> None:
    q = lane_queue()
    assert [e.kind for e in q.join(0.0)] == ["join"]
    assert [e.kind for e in q.join(0.4)] == ["double"]  # one vehicle, two pulses
    assert [e.kind for e in q.join(20.0)] == ["join"]
    q.join(25.0, "G 5 C")
    assert [e.kind for e in q.join(40.0, "G5C")] == ["double"]  # the camera saw the same plate again
    assert len(q.waiting) == 3


def test_driver_leaves_the_queue() -> None:
    q = lane_queue()
    for t, plate in ((0.0, "G 1 A"), (10.0, "G 2 A"), (20.0, "G 3 A")):
        q.join(t, plate)
    m = q.confirm(q.admit("L1", 300.0), "G 2 A")  # G 1 A never came
    assert m.how == "plate,renege" and m.entry is not None and m.entry.plate == "G 2 A" and m.wait == 290.0
    assert [(e.kind, e.entry.plate if e.entry else None) for e in m.events] == [("renege", "G 1 A")]
    assert [e.plate for e in q.waiting] == ["G 3 A"]
    left = q.leave(310.0, "G 3 A")
    assert [e.kind for e in left] == ["renege"] and q.waiting == []
    q.join(400.0)
    q.join(420.0)
    left = q.leave(500.0, joined=400.0)  # no plate: the observer says when it joined
    assert left[0].entry == Entry(4, 400.0) and q.waiting == [Entry(5, 420.0)]


def test_over_capacity() -> None:
    q = lane_queue(capacity=2)
    q.join(0.0)
    q.join(0.4)  # one vehicle counted twice does not fill it
    assert not q.full()
    q.join(20.0)
    assert q.full()
    assert q.balk(21.0).kind == "balk"


def test_a_queue_refuses_a_lane_of_another_class() -> None:
    with pytest.raises(ValueError, match="another class"):
        Approach("A", "A", {"L1": "A", "L2": "C"})


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=2.0, max_value=300.0), min_size=1, max_size=25),
    service=st.floats(min_value=60.0, max_value=900.0),
    leaving=st.sets(st.integers(min_value=0, max_value=24)),
)
def test_plates_read_give_every_cycle_its_own_entry(gaps: list[float], service: float, leaving: set[int]) -> None:
    """A single-file queue, every plate read, some drivers leaving unseen: every cycle gets its own queue entry and
    the wait the true times give; each driver who left is flagged renege once, by the cycle that passed them."""
    q = lane_queue(capacity=100)
    joined, t = [], 0.0
    for i, gap in enumerate(gaps):
        t += gap
        q.join(t, f"G {i + 1} AB")
        joined.append((t, f"G {i + 1} AB"))
    stayed = [(at, plate) for i, (at, plate) in enumerate(joined) if i not in leaving]
    free, reneged = 0.0, []
    for at, plate in stayed:
        start = max(free, at)
        m = q.confirm(q.admit("L1", start), plate)
        assert m.entry is not None and m.entry.plate == plate and m.wait == pytest.approx(start - at)
        reneged += [e.entry.plate for e in m.events if e.kind == "renege" and e.entry]
        free = start + service
    last = max((i for i in range(len(joined)) if i not in leaving), default=-1)  # drivers behind it are not passed
    assert set(reneged) == {joined[i][1] for i in leaving if i < last}
    assert len(reneged) == len(set(reneged))


CLASSES = {"L1": "A", "L2": "A", "L3": "C", "L4": "C"}


@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["joinA", "joinC", "free", "enter"]), st.sampled_from(sorted(CLASSES))),
        max_size=60,
    )
)
def test_a_shared_queue_never_sends_a_vehicle_to_a_lane_of_another_class(ops: list[tuple[str, str]]) -> None:
    queues = {
        c: Approach(c, c, {lane: k for lane, k in CLASSES.items() if k == c}, capacity=100, double_window=0.0)
        for c in ("A", "C")
    }
    t = 0.0
    for op, lane in ops:
        t += 1.0
        if op.startswith("join"):
            queues[op[-1]].join(t, f"{op[-1]} {int(t)} X")
        elif op == "free":
            for c, q in queues.items():
                for ev in q.assign([lane], t):
                    assert ev.lane is not None and CLASSES[ev.lane] == c
        else:
            q = queues[CLASSES[lane]]
            m = q.admit(lane, t)
            if m.entry is not None:
                assert m.entry.plate is not None and m.entry.plate.startswith(CLASSES[lane])
            with pytest.raises(ValueError):
                queues["C" if CLASSES[lane] == "A" else "A"].admit(lane, t)


@settings(max_examples=300, deadline=None)
@given(
    cars=st.lists(
        st.tuples(st.floats(min_value=3.0, max_value=400.0), st.sampled_from(["seen", "missed", "doubled"])),
        min_size=1,
        max_size=30,
    ),
    service=st.floats(min_value=30.0, max_value=600.0),
)
def test_with_a_loop_only_every_miss_and_double_is_flagged_once(cars: list[tuple[float, str]], service: float) -> None:
    """No plates: a loop that misses some cars and pulses twice for others. However the order shifts meanwhile,
    by the time the lane has served every car each missed detection is one cycle flagged missed, each double
    pulse one `double` event, and no queue entry is left over."""
    q = lane_queue(capacity=100)
    t, free, timeline = 0.0, 0.0, []  # (time, order at that time, what)
    for gap, fate in cars:
        t += gap
        if fate != "missed":
            timeline.append((t, 0, "join"))
        if fate == "doubled":
            timeline.append((t + 0.5, 0, "join"))
        start = max(free, t + 1.0)  # the car reaches the lane a second after the loop at the soonest
        timeline.append((start, 1, "admit"))
        free = start + service
    events, flagged = [], 0
    for at, _, what in sorted(timeline):
        if what == "join":
            events += q.join(at)
        else:
            flagged += q.admit("L1", at).how == "missed"
    assert flagged == sum(fate == "missed" for _, fate in cars)
    assert sum(e.kind == "double" for e in events) == sum(fate == "doubled" for _, fate in cars)
    assert q.waiting == []
