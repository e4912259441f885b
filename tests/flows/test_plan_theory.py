"""Site planning's simulation against queueing theory: with Poisson arrivals and exponential service on 1 to 4
servers sharing one queue, at utilisation 0.5 to 0.9, the simulated mean wait and P(wait > t) agree with Erlang C
within their 99% confidence intervals over independent simulated days."""

from __future__ import annotations

import random

import pytest

from flows.plan_model import Demand, Layout, Segment
from flows.plan_sim import Estimate, simulate_day
from flows.plan_theory import allen_cunneen_wait, erlang_c, mmc_mean_wait, mmc_wait_beyond
from flows.renewal import LaneClass
from flows.states import Stage

MEAN_S = 60.0  # mean service time
T_S = 60.0  # P(wait > T_S)
HOURS = 24  # a day of constant demand; the first WARMUP_H hours are not counted (the queue starts empty)
WARMUP_H = 8.0
DAYS = 16


def exponential(lane_class: LaneClass, rng: random.Random) -> tuple[list[Segment], bool]:
    return [Segment(Stage.DOCUMENTS, rng.expovariate(1 / MEAN_S))], False


def check(servers: int, rho: float) -> None:
    rate_h = rho * servers * 3600 / MEAN_S
    demand = Demand({LaneClass.A: (rate_h,) * HOURS})
    layout = Layout({LaneClass.A: servers}, {LaneClass.A: servers}, shared=True, capacity=10**6)
    days = [simulate_day(exponential, demand, layout, seed, warmup_h=WARMUP_H) for seed in range(DAYS)]
    mean = Estimate.of([sum(d.waits) / len(d.waits) for d in days], level=0.99)
    beyond = Estimate.of([sum(w > T_S for w in d.waits) / len(d.waits) for d in days], level=0.99)
    want_mean = mmc_mean_wait(servers, rate_h / 3600, MEAN_S)
    want_beyond = mmc_wait_beyond(servers, rate_h / 3600, MEAN_S, T_S)
    where = f"{servers} servers at utilisation {rho}"
    assert mean.lower <= want_mean <= mean.upper, f"{where}: mean wait {mean} against Erlang C {want_mean:.2f} s"
    assert beyond.lower <= want_beyond <= beyond.upper, f"{where}: P(W>t) {beyond} against Erlang C {want_beyond:.4f}"


def test_erlang_c_known_values() -> None:
    # A textbook case: 2 servers, 1 Erlang offered: P(wait) = 1/3; and 1 server: P(wait) = utilisation.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert allen_cunneen_wait(2, 1 / 120, 60, 1.0, 1.0) == pytest.approx(mmc_mean_wait(2, 1 / 120, 60))
    with pytest.raises(ValueError, match="load < servers"):
        erlang_c(2, 2.5)


def test_simulation_agrees_with_erlang_c_at_moderate_load() -> None:
    check(2, 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("servers", [1, 2, 3, 4])
@pytest.mark.parametrize("rho", [0.5, 0.7, 0.9])
def test_simulation_agrees_with_erlang_c(servers: int, rho: float) -> None:
    check(servers, rho)
