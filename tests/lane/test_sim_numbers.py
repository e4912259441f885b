"""The SIM number rules since July 2024: a new card is numbered with the holder's NIK (16 digits); a card issued
before keeps its 12-digit number until renewed. The registry finds a holder by either number, the document check
takes either, `lane registry lookup` shows either (the NIK masked), and a renewal of a 12-digit card prints a card
numbered with the NIK."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows import card, documents
from flows.documents import NIK_NUMBERS_SINCE, Holder, new_card_number
from flows.nik import mask
from flows.states import Stage
from lane.cli import main
from lane.holders import Registry
from tests.conftest import ROOT, Rig
from tests.lane.test_registry import TODAY, csv_row, make_holder, write_csv

OLD = "330912345678"  # a card issued before July 2024: 12 digits


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "numbers.db")
    reg.add([make_holder(1, OLD), make_holder(2, None)])
    yield reg
    reg.close()


def test_a_card_issued_since_july_2024_is_numbered_with_the_nik() -> None:
    old = make_holder(1, OLD)
    assert date(2024, 7, 1) == NIK_NUMBERS_SINCE
    assert new_card_number(old, date(2024, 6, 30)) == OLD
    assert new_card_number(old, date(2024, 7, 1)) == old.nik
    fields = card.fields_for(old, "Mobil penumpang", "MPP Batang", TODAY)
    assert fields["number"] == old.nik, "a renewed 12-digit card comes out with the NIK"


def test_the_registry_finds_a_holder_by_either_number(registry: Registry) -> None:
    old, by_nik = make_holder(1, OLD), make_holder(2, None)
    assert registry.lookup(OLD) == old
    assert registry.lookup(old.nik) == old, "a 12-digit holder found by the NIK their renewed card carries"
    assert registry.lookup(by_nik.nik) == by_nik
    assert registry.lookup(f"{OLD[:4]}-{OLD[4:8]}-{OLD[8:]}") == old
    assert registry.lookup(make_holder(3, None).nik) is None


def test_the_document_check_takes_either_number(registry: Registry) -> None:
    old = make_holder(1, OLD)
    certificates = documents.Submission(
        health_no="SKS/01234/RIKKES/2026",
        health_date="2026-11-01",
        psych_no="PSI/00456/BTG/2026",
        psych_date="2026-11-01",
    )
    for number in (OLD, old.nik):
        submission = replace(certificates, nik=old.nik, sim_number=number)
        verdict = documents.check(submission, registry.lookup, ("A",), TODAY)
        assert verdict.ok and verdict.holder == old, (number, verdict.failures)
    other = make_holder(2, None)  # a NIK-numbered card shown with someone else's e-KTP
    wrong = replace(certificates, nik=old.nik, sim_number=other.nik)
    assert documents.check(wrong, registry.lookup, ("A",), TODAY).codes == ("nik_mismatch",)


def test_an_import_refuses_a_16_digit_number_that_is_not_the_nik(tmp_path: Path) -> None:
    good, bad = make_holder(1, OLD), make_holder(2, None)
    path = write_csv(tmp_path / "h.csv", [csv_row(good), csv_row(bad, sim_number=make_holder(3, None).nik)])
    empty = Registry(tmp_path / "empty.db")
    done = empty.import_csv(path, TODAY)
    empty.close()
    assert done.holders == 1 and len(done.errors) == 1
    assert ":3:" in done.errors[0] and "not the holder's NIK" in done.errors[0]


def test_registry_lookup_shows_either_number_with_the_nik_masked(registry: Registry, capsys: Any) -> None:
    old = make_holder(1, OLD)
    site = str(ROOT / "config" / "site.toml")
    for number in (OLD, old.nik):
        assert main(["--config", site, "registry", "--path", str(registry.path), "lookup", number]) == 0
        out = capsys.readouterr().out
        assert old.nik not in out, "the NIK is masked"
        assert f"sim_number   {OLD}" in out and f"renews as    {mask(old.nik)}" in out


def test_a_12_digit_card_renews_to_a_nik_numbered_card(rig_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[dict[str, str]] = []
    compose = card.compose

    def spy(fields: dict[str, str], photo: Any) -> Any:
        composed.append(dict(fields))
        return compose(fields, photo)

    monkeypatch.setattr(card, "compose", spy)

    async def scenario(rig: Rig) -> tuple[Holder, Any]:
        row = next(
            rig.registry.db.query(
                "select sim_number from holders where length(sim_number) = 12 and sim_class = 'A' and expires > ?",
                [rig.clock.wall().date().isoformat()],
            )
        )
        holder = rig.registry.lookup(row["sim_number"])
        assert holder is not None
        rig.documents.update(nik=holder.nik, sim=holder.sim_number)
        await rig.drive_to(Stage.HANDOVER)
        return holder, rig.rows("select sim_number, nik from cycles")[0]

    holder, cycle = rig_factory(scenario)
    assert len(holder.sim_number) == 12 and cycle["sim_number"] == holder.sim_number
    assert [f["number"] for f in composed] == [holder.nik], "the card is numbered with the NIK"
    assert cycle["nik"] == holder.nik
