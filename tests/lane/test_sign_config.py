"""The lane sign's size in the site file (`[lanes.sign]`) and `lane check-config`'s check of every prompt against
it: the shipped prompts fit the shipped 2 x 32 signs; a prompt too long for a screen, or with a character the sign
cannot show ("±"), stops the start with exit code 2, one line a problem naming the prompt, language and lanes."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flows import signs
from lane.cli import main
from lane.config import ConfigError, load
from lane.sign_check import rupiah
from tests.conftest import ROOT


def _site(tmp_path: Path, prompts: str | None = None, sign: str = "") -> Path:
    text = (ROOT / "config" / "site.toml").read_text(encoding="utf-8")
    if sign:
        head, shipped, tail = text.rpartition("[lanes.sign]\nchars = 32\nlines = 2\n")  # lane L2's
        assert shipped, "the shipped site file gives lane L2 its sign"
        text = head + sign + "\n" + tail
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    if prompts is None:
        shutil.copy(ROOT / "config" / "prompts.toml", tmp_path / "prompts.toml")
    else:
        (tmp_path / "prompts.toml").write_text(prompts, encoding="utf-8")
    return tmp_path / "site.toml"


def test_every_shipped_prompt_fits_the_configured_sign() -> None:
    config = load(ROOT / "config" / "site.toml")
    table = tomllib.loads((ROOT / "config" / "prompts.toml").read_text(encoding="utf-8"))["prompts"]
    assert table, "the shipped prompts.toml has prompts"
    for lane in config.lanes:
        size = lane.sign.size()
        assert (size.lines, size.chars) == (2, 32)
        fee = rupiah(max(config.tariffs.values()))
        for code, pair in table.items():
            for text in pair:
                assert not signs.problems(text, size, {**signs.SAMPLES, "fee": fee}), (lane.id, code, text)
            filled = [signs.fill_samples(text, {"fee": fee, "remaining": "999"}) for text in pair]
            for screen in signs.screens(filled[0], filled[1], size):
                assert all(len(line) <= 32 for line in screen), (code, screen)


def test_check_config_flags_a_prompt_too_long_and_a_character_the_sign_cannot_show(tmp_path: Path, capsys: Any) -> None:
    site = _site(
        tmp_path, '[prompts]\nprinting = ["SIM sedang dicetak, tunggu ±{remaining} detik", "About {remaining} s"]\n'
    )
    assert main(["--config", str(site), "check-config"]) == 2
    err = capsys.readouterr().err.splitlines()
    problems = [line for line in err if "prompts.printing[0]" in line]
    assert len(problems) == 2, err
    assert any("'±'" in line and "cannot show" in line and "lanes L1, L2" in line for line in problems), problems
    assert any("does not fit" in line and "1 line of 32" in line for line in problems), problems
    assert all(str(tmp_path / "prompts.toml") in line and "Bahasa Indonesia" in line for line in problems)
    assert not any("printing[1]" in line for line in err), "the English text fits and is not flagged"


def test_a_prompt_is_checked_against_each_lane_s_own_sign(tmp_path: Path) -> None:
    site = _site(
        tmp_path, sign='[lanes.sign]\nchars = 24\nlines = 2\ncharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ .,:!-/&?"'
    )
    with pytest.raises(ConfigError) as caught:
        load(site)
    lines = str(caught.value).splitlines()
    assert lines and all(line.endswith("(lane L2)") for line in lines), lines  # L1 keeps its 2 x 32 sign
    assert any("prompts.idle[1] (English)" in line and "'W' is a character" not in line for line in lines)
    assert any("'e' is a character the sign cannot show" in line for line in lines)
    assert any("prompts.photo@C[0]" in line for line in lines)
    assert not any("photo@A" in line for line in lines), "a car prompt is not shown on a motorcycle lane"


def test_a_sign_set_beyond_what_the_protocol_carries_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"lanes\[1\]\.sign\.characters: .*cannot carry '<±'"):
        load(_site(tmp_path, sign='[lanes.sign]\ncharacters = "ABC<±"'))
    with pytest.raises(ConfigError, match=r"lanes\[1\]\.sign\.lines"):
        load(_site(tmp_path, sign="[lanes.sign]\nlines = 3"))


def test_a_bigger_sign_gives_each_language_its_half() -> None:
    size = signs.SignSize(chars=20, lines=4)
    shown = signs.screens("Serahkan e-KTP dan SIM lama, surat sehat", "Hand over e-KTP", size)
    assert shown == [("Serahkan e-KTP dan\nSIM lama, surat", "Hand over e-KTP\n"), ("sehat\n", "\n")]
