"""The HTML report is one self-contained file (nothing to fetch), and in headless Chromium with no network its
charts render: the screenshot shows each chart's colour (benchmarks/report_screenshot.py does the same by hand).
The Chromium tests skip with a message when /usr/bin/chromium is absent (`apt-get install chromium`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from lane.report import query, render_html
from lane.report.svg import COLOURS, nice_step
from tests.conftest import ROOT
from tests.lane.test_report import CONFIG, PERIOD, make_log
from tests.lane.test_report_queue import build as build_queue
from tests.lane.test_report_queue import make_queue_log


def _shooter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_screenshot", ROOT / "benchmarks" / "report_screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _queue_html(tmp_path: Path, lang: str = "id") -> Path:
    """The report of the two-week log with waits (tests/lane/test_report_queue.py)."""
    path = tmp_path / f"queue-{lang}.html"
    render_html.save(build_queue(make_queue_log(tmp_path / "queue.db")), path, lang)
    return path


def _html(tmp_path: Path) -> Path:
    con = query.connect(make_log(tmp_path / "log.db"))
    report = query.build(con, CONFIG, PERIOD)
    con.close()
    path = tmp_path / "report.html"
    render_html.save(report, path)
    return path


needs_chromium = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
)


def test_the_file_fetches_nothing(tmp_path: Path) -> None:
    html = _html(tmp_path).read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    for needle in ("http:", "https:", "//", "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import"):
        assert needle not in html.replace("</", "<"), needle  # "</td>" is not a "//"
    assert html.count("<svg") == 8  # histogram, day and week trends, lanes, stages, hours, share by day, timelines
    assert 'stroke-dasharray="8 4"' in html and "target 10 menit" in html  # the 10-minute line


def test_each_chart_draws_its_data_in_its_colour(tmp_path: Path) -> None:
    html = _html(tmp_path).read_text()
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    for chart, colours in zip(
        charts,
        (
            ("histogram", "target"),
            ("trend_day", "goal"),
            ("trend_week", "goal"),
            ("lane_service", "goal"),
            ("stage", "stage_over"),
            ("hour_done", "hour_other"),
            ("share",),
        ),
        strict=False,
    ):
        for name in colours:
            assert COLOURS[name] in chart, name
    assert not any(colour in render_html.CSS for colour in COLOURS.values()), "text would pass for a chart"
    # Histogram bars: the five completed cycles in bins 8, 10, 14, 20 and 22 of 30 s
    assert len(re.findall(rf'fill="{COLOURS["histogram"]}"', charts[0])) == 5


def test_histogram_labels_sit_at_bin_edges_and_the_goal_line_at_ten(tmp_path: Path) -> None:
    chart = re.findall(r"<svg.*?</svg>", _queue_html(tmp_path).read_text(), re.S)[0]
    line = re.search(r'<line x1="([\d.]+)" x2="\1"[^>]*stroke="' + COLOURS["target"], chart)
    ten = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="middle">10</text>', chart)
    zero = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="middle">0</text>', chart)
    assert line and ten and zero
    assert ten.group(1) == line.group(1), "the 10-minute label is where the 10-minute line is"
    assert float(zero.group(1)) == 56.0, "the 0 label at the plot's left edge (LEFT), not in the first bin's middle"


def test_trend_charts_draw_the_goal_line_at_the_target(tmp_path: Path) -> None:
    html = _queue_html(tmp_path).read_text()
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    day, week, lanes = charts[1], charts[2], charts[3]
    assert "Tren harian waktu total" in day and "Tren mingguan waktu total" in week and "2026-W11" in week
    for chart in (day, week, lanes):
        assert chart.count(f'stroke="{COLOURS["goal"]}"') == 1 and "target 10 menit" in chart
    assert day.count(f'fill="{COLOURS["trend_day"]}"') == 10  # 5 days with a median and a p90 (03-11: rejected only)
    assert week.count(f'fill="{COLOURS["trend_week"]}"') == 4


def test_english_with_lang_en(tmp_path: Path) -> None:
    html = _queue_html(tmp_path, "en").read_text()
    assert '<html lang="en">' in html and "Daily trend of total time" in html and "goal 10 min" in html
    assert "Lanes side by side" in html and "Tren harian" not in html and "kendaraan" not in html
    default = _queue_html(tmp_path).read_text()
    assert (
        '<html lang="id">' in default and "Per lajur, berdampingan" in default and "Lanes side by side" not in default
    )


@pytest.mark.parametrize(("top", "step"), [(42, 10), (5, 1), (100, 20), (0.5, 0.1), (0, 1)])
def test_axis_steps(top: float, step: float) -> None:
    assert nice_step(top) == pytest.approx(step)


@pytest.mark.slow
@needs_chromium
def test_charts_render_in_headless_chromium_with_no_network(tmp_path: Path) -> None:
    shooter = _shooter()
    png = tmp_path / "shot.png"
    shooter.screenshot(_html(tmp_path), png)
    counts = shooter.chart_pixels(png)
    for name in (*shooter.REQUIRED, "stage_over", "hour_other"):
        assert counts[name] >= shooter.MIN_PIXELS, (name, counts)


@pytest.mark.slow
@needs_chromium
def test_goal_line_and_trend_charts_show_in_headless_chromium(tmp_path: Path) -> None:
    shooter = _shooter()
    png = tmp_path / "shot.png"
    shooter.screenshot(_queue_html(tmp_path), png)
    counts = shooter.chart_pixels(png)
    for name in (*shooter.REQUIRED, "lane_wait"):
        if name != "stage":  # the log has no stage times: the stage chart has only its budget ticks
            assert counts[name] >= shooter.MIN_PIXELS, (name, counts)


@pytest.mark.slow
@needs_chromium
def test_the_check_fails_on_a_page_without_charts(tmp_path: Path) -> None:
    page = _html(tmp_path)
    stripped = tmp_path / "no-charts.html"
    stripped.write_text(re.sub(r"<svg.*?</svg>", "", page.read_text(), flags=re.S))
    shooter = _shooter()
    png = tmp_path / "shot.png"
    shooter.screenshot(stripped, png)
    counts = shooter.chart_pixels(png)
    assert all(counts[name] < shooter.MIN_PIXELS for name in shooter.REQUIRED), counts


def test_the_slowest_timelines_start_with_the_wait(tmp_path: Path) -> None:
    timelines = re.findall(r"<svg.*?</svg>", _queue_html(tmp_path).read_text(), re.S)[-1]
    assert "tunggu, lalu urutan tahap" in timelines
    assert [m for m in re.findall(r"<title>tunggu ([\d:.]+)</title>", timelines)] == ["5:00.0", "3:20.0", "6:40.0"]
    assert "L1 #2 11:40.0" in timelines  # labelled with the total time
