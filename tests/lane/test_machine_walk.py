"""`LaneCore` driven through its real guards by random walks of triggers with data (some that pass a guard, some
that fail it, as people and devices give both), on a real store: every stage is reached and every row of the table
taken, every move the machine accepts is a row of the table, a refused trigger leaves the lane where it was, and
from every stage reached the lane comes back to idle, so none is a dead end.

This replaces a walk over the table itself, which proved only what `flows.renewal.reachable()` is built from."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from flows.renewal import TABLE, make_flow
from flows.states import Stage
from lane.clock import Clock
from lane.errors import Refused
from lane.machine import LaneCore
from lane.store import Store
from tests.conftest import run_virtual

TRIGGERS = sorted({row.trigger for row in TABLE})
#: Each trigger's data as it may come: what satisfies its guard (first) and what does not.
REASONS: list[dict[str, Any]] = [{"reason": "driver left"}, {"reason": "  "}, {}]
DATA: dict[str, list[dict[str, Any]]] = {
    "plate_read": [{"plate": "G 1234 AB"}, {"plate": "not a plate"}],
    "plate_entered": [{"plate": "B 99 XYZ"}, {"plate": ""}],
    "documents_ok": [{"checked": True}, {"checked": False}],
    "documents_rejected": REASONS,
    "paid": [{"receipt": "RCPT-1"}, {"receipt": " "}],
    "reprint": REASONS,
    "abort": REASONS,
    "close_lane": REASONS,
    "fault": [{"cause": "printer_down"}, {}],
    "retry": [{}, {"void_job": True}],
}
#: Ways off the renewal's path, tried less often than the rest so that walks also reach its end.
SIDE_EXITS = {"abort", "close_lane", "documents_rejected", "reprint"}
#: Steps a walk takes, then at most this many more to come back to idle.
WALK, HOMING = 120, 3000


def _moves(core: LaneCore, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """A trigger with data, and the facts the controller would have noted before firing it. Mostly a trigger that
    has a row out of the current stage (the guards decide), now and then a fault, now and then any trigger (the
    machine refuses most)."""
    here = sorted({row.trigger for row in core.flow.exits(core.stage)} - {"fault"})
    roll = rng.random()
    if roll < 0.05:
        trigger = "fault"
    elif here and roll < 0.85:
        trigger = rng.choices(here, [0.3 if t in SIDE_EXITS else 1.0 for t in here])[0]
    else:
        trigger = rng.choice(TRIGGERS)
    if trigger == "printed":  # the printer confirms the job the lane sent, or some other job
        data = {"job": core.ctx.get("card_job") if rng.random() < 0.7 else "other-job"}
    else:
        choices = DATA.get(trigger, [{}])  # the first passes the guard: given more often, so walks go far
        data = dict(choices[0] if rng.random() < 0.5 else rng.choice(choices))
    if trigger == "photo_accepted":
        core.ctx["photo"] = "L1-photo.jpg" if rng.random() < 0.7 else ""  # the photo gate passed, or not
    core.close_requested = rng.random() < 0.2  # the operator asks to close after this vehicle now and then
    return trigger, data


async def _step(core: LaneCore, rng: random.Random, moved: set[tuple[Stage, str, Stage]]) -> None:
    before = core.stage
    trigger, data = _moves(core, rng)
    try:
        await core.fire(trigger, **data)
    except Refused:
        assert core.stage is before, f"refused {trigger} moved the lane from {before} to {core.stage}"
        return
    moved.add((before, trigger, core.stage))


def _walks(db: Path, walks: int) -> tuple[set[Stage], set[tuple[Stage, str, Stage]]]:
    async def main(clock: Clock) -> tuple[set[Stage], set[tuple[Stage, str, Stage]]]:
        store = Store(db, durable=False)
        core = LaneCore("L1", make_flow("A"), store, clock)
        core.build_machine(Stage.IDLE)
        reached, moved = {Stage.IDLE}, set[tuple[Stage, str, Stage]]()
        try:
            for seed in range(walks):
                rng = random.Random(seed)
                seen = set()
                for _ in range(WALK):
                    await _step(core, rng, moved)
                    seen.add(core.stage)
                for _ in range(HOMING):  # no dead end: from wherever it stands, the lane gets back to idle
                    if core.stage is Stage.IDLE:
                        break
                    await _step(core, rng, moved)
                assert core.stage is Stage.IDLE, f"walk {seed}: stuck in {core.stage} after {seen}"
                reached |= seen
        finally:
            store.close()
        return reached, moved

    result: tuple[set[Stage], set[tuple[Stage, str, Stage]]] = run_virtual(main)
    return result


def test_random_walks_through_the_guards_reach_every_stage_and_always_get_home(tmp_path: Path) -> None:
    reached, moved = _walks(tmp_path / "lane.db", walks=25)
    assert reached == set(Stage), f"never reached: {set(Stage) - reached}"
    rows = {(row.source, row.trigger, row.dest) for row in TABLE}
    assert moved <= rows, f"moves that are not rows of the table: {moved - rows}"
    assert moved == rows, f"rows no walk got through the guards: {rows - moved}"
    ways_out = {source for source, _, dest in moved if dest is not source}
    assert ways_out == set(Stage), f"stages never left: {set(Stage) - ways_out}"
