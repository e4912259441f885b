"""Every documented `lane` command given bad input: a one-line message naming the problem and a documented exit
code (1: the work failed or found a problem; 2: a usage or configuration error), never a traceback. The commands run
in this process, so that an exception escaping `main` fails the test with its traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lane.cli import main
from tests.conftest import ROOT

SITE = str(ROOT / "config" / "site.toml")
NOWHERE = "{tmp}/missing"  # a folder that is not there (under the test's own folder, so nothing outside it is made)

#: (id, arguments, expected exit code, a phrase the message must hold). `{tmp}` is the test's own folder.
CASES: list[tuple[str, list[str], int, str]] = [
    ("unknown-command", ["fly"], 2, "invalid choice"),
    ("demo-speed-0", ["demo", "--speed", "0"], 2, "--speed: expected more than 0"),
    ("demo-speed-nan", ["demo", "--speed", "nan"], 2, "finite"),
    ("demo-renewals-negative", ["demo", "--renewals", "-1"], 2, "--renewals: expected 0 to 10000"),
    ("demo-sims-missing", ["demo", "--sims", f"{NOWHERE}/sims.json"], 2, "--sims"),
    ("simulate-arrivals-negative", ["simulate", "--arrivals-per-hour", "-3"], 2, "--arrivals-per-hour"),
    ("simulate-arrivals-0", ["simulate", "--arrivals-per-hour", "0"], 2, "expected more than 0"),
    ("simulate-hours-text", ["simulate", "--hours", "eight"], 2, "expected a number, got 'eight'"),
    ("simulate-lanes-99", ["simulate", "--lanes", "99"], 2, "--lanes: expected 1 to 32, got 99"),
    ("simulate-lane-abbreviated", ["simulate", "--lane", "L9"], 2, "unrecognized arguments: --lane"),
    ("simulate-db-nowhere", ["simulate", "--hours", "0.1", "--db", f"{NOWHERE}/s.db"], 2, "--db"),
    ("run-db-nowhere", ["run", "--plain", "--db", f"{NOWHERE}/run.db"], 2, "--db"),
    ("console-db-missing", ["console", "--db", "{tmp}/none.db"], 1, "no site database"),
    ("config-missing", ["--config", f"{NOWHERE}/site.toml", "check-config"], 2, "site.toml"),
    ("config-not-toml", ["--config", "{tmp}/bad.toml", "check-config"], 2, "bad.toml"),
    ("report-html-nowhere", ["report", "--html", f"{NOWHERE}/r.html"], 2, "does not exist"),
    ("report-csv-folder", ["report", "--csv", "{tmp}"], 2, "is a folder"),
    ("report-slowest-negative", ["report", "--slowest", "-1"], 2, "--slowest: expected 0 to 1000"),
    ("report-bad-date", ["report", "--from", "2026-13-01"], 2, "--from"),
    ("report-db-missing", ["report", "--db", "{tmp}/none.db"], 1, "none.db"),
    ("audit-db-missing", ["audit", "verify", "--db", "{tmp}/none.db"], 1, "none.db"),
    ("sim-devices-speed", ["sim-devices", "--speed", "-1"], 2, "--speed"),
    ("sim-devices-site-file", ["sim-devices", "--site-file", f"{NOWHERE}/site.toml"], 2, "does not exist"),
    ("plates-missing-file", ["plates", "read", "{tmp}/none.png"], 1, "none.png"),
    ("plates-corrupt-file", ["plates", "read", "{tmp}/corrupt.png"], 1, "corrupt.png"),
    ("plates-candidates-0", ["plates", "read", "--candidates", "0", "x.png"], 2, "--candidates: expected 1 to 10"),
    ("retention-db-missing", ["retention", "run", "--db", "{tmp}/none.db"], 1, "none.db"),
    ("registry-count-0", ["registry", "--path", "{tmp}/r.db", "seed", "--count", "0"], 2, "--count"),
    ("registry-import-missing", ["registry", "--path", "{tmp}/r.db", "import", "{tmp}/none.csv"], 2, "none.csv"),
    ("registry-lookup-unknown", ["registry", "--path", "{tmp}/r.db", "lookup", "1"], 1, "no holder"),
    ("officer-bad-role", ["officer", "add", "op1", "--role", "king"], 2, "invalid choice"),
    (
        "officer-bad-id",
        ["officer", "add", "op 1!", "--db", "{tmp}/o.db", "--role", "operator", "--pin-stdin"],
        1,
        "op 1!",
    ),
    ("officer-unknown", ["officer", "passwd", "nobody", "--db", "{tmp}/o.db", "--pin-stdin"], 1, "nobody"),
]


@pytest.mark.parametrize(("args", "code", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_and_a_documented_code(
    args: list[str],
    code: int,
    phrase: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "bad.toml").write_text("[site\nname = ")
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    monkeypatch.setattr("sys.stdin", io.StringIO("482913\n"))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if argv[0] != "--config":
        argv = ["--config", SITE, *argv]
    assert main(argv) == code
    out, err = capsys.readouterr()
    said = out + err
    assert "Traceback" not in said
    assert phrase in said, said
    assert said.strip(), "no message at all"
