"""The site configuration: the shipped site.toml loads, and every malformed file stops the CLI with exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flows.renewal import BUDGET_CEILING_SECONDS, LaneClass
from lane.cli import main
from lane.config import ConfigError, load

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "site.toml"
HEADER = "lane: configuration error"

#: What a case writes to the site file: text, raw bytes, or None for "no file at all".
Content = str | bytes | None
Build = Callable[[str], Content]
#: An edit of the shipped text into text (a Build that always writes a file).
Edit = Callable[[str], str]

SMALL_SITE = '[site]\nname = "Test site"\noffice_code = "TEST-1"\n'
SMALL_LANE = '[[lanes]]\nid = "L1"\nclass = "A"\n'


@pytest.fixture(autouse=True)
def _keep_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` sets OMP_THREAD_LIMIT with setdefault; keep it from leaking into other tests."""
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


def _shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def sub(old: str, new: str) -> Edit:
    """An edit of the shipped file; fails loudly if the shipped file no longer holds `old` exactly once."""

    def build(text: str) -> str:
        assert text.count(old) == 1, f"config/site.toml changed: {old!r} is not there exactly once"
        return text.replace(old, new)

    return build


def cut(start: str, end: str) -> Edit:
    """The shipped file without the text from the first `start` up to (not including) `end`."""

    def build(text: str) -> str:
        assert start in text and text.count(end) == 1, f"config/site.toml changed: {start!r}/{end!r}"
        i, j = text.index(start), text.index(end)
        assert i < j
        return text[:i] + text[j:]

    return build


def whole(text: str) -> Build:
    """A complete small file, independent of the shipped one."""
    return lambda _shipped: text


def no_lanes_at_all(text: str) -> str:
    """`lanes = []` at the top (before any table) and no [[lanes]] blocks."""
    return "lanes = []\n" + cut("[[lanes]]", "[simulation]")(text)


def latin1(text: str) -> bytes:
    return sub('name = "MPP Batang"', 'name = "MPP Batáng"')(text).encode("latin-1")


