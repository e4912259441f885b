"""The hostile corpus (benchmarks/hostile_corpus.py), on Hypothesis's inputs: every target (config files, prompt
templates, registry import, image files, the CSV and terminal writers) ends each input as accepted or as a clear
refusal, never as a traceback, and its output keeps its rule. The issue's own cases each run by name too; the
benchmark runs the same in worker processes with time and memory limits and prints the figures."""

from __future__ import annotations

import importlib.util
import random
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile_corpus", ROOT / "benchmarks" / "hostile_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOSTILE = _load()
SLOW_OK = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("target", "name", "data"), HOSTILE.named(), ids=[n for _, n, _ in HOSTILE.named()])
def test_the_issues_own_cases_are_refused_or_made_safe(target: str, name: str, data: bytes) -> None:
    status, detail = HOSTILE.run_case(target, data)
    assert status in ("ok", "refused"), detail
    if target in ("site", "prompts", "registry", "image"):
        assert status == "refused"


@pytest.mark.parametrize("target", sorted(HOSTILE.GENERATORS))
@SLOW_OK
@given(rnd=st.randoms(use_true_random=False))
def test_generated_inputs_end_clearly(target: str, rnd: random.Random) -> None:
    status, detail = HOSTILE.run_case(target, HOSTILE.GENERATORS[target](rnd))
    assert status in ("ok", "refused"), f"{status}: {detail}"


@SLOW_OK
@given(data=st.binary(max_size=4000))
def test_any_bytes_as_a_site_file_a_holder_csv_or_an_image(data: bytes) -> None:
    for target in ("site", "prompts", "registry", "image"):
        status, detail = HOSTILE.run_case(target, data)
        assert status in ("ok", "refused"), f"{target}: {status}: {detail}"


@SLOW_OK
@given(text=st.text(max_size=300))
def test_any_text_through_the_writers_and_as_a_template(text: str) -> None:
    for target in ("report", "terminal", "template"):
        status, detail = HOSTILE.run_case(target, text.encode("utf-8", errors="surrogatepass"))
        assert status in ("ok", "refused"), f"{target}: {status}: {detail}"


def test_the_harness_counts_a_traceback_and_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, work: object) -> str:
        raise RecursionError("maximum recursion depth exceeded")

    def leaky(data: bytes, work: object) -> str:
        raise AssertionError("a control character reached the terminal")

    monkeypatch.setitem(HOSTILE.TARGETS, "site", broken)
    monkeypatch.setitem(HOSTILE.TARGETS, "report", leaky)
    assert HOSTILE.run_case("site", b"")[0] == "traceback"
    assert HOSTILE.run_case("report", b"") == ("violation", "a control character reached the terminal")
