"""config/prompts.toml: the shipped file loads, an edit reaches the driver's sign without code changes, and a
malformed file stops the start with exit code 2 and the entry at fault."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flows.prompts import PROMPTS
from lane.cli import main
from lane.config import load
from tests.conftest import ROOT, demo_args


def _site(tmp_path: Path, prompts: str | None) -> Path:
    shutil.copy(ROOT / "config" / "site.toml", tmp_path / "site.toml")
    if prompts is not None:
        (tmp_path / "prompts.toml").write_text(prompts, encoding="utf-8")
    return tmp_path / "site.toml"


def test_the_shipped_prompts_cover_every_built_in_code() -> None:
    config = load(ROOT / "config" / "site.toml")
    assert set(PROMPTS) <= set(config.prompt_texts)
    assert config.prompt_texts == dict(PROMPTS), "the shipped file says what the code says"


def test_an_edited_prompt_reaches_the_sign(tmp_path: Path, capsys: Any) -> None:
    site = _site(tmp_path, '[prompts]\nidle = ["Sugeng rawuh, monggo maju", "Welcome to Batang"]\n')
    db = tmp_path / "demo.db"
    assert main(["--config", str(site), *demo_args(db, 1, 200)]) == 0
    import sqlite3

    shown = {r[0] for r in sqlite3.connect(db).execute("select text from notices where kind = 'prompt'")}
    assert "Sugeng rawuh, monggo maju" in shown
    assert " ".join(PROMPTS["documents"][0].split()) in shown  # the others keep their built-in text (one line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[prompts]\nidle = "Selamat datang"\n', 'prompts.idle: expected ["Bahasa Indonesia", "English"]'),
        ('[prompts]\nidle = ["only one"]\n', "prompts.idle: expected"),
        (
            '[prompts]\npayment = ["Bayar {amount}", "Pay {amount}"]\n',
            "prompts.payment[0]: unknown placeholder {amount}",
        ),
        ('[prompt]\nidle = ["a", "b"]\n', "prompt: unknown key"),
        ("[prompts\n", "not valid TOML"),
        ('[prompts]\nidle = ["", "Welcome"]\n', "prompts.idle: expected"),
        # The three: each passed check-config and then faulted every renewal, filled the database, or
        # crashed check-config itself.
        (
            '[prompts]\npayment = ["Bayar {fee:d}", "Pay {fee}"]\n',
            "prompts.payment[0]: placeholder {fee} with a format",
        ),
        (
            '[prompts]\npayment = ["Bayar {fee:>99999999}", "Pay"]\n',
            "prompts.payment[0]: placeholder {fee} with a format",
        ),
        ('[prompts]\npayment = ["Bayar {fee", "Pay {fee}"]\n', "prompts.payment[0]: unbalanced braces"),
        (
            '[prompts]\npayment = ["Bayar {fee}", "Pay {fee!r}"]\n',
            "prompts.payment[1]: placeholder {fee} with a format",
        ),
        ('[prompts]\npayment = ["Bayar }", "Pay"]\n', "prompts.payment[0]: unbalanced braces"),
        ('[prompts]\npayment = ["Bayar {}", "Pay {0}"]\n', "prompts.payment[0]: unknown placeholder {}"),
        ('[prompts]\npayment = ["Bayar {fee.real}", "Pay"]\n', "prompts.payment[0]: unknown placeholder {fee.real}"),
        ('[prompts]\nidle = ["Halo {reason}", "Hello"]\n', "prompts.idle[0]: placeholder {reason} is not given"),
        ('[prompts]\nidle = ["Halo\\u001b[31m", "Hello"]\n', "prompts.idle[0]: a string holds the control character"),
        ("prompts = 3\n", "prompts: expected a [prompts] table"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "prompts.toml: nested deeper than 8 levels"),
        ("# " + "x" * 300_000 + "\n", "prompts.toml: larger than 256 KiB"),
    ],
    ids=[
        "not-a-pair",
        "one-language",
        "unknown-placeholder",
        "typo-table",
        "bad-toml",
        "empty-text",
        "format-spec-d",
        "format-spec-width",
        "open-brace",
        "conversion",
        "lone-close-brace",
        "positional",
        "attribute",
        "reason-outside-rejected",
        "escape-code",
        "not-a-table",
        "nested-5000",
        "huge-file",
    ],
)
def test_a_malformed_prompts_file_stops_the_start(tmp_path: Path, capsys: Any, text: str, expected: str) -> None:
    site = _site(tmp_path, text)
    assert main(["--config", str(site), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "prompts.toml" in err and expected in err
