"""Queueing theory to check site planning's simulation against (flows/plan_sim.py): Erlang C for Poisson arrivals
and exponential service on `c` servers sharing one queue (M/M/c), and the Allen-Cunneen approximation for general
arrival and service times (G/G/c), which scales Erlang C's wait by (ca² + cs²) / 2, the squared coefficients of
variation of the interarrival and service times. Pure arithmetic."""

from __future__ import annotations

import math


def erlang_c(servers: int, offered: float) -> float:
    """The probability that an arrival waits: `offered` = arrival rate x mean service time (Erlangs), which must be
    below `servers`. Computed through the Erlang B recursion, which stays stable for many servers."""
    if servers < 1 or not 0 <= offered < servers:
        raise ValueError(f"Erlang C needs 1 or more servers and 0 <= load < servers, got {servers} and {offered:g}")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    rho = offered / servers
    return b / (1 - rho + rho * b)


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """M/M/c: the mean wait in the queue (the time unit of `mean_service`; `arrival_rate` per that unit)."""
    offered = arrival_rate * mean_service
    return erlang_c(servers, offered) * mean_service / (servers - offered)


def mmc_wait_beyond(servers: int, arrival_rate: float, mean_service: float, t: float) -> float:
    """M/M/c: the probability that the wait in the queue is longer than `t`."""
    offered = arrival_rate * mean_service
    return erlang_c(servers, offered) * math.exp(-(servers - offered) * t / mean_service)


def allen_cunneen_wait(servers: int, arrival_rate: float, mean_service: float, ca2: float, cs2: float) -> float:
    """G/G/c: the Allen-Cunneen approximation of the mean wait in the queue."""
    return mmc_mean_wait(servers, arrival_rate, mean_service) * (ca2 + cs2) / 2
