"""One loader for the reader's model singletons (`line_net.model`, `glyphs.model`, `ppocr.model`,
`lane_reader.lane_reader`): `@once` makes a function of no arguments run at most once per process, its result kept.

`functools.cache` keeps the result, but two threads that call before it is kept both run the load (two lanes
warming up together would read a model twice); the lock here makes the second wait for the first's result. A load
that raises keeps nothing, so the next call tries again. Pure.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(load: Callable[[], T]) -> Callable[[], T]:
    """`load`, run at most once (under a lock); every call answers its first result."""
    cached = functools.cache(load)
    lock = threading.Lock()

    @functools.wraps(load)
    def get() -> T:
        with lock:
            return cached()

    return get
