"""Personal data, minimised: the files that hold it are owner-only."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from flows.states import Stage
from lane.registry import Registry
from lane.report.cache import DayCache, path_for
from lane.store import Store
from plates.reading import PlateReading
from tests.conftest import Rig

#: Columns that may hold a full NIK, name or SIM number (the registry is another file).
ALLOWED = {("cycles", "nik"), ("cycles", "holder_name"), ("cycles", "sim_number")}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


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
