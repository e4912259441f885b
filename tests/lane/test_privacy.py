"""Personal data, minimised: owner-only files, full NIKs and names only in the columns that need them, an idle lane
that keeps nobody's data, and a restart that reads the holder again rather than keeping it in the snapshot."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from devices import registry as device_registry
from flows.nik import mask
from flows.states import Stage
from lane.cli import main
from lane.controller import LaneController
from lane.holders import Registry
from lane.privacy import mask_name, masked, scrub
from lane.report.cache import DayCache, path_for
from lane.rules import holder_dict
from lane.store import MIGRATIONS, Store
from plates.reading import PlateReading
from tests.conftest import Rig

#: Columns that may hold a full NIK, name or SIM number (the registry is another file).
ALLOWED = {("cycles", "nik"), ("cycles", "holder_name"), ("cycles", "sim_number")}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_masks_keep_the_region_and_initials_and_scrub_free_text() -> None:
    assert mask_name("TRI RAHMAWATI") == "T*** R***"
    assert mask_name("T*** R***") == "T*** R***"
    out = masked(
        {
            "what": "documents",
            "prefill": {"prereg_id": 4, "nik": "3310046908608118", "sim": "2320792618423"},
            "reason": "NIK 3310046908608118 belongs to TRI RAHMAWATI",
            "holder_name": "TRI RAHMAWATI",
        },
        ["TRI RAHMAWATI"],
    )
    assert out == {
        "what": "documents",
        "prefill": {"prereg_id": 4, "nik": "331004********18", "sim": "232079*****23"},
        "reason": "NIK 331004********18 belongs to T*** R***",
        "holder_name": "T*** R***",
    }
    assert scrub("card 12345678901234567 and 1234") == "card 12345678901234567 and 1234", "only 16-digit runs"


def test_the_store_the_registry_and_the_report_cache_are_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    store = Store(var / "lane.db")
    store.db.execute("create table t (x)")  # a write: the -wal and -shm exist now
    registry = Registry(var / "registry.db")
    registry.seed(5, 1, date(2026, 12, 5))
    cache = DayCache.open(path_for(var / "lane.db"))
    assert cache is not None
    cache.close(keep=True)
    try:
        assert _mode(var) == 0o700
        for name in ("lane.db", "lane.db-wal", "lane.db-shm", "registry.db", "registry.db-wal", "lane.db.report-cache"):
            assert _mode(var / name) == 0o600, name
    finally:
        store.close()
        registry.close()


def test_a_database_made_before_is_made_owner_only_when_opened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    Store(db).close()
    assert _mode(db) == 0o600


def test_photos_and_plate_crops_are_owner_only(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> Path:
        await rig.drive_to(Stage.HANDOVER)
        assert rig.lane.photo_dir is not None
        crop = np.zeros((20, 80, 3), np.uint8)
        name = rig.lane._save_evidence(PlateReading("G 1234 AB", 0.9, crop=crop))
        return rig.lane.photo_dir.parent / "plates" / name

    crop = rig_factory(scenario)
    photos = crop.parent.parent / "photos"
    assert _mode(photos) == 0o700 and _mode(crop.parent) == 0o700
    files = [*photos.iterdir(), crop]
    assert len(files) >= 2 and all(_mode(f) == 0o600 for f in files), {f.name: oct(_mode(f)) for f in files}


def test_an_idle_lane_keeps_nothing_of_the_last_driver(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], Any]:
        await rig.drive_to(Stage.EXITING)
        assert rig.lane.photo is not None and rig.lane.ctx.get("holder")
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        lane = rig.lane
        return rig.rows("select state, cycle_id, context from lane_state"), (
            lane.ctx,
            lane.photo,
            lane.face,
            lane.pending,
        )

    rows, memory = rig_factory(scenario)
    assert rows == [{"state": "idle", "cycle_id": None, "context": "{}"}]
    assert memory == ({}, None, None, {})


def test_the_snapshot_holds_no_holder_and_a_restart_reads_it_again(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, dict[str, Any], dict[str, Any], int]:
        await rig.drive_to(Stage.PAYMENT)
        context = rig.rows("select context from lane_state")[0]["context"]
        await rig.lane.stop()
        again = LaneController(
            "L1",
            rig.lane.flow,
            device_registry.build("virtual", "L1", rig.clock),
            rig.store,
            rig.clock,
            rules=rig.lane.rules,
            reader=None,
        )
        again.start()
        try:
            return context, dict(again.ctx), holder_dict(rig.holder), again.fee
        finally:
            await again.stop()

    context, ctx, holder, fee = rig_factory(scenario)
    assert holder["nik"] not in context and holder["name"] not in context and holder["sim_number"] not in context
    kept = {"name": mask_name(holder["name"]), "nik": mask(holder["nik"]), "sim_class": holder["sim_class"]}
    assert json.loads(context)["holder"] == kept, "the console shows the driver masked; the fee needs the class"
    assert ctx["holder"] == holder, "the card needs the whole record: read again from the registry"
    assert (ctx["nik"], ctx["holder_name"], ctx["sim_number"]) == (holder["nik"], holder["name"], holder["sim_number"])
    assert fee == 80000


def _uppercase_runs(text: str) -> set[str]:
    """Every run of 2 to 4 consecutive upper-case words: the synthetic population's names are such runs."""
    out = set()
    for run in re.findall(r"[A-Z][A-Z'.-]*(?: [A-Z][A-Z'.-]*)+", text):
        words = run.split()
        out |= {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, min(len(words), i + 4) + 1)}
    return out