#: (how to build the file, the key path or None when the problem is not in one key, phrase of what was expected)
CASES = [
    pytest.param(lambda _t: None, None, "file not found", id="file-not-found"),
    pytest.param(whole(SMALL_SITE + "target_minutes =\n"), None, "not valid TOML", id="toml-syntax-error"),
    pytest.param(sub('name = "MPP Batang"', 'name = "MPP Batang'), None, "not valid TOML", id="unclosed-string"),
    pytest.param(latin1, None, "utf-8", id="not-utf8"),
    pytest.param(cut("[site]", "[store]"), "site", "required key is missing", id="missing-site"),
    pytest.param(sub('name = "MPP Batang"\n', ""), "site.name", "required key is missing", id="missing-site-name"),
    pytest.param(sub('"Asia/Jakarta"', '"Asia/Batang"'), "site.timezone", "an IANA time zone", id="unknown-tz"),
    pytest.param(
        sub('office_code = "SATPAS-BTG"', 'office_code = "satpas btg"'),
        "site.office_code",
        "should match pattern",
        id="bad-office-code",
    ),
    pytest.param(
        sub("target_minutes = 10", "target_minutes = 0"),
        "site.target_minutes",
        "greater than 0",
        id="target-minutes-zero",
    ),
    pytest.param(lambda t: t + '\n[lanse]\nid = "L3"\nclass = "A"\n', "lanse", "unknown key", id="typo-top-level"),
    pytest.param(
        lambda t: t + '\n[plates]\nline_model = "models/site.onnx"\n',
        "plates.line_model",
        "unknown key: the reader now runs the plate recogniser; name one fine-tuned",
        id="retired-line-model",
    ),
    pytest.param(sub('class = "C"', 'class = "B"'), "lanes[1].class", "Input should be 'A' or 'C'", id="class-B"),
    pytest.param(sub('id = "L1"', 'id = "L 1"'), "lanes[0].id", "should match pattern", id="lane-id-with-space"),
    pytest.param(
        sub('id = "L2"', 'id = "L1"'),
        "lanes",
        "has repeated ids: L1",
        id="duplicate-ids",
    ),
    pytest.param(sub("photo = 90", "photo = -5"), "lanes[0].budgets.photo", "greater than 0", id="negative-budget"),
    pytest.param(
        sub("photo = 90", "photo = 90\nselfie = 10"),
        "lanes[0].budgets.selfie",
        "unknown key",
        id="budget-unknown-stage",
    ),
    pytest.param(
        sub("photo = 90\n", "photo = 90\n[lanes.hard_limits]\nphoto = 60\n"),
        "lanes[0].hard_limits.photo",
        "is below its budget (90 s)",
        id="hard-limit-below-budget",
    ),
    pytest.param(sub("A = 80000\n", ""), "tariffs", "no fee for class A (lane L1)", id="tariff-missing-A"),
    pytest.param(sub('"C II" = 75000\n', ""), "tariffs", "no fee for class C II (lane L2)", id="tariff-missing-C-II"),
    pytest.param(no_lanes_at_all, "lanes", "at least 1 item", id="lanes-empty"),
    pytest.param(whole(SMALL_SITE), "lanes", "required key is missing", id="lanes-missing"),
    pytest.param(
        sub("hard_factor = 3.0", "hard_factor = 0.5"),
        "rules.hard_factor",
        "greater than or equal to 1",
        id="hard-factor-below-1",
    ),
    pytest.param(
        sub("plate_agreement = 2", "plate_agreement = 0"),
        "rules.plate_agreement",
        "greater than or equal to 1",
        id="plate-agreement-zero",
    ),
    pytest.param(
        sub(
            'drive_in = { kind = "lognormal", median = 12, sigma = 0.3 }',
            'drive_in = { kind = "uniform", low = 20, high = 10 }',
        ),
        "simulation.steps.drive_in",
        "low <= high",
        id="uniform-low-above-high",
    ),
    pytest.param(
        sub("median = 70, sigma = 0.35", "sigma = 0.35"),
        "simulation.steps.documents",
        "a lognormal distribution needs median",
        id="lognormal-without-median",
    ),
    pytest.param(
        sub("photo_retake = 0.12", "photo_retake = 1.5"),
        "simulation.mishaps.photo_retake",
        "less than or equal to 1",
        id="mishap-share-above-1",
    ),
    pytest.param(
        sub('regions = ["G", "G", "G", "H", "AD", "K", "B"]', 'regions = ["G", "g"]'),
        "simulation.regions[1]",
        "should match pattern",
        id="region-lowercase",
    ),
    pytest.param(
        sub("arrivals_per_hour = 5.0", 'arrivals_per_hour = "five"'),
        "simulation.arrivals_per_hour",
        "valid number",
        id="arrivals-not-a-number",
    ),
    pytest.param(
        sub("durable = true", 'durable = "yes"'),
        "store.durable",
        "valid boolean",
        id="durable-string",
    ),
    pytest.param(
        whole(SMALL_SITE + "[store]\ndurable = 1\n" + SMALL_LANE),
        "store.durable",
        "valid boolean",
        id="durable-integer",
    ),
    # Hostile files: each gave a traceback (or took the whole memory) before the file's bounds were checked.
    pytest.param(
        lambda t: t + "deep = " + "[" * 5000 + "]" * 5000 + "\n", None, "nested deeper than 8", id="nested-5000"
    ),
    pytest.param(
        lambda t: t + "deep = " + "{ a = " * 2000 + "1" + " }" * 2000 + "\n", None, "nested deeper", id="inline-2000"
    ),
    pytest.param(
        sub(
            'backend = "virtual"\nplate_reader = "ocr"\ncard_stock',
            'io_map = { a = [[[[[[[1]]]]]]] }\nbackend = "virtual"\nplate_reader = "ocr"\ncard_stock',
        ),
        "lanes[0].devices.io_map.a[0][0][0][0]",
        "nested deeper than 8 levels",
        id="nested-10-under-a-lane",
    ),
    pytest.param(sub("seed = 20261128", "seed = " + "9" * 5000), None, "not valid TOML", id="integer-5000-digits"),
    pytest.param(lambda t: t + "# " + "x" * 300_000 + "\n", None, "larger than 256 KiB", id="file-300-KiB"),
    pytest.param(
        sub('name = "MPP Batang"', f'name = "{"x" * 5000}"'),
        "site.name",
        "a string of 5000 characters",
        id="long-string",
    ),
    pytest.param(
        sub('name = "MPP Batang"', 'name = "MPP \\u001b[2J\\u001b]8;;http://x\\u0007Batang"'),
        "site.name",
        "control character U+001B",
        id="escape-in-name",
    ),
    pytest.param(lambda t: t + "many = [" + "1," * 30_000 + "]\n", None, "more than 20000 values", id="30000-values"),
    pytest.param(lambda t: t.encode("utf-16"), None, "not utf-8", id="utf-16"),
]


