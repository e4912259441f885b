"""The installed reader runs the shipped models without the code that trained them: importing `plates.reader` (or
`lane.run`, the lane's way to it) loads nothing from `plates_training`, nor torch, onnx or Pillow's font rendering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINING_ONLY = ("plates_training", "torch", "onnx", "PIL.ImageFont", "PIL.ImageDraw")


def _imported_by(module: str) -> list[str]:
    """The modules a fresh interpreter holds after importing `module` from this checkout."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


@pytest.mark.parametrize("module", ["plates.reader", "lane.run"])
def test_the_reader_imports_no_training_module(module: str) -> None:
    loaded = _imported_by(module)
    assert module in loaded
    assert [m for m in loaded if m.split(".")[0] in TRAINING_ONLY or m in TRAINING_ONLY] == []


def test_the_training_modules_are_not_in_the_runtime_package() -> None:
    moved = ("glyph_data", "glyph_train", "line_data", "line_torch", "line_train")
    assert [m for m in moved if (ROOT / "plates" / f"{m}.py").exists()] == []
    assert all((ROOT / "plates_training" / f"{m}.py").is_file() for m in moved)
