"""`lane plan` from the command line: an impossible layout or bad input is refused in one line with exit 2; a
plan writes its table, CSV and HTML and names the smallest layout that holds; `--from-db` on a simulated site gives
back the stage-time distributions the site was simulated with, within sampling error."""

from __future__ import annotations

import csv
import math
import random
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from flows.plan_model import StepTimes
from flows.renewal import LaneClass
from flows.states import Stage
from lane import plan_inputs
from lane.cli import main
from lane.config import load
from lane.plan_fit import fit
from tests.conftest import ROOT

CONFIG = ROOT / "config" / "site.toml"


def test_a_layout_without_a_lane_for_a_class_with_demand_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(CONFIG), "plan", "--layout", "A2,shared", "--days", "2", "--jobs", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "SIM C has" in err and "but no lane" in err, err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--layout", "A1,B2"], "cannot read 'B2'"),
        (["--layout", "A1,C4/1"], "needs between 2 and 4 officers"),
        (["--from-db", "/nonexistent/site.db"], "no database there"),
        (["--from-db", "TMP/text.db"], "file is not a database"),
        (["--days", "1"], "--days must be 2 to 1000"),
        (["--renewals-per-day", "250000"], "one site serves at most 10000"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "text.db").write_text("not a database\n")
    args = [a.replace("TMP", str(tmp_path)) for a in args]
    assert main(["--config", str(CONFIG), "plan", "--jobs", "1", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and err.count("\n") == 0, err


def test_a_plan_writes_its_table_csv_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_csv, out_html = tmp_path / "plan.csv", tmp_path / "plan.html"
    args = [
        "--config",
        str(CONFIG),
        "plan",
        "--renewals-per-day",
        "150",
        "--sim-a-share",
        "0.2",
        "--days",
        "6",
        "--jobs",
        "1",
    ]
    layouts = ["--layout", "A1,C1,q10", "--layout", "A1,C2,shared,q10", "--layout", "A2,C3,per-lane,q10"]
    assert main([*args, *layouts, "--csv", str(out_csv), "--html", str(out_html)]) == 0
    text = capsys.readouterr().out
    assert "150 renewals on the design day" in text and "Left out: real devices" in text
    assert "Smallest layout that holds the goal at every hour: A1/1 C2/2 shared q10" in text, text
    rows = list(csv.DictReader(out_csv.open()))
    holds = {r["layout"]: r["holds"] for r in rows}
    assert holds == {"A1/1 C1/1 shared q10": "no", "A1/1 C2/2 shared q10": "yes", "A2/2 C3/3 per-lane q10": "yes"}
    p90 = [r for r in rows if r["figure"] == "total p90" and r["hour"] == "all"]
    assert all(float(r["low"]) <= float(r["mean"]) <= float(r["high"]) for r in p90)
    html = out_html.read_text()
    assert html.count("<svg") == 2 and "<script" not in html and "Queue length through the day" in html


def model_stage(times: StepTimes, lane_class: LaneClass, stage: Stage, trigger: str) -> tuple[float, float]:
    """The log-mean and log-sd of a stage's time as the plan composes it from the configured steps."""
    rng = random.Random(7)
    logs = [math.log(times.draw(lane_class, stage, trigger, 1, rng).seconds) for _ in range(20000)]
    return statistics.fmean(logs), statistics.stdev(logs)


@pytest.mark.slow
def test_from_db_gives_back_the_simulated_step_times(tmp_path: Path) -> None:
    db = tmp_path / "site.db"
    cmd = [sys.executable, "-m", "lane.cli", "--config", str(CONFIG), "simulate", "--hours", "10", "--lanes", "2"]
    cmd += ["--arrivals-per-hour", "7", "--db", str(db), "--fast-store", "--plate-reader", "operator"]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=300)
    fitted = fit(db)
    config = load(CONFIG)
    # `lane simulate` has every plate typed by the operator; the plan composes the plate stage the same way then.
    times = plan_inputs.step_times(config.model_copy(update={"lanes": []}))
    times = StepTimes(times.steps, plate_typed=True, plate_wait=times.plate_wait)
    checked = 0
    for lane_class in LaneClass:
        for stage, trigger in (
            (Stage.ARRIVED, "admitted"),
            (Stage.PLATE, "plate_entered"),
            (Stage.DOCUMENTS, "documents_ok"),
            (Stage.PAYMENT, "paid"),
            (Stage.HANDOVER, "handed_over"),
            (Stage.EXITING, "vehicle_left"),
        ):
            n = fitted.samples[(lane_class, stage)]
            got = fitted.times.stages[(lane_class, stage)]
            mu, sd = model_stage(times, lane_class, stage, trigger)
            where = f"SIM {lane_class.value} {stage.value} ({n} cycles): fitted {got.describe()}"
            # Within 3.5 standard errors of the log-mean and of the log-sd (plus 0.05 for what the plan rounds:
            # the booms' and the loops' polling in the lane).
            assert abs(math.log(got.median) - mu) <= 3.5 * sd / math.sqrt(n) + 0.05, (
                f"{where}, model median {math.exp(mu):.1f}"
            )
            assert abs(got.sigma - sd) <= 3.5 * sd / math.sqrt(2 * n) + 0.05, f"{where}, model sigma {sd:.2f}"
            checked += 1
    assert checked == 12
    assert 0.0 < fitted.rejected[LaneClass.A] < 0.3