def test_whole_renewals_leave_full_niks_and_names_only_where_allowed(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    assert main(["simulate", "--hours", "3", "--lanes", "2", "--db", str(db), "--fast-store"]) == 0
    people = sqlite3.connect(tmp_path / "registry.db")
    niks = {n for (n,) in people.execute("select nik from holders")}
    names = {n for (n,) in people.execute("select name from holders")}
    people.close()
    con = sqlite3.connect(db)
    served = con.execute("select count(*) from cycles where nik is not null and nik not like '%*%'").fetchone()[0]
    prefilled = con.execute("select count(*) from notices where text like '%prefill%nik%'").fetchone()[0]
    assert served > 10 and prefilled > 0, "renewals with holders and pre-registrations went through"
    found = []
    tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        for column in [r[1] for r in con.execute(f"pragma table_info([{table}])") if r[2] in ("TEXT", "")]:
            if (table, column) in ALLOWED:
                continue
            for (value,) in con.execute(f"select [{column}] from [{table}] where typeof([{column}]) = 'text'"):
                leaked = (set(re.findall(r"\d{16}", value)) & niks) | (_uppercase_runs(value) & names)
                found += [(table, column, x) for x in leaked]
    con.close()
    assert not found, found[:10]


MASKING = 6  # MIGRATIONS[6] (schema version 7) masks what older versions wrote in full; migrations only append


class _Old:
    """A store built by the migrations before `version` only, as an older program left it."""

    def __init__(self, path: Path, version: int) -> None:
        self.db = sqlite_utils.Database(path)
        for migration in MIGRATIONS[:version]:
            migration(self.db)
        self.db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        self.db.conn.close()


def test_a_store_written_before_gets_its_personal_data_masked_when_opened(tmp_path: Path) -> None:
    nik, name, sim = "3310046908608118", "TRI RAHMAWATI", "2320792618423"
    holder = {"name": name, "nik": nik, "sim_number": sim, "sim_class": "A", "address": "JL. MERDEKA 1"}
    db = tmp_path / "old.db"
    store = _Old(db, MASKING)  # as the store was before its personal data was masked
    store.db.table("cycles").insert(
        {
            "id": 1,
            "lane": "L1",
            "holder_name": name,
            "nik": nik,
            "sim_number": sim,
            "reason": f"NIK {nik} belongs to someone else",
        }
    )
    rows = {
        "events": {"id": 1, "cycle_id": 1, "detail": json.dumps({"holder_name": name, "nik": nik, "checked": True})},
        "notices": {"id": 1, "cycle_id": 1, "kind": "request", "text": json.dumps(
            {"what": "documents", "prefill": {"prereg_id": 3, "nik": nik, "sim": sim}})},
        "operator_actions": {"id": 1, "cycle_id": 1, "args": "{}", "message": f"documents accepted: {name}, SIM A"},
    }  # fmt: skip
    for table, row in rows.items():
        store.db.table(table).insert(row)
    store.db.table("notices").insert({"id": 2, "cycle_id": 1, "kind": "prompt", "text": "Silakan bayar"})
    store.db.table("lane_state").insert(
        {"lane": "L1", "cycle_id": 1, "context": json.dumps({"holder": holder, "nik": nik, "plate": "G 1 A"})}
    )
    store.db.table("lane_state").insert({"lane": "L2", "cycle_id": None, "context": json.dumps({"holder": holder})})
    store.close()
    Store(db).close()
    con = sqlite3.connect(db)
    text = "\n".join(
        str(v)
        for t in ("events", "notices", "operator_actions", "lane_state")
        for row in con.execute(f"select * from {t}")
        for v in row
    )
    assert nik not in text and name not in text and sim not in text and "MERDEKA" not in text
    assert con.execute("select nik, holder_name, reason from cycles").fetchone() == (
        nik,
        name,
        "NIK 331004********18 belongs to someone else",
    )
    assert json.loads(con.execute("select text from notices where id = 1").fetchone()[0])["prefill"] == {
        "prereg_id": 3,
        "nik": mask(nik),
        "sim": mask(sim),
    }
    assert con.execute("select text from notices where id = 2").fetchone()[0] == "Silakan bayar"
    assert con.execute("select message from operator_actions").fetchone()[0] == "documents accepted: T*** R***, SIM A"
    assert dict(con.execute("select lane, context from lane_state").fetchall())["L2"] == "{}"
    con.close()
