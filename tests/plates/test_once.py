"""plates.once: the model singletons' loader runs once, even for threads that ask together, and not after a failure."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from plates.once import once


def test_threads_asking_together_load_once() -> None:
    loads: list[int] = []
    started = threading.Event()

    @once
    def model() -> object:
        started.set()
        time.sleep(0.05)  # a slow load: the other threads ask meanwhile
        loads.append(1)
        return object()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: model(), range(8)))
    assert started.is_set() and loads == [1]
    assert all(g is got[0] for g in got)


def test_a_load_that_fails_is_tried_again() -> None:
    calls: list[int] = []

    @once
    def model() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("not yet")
        return 7

    with pytest.raises(OSError):
        model()
    assert model() == 7 and model() == 7 and len(calls) == 2
