"""The `lane` command loads what a command runs only when it runs it: building the parser (every command pays it,
`lane check-config` and `lane report` included) loads none of the heavy libraries. scipy alone cost each command
0.6 s when `lane plan`'s simulation loaded it at import."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("scipy", "psycopg", "textual", "cv2", "numpy", "onnxruntime", "sqlite_utils", "torch")


def test_the_parser_loads_no_heavy_library() -> None:
    code = f"import sys, lane.cli; lane.cli._parser(); print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