def _write(tmp_path: Path, build: Build) -> Path:
    path = tmp_path / "site.toml"
    content = build(_shipped())
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    return path


def _check_error(err: str, path: Path, key: str | None, expected: str) -> None:
    lines = err.strip().splitlines()
    assert lines[0] == HEADER, err
    assert lines[1:], err
    for line in lines[1:]:
        assert line.startswith(f"{path}: "), f"a line without the file name: {line!r}"
    if key is not None:
        assert any(line.startswith(f"{path}: {key}: ") for line in lines[1:]), f"key {key!r} not named:\n{err}"
    assert expected in err, f"{expected!r} not said:\n{err}"


def test_shipped_config_loads() -> None:
    config = load(SHIPPED)
    assert config.site.name == "MPP Batang"
    assert [(lane.id, lane.lane_class) for lane in config.lanes] == [("L1", LaneClass.A), ("L2", LaneClass.C)]
    for lane in config.lanes:
        assert config.flow(lane).budget_total() <= BUDGET_CEILING_SECONDS


def test_check_config_of_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(SHIPPED), "check-config"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"{SHIPPED}: ok: MPP Batang (SATPAS-BTG), 2 lanes" in out
    assert "L1: SIM A" in out and "L2: SIM C" in out


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 14


@pytest.mark.parametrize(("build", "key", "expected"), CASES)
def test_check_config_rejects(
    build: Build, key: str | None, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, build)
    assert main(["--config", str(path), "check-config"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _check_error(err, path, key, expected)


@pytest.mark.parametrize(("build", "key", "expected"), CASES)
def test_load_raises_config_error(build: Build, key: str | None, expected: str, tmp_path: Path) -> None:
    path = _write(tmp_path, build)
    with pytest.raises(ConfigError) as caught:
        load(path)
    _check_error(f"{HEADER}\n{caught.value}", path, key, expected)


def test_simulate_with_bad_config_starts_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, sub('class = "C"', 'class = "B"'))
    db = tmp_path / "sim.db"
    assert main(["--config", str(path), "simulate", "--hours", "0.1", "--db", str(db)]) == 2
    _check_error(capsys.readouterr().err, path, "lanes[1].class", "Input should be 'A' or 'C'")
    assert not db.exists()
    assert not list(tmp_path.glob("sim.db*"))


def test_simulate_with_bad_config_keeps_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, sub("photo_retake = 0.12", "photo_retake = 1.5"))
    db = tmp_path / "sim.db"
    db.write_bytes(b"yesterday")
    assert main(["--config", str(path), "simulate", "--hours", "0.1", "--db", str(db)]) == 2
    assert capsys.readouterr().err.startswith(HEADER)
    assert db.read_bytes() == b"yesterday"


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--lanes", "0"], "--lanes: expected 1 to 32, got 0"),
        (["--lanes", "33"], "--lanes: expected 1 to 32, got 33"),
        (["--hours", "-1"], "--hours: expected more than 0"),
        (["--hours", "0"], "--hours: expected more than 0"),
        (["--hours", "745"], "at most 744"),
    ],
    ids=["lanes-0", "lanes-33", "hours-negative", "hours-0", "hours-745"],
)
def test_simulate_rejects_bad_arguments(
    args: list[str], phrase: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sim.db"
    assert main(["--config", str(SHIPPED), "simulate", *args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lane simulate: argument ")
    assert phrase in err
    assert err.count("\n") == 1  # one line, no usage block, no traceback
    assert not db.exists()
