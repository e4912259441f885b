"""The queue before the lanes, as pure bookkeeping: which vehicle joined which approach, which lane the next
driver is sent to, and which queue entry each lane entry (each cycle) belongs to. No I/O: `lane.queue` feeds it
the detectors' readings and the lanes' entries and writes what it returns.

An `Approach` is one single-file queue: a lane's own, or a class's shared queue feeding several lanes of that class
(never a lane of another class: the constructor refuses one, and `assign` only names the approach's lanes).
Matching is by order, confirmed by the plate where the approach camera read one. What the detectors cannot tell
is never guessed silently; each case is a `QueueEvent` and a flag in the cycle's `queue_match`:
- `double`: a detection of the plate already waiting, or (with no plate) one within `double_window` seconds of
  the last: the loop counted one vehicle twice. It is dropped.
- `missed`: a vehicle entered a lane with no queue entry waiting for it (the detector missed it), or its plate is
  in no waiting entry: the cycle gets no queue entry (its wait is unknown), and the waiting entries stay.
- `renege`: the lane read a plate waiting behind others: the entries ahead of it (read plates that did not come)
  left the queue. The driver who says so (`leave`) is a renege too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

EventKind = Literal["join", "balk", "renege", "assign", "miss", "double"]


@dataclass(frozen=True)
class Entry:
    """One vehicle detected joining the queue: its detection number, when (clock seconds), the plate read."""

    serial: int
    mono: float
    plate: str | None = None
    lane: str | None = None  # the lane the queue sign sent it to (shared layout)


@dataclass(frozen=True)
class QueueEvent:
    kind: EventKind
    approach: str
    mono: float
    entry: Entry | None = None
    lane: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Match:
    """The queue entry of one lane entry: `how` is order, order+plate, plate, or a flag (missed, ...)."""

    lane: str
    mono: float  # when the vehicle entered the lane
    entry: Entry | None
    how: str
    events: tuple[QueueEvent, ...] = ()

    @property
    def wait(self) -> float | None:
        return None if self.entry is None else max(0.0, self.mono - self.entry.mono)


def same_plate(a: str | None, b: str | None) -> bool:
    return bool(a and b) and "".join(str(a).split()).upper() == "".join(str(b).split()).upper()


@dataclass
class Approach:
    name: str
    lane_class: str
    lanes: Mapping[str, str]  # lane id -> its class
    capacity: int = 10
    double_window: float = 1.5
    waiting: list[Entry] = field(default_factory=list)
    _serial: int = 0

    def __post_init__(self) -> None:
        wrong = sorted(lane for lane, cls in self.lanes.items() if cls != self.lane_class)
        if not self.lanes or wrong:
            raise ValueError(f"queue {self.name}: lanes of another class than {self.lane_class}: {wrong}")

    @property
    def shared(self) -> bool:
        return len(self.lanes) > 1

    def oldest(self, now: float) -> float:
        """Seconds the head of the queue has waited (0 with nobody waiting)."""
        return max(0.0, now - self.waiting[0].mono) if self.waiting else 0.0

    def join(self, mono: float, plate: str | None = None, counted: bool = False) -> list[QueueEvent]:
        """A detection at the queue entry: a `join`, or a `double` when it is the vehicle already counted (its plate
        is waiting, or, with no plate to tell, it came within `double_window` seconds of the last detection).
        `counted`: told by the loop's counter, which counts each vehicle once whenever it is read (no window)."""
        last = self.waiting[-1] if self.waiting else None
        if plate and any(same_plate(plate, e.plate) for e in self.waiting):
            return [QueueEvent("double", self.name, mono, Entry(-1, mono, plate), detail="plate already waiting")]
        if not counted and last is not None and mono - last.mono < self.double_window and not (plate and last.plate):
            detail = f"{mono - last.mono:.2f} s after the last detection"
            return [QueueEvent("double", self.name, mono, Entry(-1, mono, plate), detail=detail)]
        self._serial += 1
        entry = Entry(self._serial, mono, plate)
        self.waiting.append(entry)
        return [QueueEvent("join", self.name, mono, entry)]

    def restore(self, mono: float, plate: str | None = None) -> Entry:
        """An entry still waiting when the controller stopped (read back from the store), at the queue's tail."""
        self._serial += 1
        entry = Entry(self._serial, mono, plate)
        self.waiting.append(entry)
        return entry

    def full(self) -> bool:
        """The queue holds its capacity: the road beyond the site is reached; the next driver balks."""
        return len(self.waiting) >= self.capacity

    def balk(self, mono: float, plate: str | None = None) -> QueueEvent:
        """A driver who found the queue full and did not join."""
        return QueueEvent("balk", self.name, mono, Entry(-1, mono, plate), detail=f"queue of {len(self.waiting)}")

    def leave(self, mono: float, plate: str | None = None, joined: float | None = None) -> list[QueueEvent]:
        """A driver seen leaving the queue: the entry with that plate, else the one that joined nearest `joined`
        (when the observer knows), else the newest one not sent to a lane."""
        found = next((i for i, e in enumerate(self.waiting) if same_plate(plate, e.plate)), None)
        if found is None and joined is not None and self.waiting:
            found = min(range(len(self.waiting)), key=lambda i: abs(self.waiting[i].mono - joined))
        if found is None:
            found = next((i for i in range(len(self.waiting) - 1, -1, -1) if self.waiting[i].lane is None), None)
        if found is None:
            return [QueueEvent("renege", self.name, mono, None, detail="seen leaving; no queue entry to remove")]
        return [QueueEvent("renege", self.name, mono, self.waiting.pop(found), detail="seen leaving")]

    def assign(self, free: list[str], mono: float) -> list[QueueEvent]:
        """Send the next drivers not yet sent anywhere to the free lanes of this approach, one each, in order."""
        taken = {e.lane for e in self.waiting if e.lane is not None}
        events = []
        lanes = [lane for lane in free if lane in self.lanes and lane not in taken]
        for i, e in enumerate(self.waiting):
            if not lanes:
                break
            if e.lane is None:
                self.waiting[i] = replace(e, lane=lanes.pop(0))
                events.append(QueueEvent("assign", self.name, mono, self.waiting[i], self.waiting[i].lane))
        return events

    def admit(self, lane: str, mono: float) -> Match:
        """A vehicle entered `lane`: the entry sent there, else the head not sent elsewhere; none: missed."""
        if lane not in self.lanes:
            raise ValueError(f"queue {self.name} does not feed lane {lane}")
        for i, e in enumerate(self.waiting):
            if e.lane == lane or (e.lane is None and not any(w.lane == lane for w in self.waiting)):
                entry = self.waiting.pop(i)
                return Match(lane, mono, entry, "order")
        detail = "no queue entry waiting: the detector missed it"
        return Match(lane, mono, None, "missed", (QueueEvent("miss", self.name, mono, None, lane, detail),))

    def confirm(self, match: Match, plate: str | None) -> Match:
        """The lane read the vehicle's plate: confirm the entry matched by order, or correct it and flag why."""
        entry = match.entry
        if not plate or (entry is not None and entry.plate is None):
            return match
        if entry is not None and same_plate(entry.plate, plate):
            return replace(match, how="order+plate")
        found = next((i for i, e in enumerate(self.waiting) if same_plate(e.plate, plate)), None)
        if found is None and entry is None:  # flagged missed already
            return match
        if found is None:
            if entry is not None:  # the order gave another's entry: it waits again, at the head
                self.waiting.insert(0, replace(entry, lane=None))
            detail = f"plate {plate} read in the lane was not seen joining the queue"
            event = QueueEvent("miss", self.name, match.mono, None, match.lane, detail)
            return Match(match.lane, match.mono, None, "missed", (*match.events, event))
        mine = self.waiting.pop(found)
        # Who the lane's vehicle passed: plates read that did not come left the queue; in a shared queue a driver
        # sent to another lane is on the way there, and the entry matched by order waits again (drivers swapped).
        gone = [e for e in self.waiting[:found] if e.plate and not (self.shared and e.lane is not None)]
        if entry is not None:
            if self.shared:
                self.waiting.append(replace(entry, lane=None))
                self.waiting.sort(key=lambda e: e.serial)
            else:
                gone.insert(0, entry)
        self.waiting = [e for e in self.waiting if e not in gone]
        events = [
            QueueEvent("renege", self.name, match.mono, e, match.lane, f"passed by {plate}: left the queue")
            for e in gone
        ]
        how = "plate,renege" if events else "plate"
        return Match(match.lane, match.mono, mine, how, (*match.events, *events))
