"""Progress bars (rich) for the `lane` commands that can take more than a few seconds: a simulated day, seeding
or importing the holder registry, reading many plate images. Drawn on standard error and only when it is a
terminal: piped or logged output stays free of them."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from lane.events import EventKind, LaneEvent

T = TypeVar("T")


def shown() -> bool:
    """Bars are drawn only on a terminal."""
    return sys.stderr.isatty()


def bar(transient: bool = True) -> Progress:
    """A progress display with a count, a bar, the share done, the time taken and the time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not shown(),
        transient=transient,
    )


def track(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """`items`, counted on a bar as they are taken."""
    with bar() as progress:
        yield from progress.track(items, total=total, description=description)


class CycleBar:
    """A simulated run's renewals on a bar: those ended so far, of those that will arrive. A lane listener."""

    def __init__(self, total: int) -> None:
        self.progress = bar(transient=False)
        self.task = self.progress.add_task("simulated renewals", total=total)

    def on_event(self, ev: LaneEvent) -> None:
        if ev.kind == EventKind.TRANSITION and ev.data.get("dest") == "idle" and ev.data.get("source") != "idle":
            self.progress.advance(self.task)

    def __enter__(self) -> CycleBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
