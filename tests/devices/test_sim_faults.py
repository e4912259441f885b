"""The simulators' fault injection, without I/O: exact counts, rates, silence, and settings that are refused."""

from __future__ import annotations

import pytest

from devices.sim.faults import Faults


def test_next_n_faults_happen_exactly_then_stop() -> None:
    f = Faults(seed=1)
    f.update("out", corrupt_next=2, drop_next=1)
    verdicts = [f.apply("out", b"READY\r") for _ in range(5)]
    assert [v.what for v in verdicts] == ["drop", "corrupt", "corrupt", "", ""]
    assert verdicts[1].data != b"READY\r" and len(verdicts[1].data or b"") == 6
    assert verdicts[3].data == b"READY\r" and f.state()["done"] == {"drop": 1, "corrupt": 2}


def test_silence_and_delay_and_garbage() -> None:
    f = Faults()
    f.update("in", silent=True)
    assert f.apply("in", b"x").data is None and f.apply("out", b"x").data == b"x"
    f.update("in", silent=False, delay=0.25, garbage_next=1)
    v = f.apply("in", b"OK\r")
    assert v.delay == 0.25 and v.data is not None and v.data.endswith(b"OK\r") and len(v.data) > 3


def test_rates_are_seeded() -> None:
    runs = []
    for _ in range(2):
        f = Faults(seed=7)
        f.update("out", corrupt=0.5)
        runs.append([f.apply("out", b"abc").data for _ in range(20)])
    assert runs[0] == runs[1] and any(d != b"abc" for d in runs[0])


@pytest.mark.parametrize("bad", [{"corrupt": 2.0}, {"delay": -1}, {"drop_next": -1}, {"nonsense": 1}])
def test_bad_fault_settings_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Faults().update("out", **bad)
    with pytest.raises(ValueError):
        Faults().update("sideways")
