"""What the driver reads on the lane sign through a renewal: prompts laid out for the lane's sign (2 x 32 by
default), a refusal's reasons each on screens of their own in both languages and cut at words, a countdown that
counts down while the card prints, a wrong-class refusal that names the lane to take, and a car driver told to
step out for the photo and to get back in after it."""

from __future__ import annotations

import random
import re
from typing import Any

from flows.documents import DocumentRules, failure
from flows.states import Stage
from lane.commands import Action
from tests.conftest import Rig


def _history(rig: Rig) -> list[tuple[str, str]]:
    history: list[tuple[str, str]] = rig.lane.devices.display.history  # type: ignore[attr-defined]
    return history


def _since(history: list[tuple[str, str]], start: str) -> list[tuple[str, str]]:
    """The screens from the first whose Indonesian line starts with `start` on."""
    return history[next(i for i, (id_, _) in enumerate(history) if id_.startswith(start)) :]


def _words(*texts: str) -> set[str]:
    return {w for t in texts for w in t.split()}


def test_a_refusal_shows_each_reason_whole_words_in_its_own_language(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[tuple[str, str]]:
        await rig.drive_to(Stage.DOCUMENTS)
        await rig.until(lambda: rig.lane.pending.get("what") == "documents")
        bad = dict(rig.documents, nik=rig.documents["nik"][:-1] + str((int(rig.documents["nik"][-1]) + 1) % 10))
        bad["health_date"] = "2001-01-01"
        assert not (await rig.cmd(Action.DOCUMENTS, data=bad)).ok
        assert (await rig.cmd(Action.REJECT, reason="officer's own note: driver rude")).ok
        await rig.at(Stage.REJECTED)
        await rig.clock.sleep(30)  # the sign turns its screens meanwhile
        return _since(_history(rig), "Maaf")

    shown = rig_factory(scenario)
    reasons = [failure("nik_mismatch"), failure("health_too_old", days=180)]
    screens = list(dict.fromkeys(shown))
    assert len(screens) >= 4, screens  # the heading and each reason (the longer ones over two screens)
    lines_id, lines_en = [s[0] for s in screens], [s[1] for s in screens]
    assert all(len(line) <= 32 for line in lines_id + lines_en)
    words_id = _words("Maaf, tidak dapat diproses:", *(r.id for r in reasons))
    words_en = _words("Sorry, cannot be processed:", *(r.en for r in reasons))
    assert _words(*lines_id) == words_id, "every Indonesian word whole, and only Indonesian ones"
    assert _words(*lines_en) == words_en, "every English word whole, and only English ones"
    assert not any("rude" in line for line in lines_id + lines_en), "an officer's note is never shown"
    for reason in reasons:  # each reason starts a screen of its own in both languages, side by side
        assert any(s[0].startswith(reason.id[:10]) and s[1].startswith(reason.en[:10]) for s in screens), reason


def test_the_printing_countdown_counts_down_and_the_car_driver_gets_back_in(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        await rig.drive_to(Stage.PHOTO)
        photo = list(_history(rig))
        rig.vehicle.extras.pop("photo_issue")
        start = len(_history(rig))
        await rig.at(Stage.HANDOVER)
        return photo, _history(rig)[start:]

    photo, after = rig_factory(scenario, print_seconds=40.0)
    assert any("step out" in en for _, en in photo) and any("turun" in id_ for id_, _ in photo)
    seconds = [int(m.group(1)) for id_, _ in after if (m := re.search(r"dicetak, (\d+) detik", id_))]
    english = [int(m.group(1)) for _, en in after if (m := re.search(r"SIM: (\d+) s", en))]
    assert len(seconds) >= 3 and seconds == sorted(seconds, reverse=True) and seconds[0] > seconds[-1], seconds
    assert english == seconds
    assert any("get back in" in en for _, en in after) and any("kembali ke mobil" in id_ for id_, _ in after)


def test_a_wrong_class_refusal_names_the_lane_to_take(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, list[tuple[str, str]]]:
        rig.lane.rules.doc_rules = DocumentRules(lanes=(("A", "L1"), ("C", "L2"), ("C I", "L2")))
        await rig.drive_to(Stage.DOCUMENTS)
        await rig.until(lambda: rig.lane.pending.get("what") == "documents")
        other = rig.registry.sample(random.Random(5), ("C",), rig.clock.wall().date())
        outcome = await rig.cmd(Action.DOCUMENTS, data=dict(rig.documents, nik=other.nik, sim=other.sim_number))
        assert not outcome.ok
        assert (await rig.cmd(Action.REJECT)).ok
        await rig.at(Stage.REJECTED)
        await rig.clock.sleep(20)
        return outcome.message, _since(_history(rig), "Maaf")

    message, shown = rig_factory(scenario)
    assert "please go to lane L2" in message
    assert ("SIM C: silakan ke lajur L2", "SIM C: please go to lane L2") in shown


def test_with_no_lane_for_the_class_the_counter_is_named() -> None:
    rules = DocumentRules(lanes=(("A", "L1"),), counter="Satpas Batang")
    from flows.documents import wrong_class

    made = wrong_class("C", rules)
    assert made.code == "wrong_class"
    assert made.id == "SIM C: silakan ke Satpas Batang" and made.en == "SIM C: please go to Satpas Batang"


def test_an_abort_shows_neither_an_earlier_check_s_reasons_nor_the_officer_s_note(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[tuple[str, str]]:
        await rig.drive_to(Stage.DOCUMENTS)
        await rig.until(lambda: rig.lane.pending.get("what") == "documents")
        assert not (await rig.cmd(Action.DOCUMENTS, data=dict(rig.documents, health_date="2001-01-01"))).ok
        assert (await rig.cmd(Action.DOCUMENTS, data=rig.documents)).ok  # corrected: accepted
        await rig.at(Stage.PAYMENT)
        assert (await rig.cmd(Action.ABORT, reason="driver drove off to the ATM")).ok
        await rig.at(Stage.REJECTED)
        await rig.clock.sleep(12)
        return _since(_history(rig), "Proses dihentikan")

    shown = rig_factory(scenario)  # the fixed prompt of an abort (issue 19's console part), nothing else after it
    assert set(shown) == {("Proses dihentikan, temui petugas", "Renewal stopped, see the officer")}, shown
