"""The best any detector can do: B(r, d, p0), the mean delay of an optimal Bernoulli CUSUM
tuned to the drop, at the false-alert budget of one alert per 100 store-days.

A rating is a Bernoulli trial (top-2 score or not) with probability p0 before the drop and
p0 - d after. The CUSUM of the log-likelihood ratio of the two is optimal for that change
(Lorden, Moustakides); its run lengths are computed exactly as a Markov chain over the
statistic, with the two increments scaled to integers (Reynolds and Stoumbos's method; the
scale bounds the rounding), rather than by the asymptotic formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csc_matrix, identity
from scipy.sparse.linalg import spsolve

# One false alert per 100 store-days: a store rating r an hour rates 2,400·r times in them.
HOURS_PER_FALSE_ALERT = 2400


@dataclass(frozen=True)
class Optimum:
    minutes: float  # B: mean delay from the drop to the alert, on event time
    ratings: float  # the same in ratings
    threshold: float  # the CUSUM's threshold in nats
    in_control_ratings: float  # its mean run length before the drop (≥ the budget)


def run_length(p: float, up: int, down: int, states: int) -> float:
    """Mean ratings until a CUSUM started at 0 reaches ``states``, when each rating is top-2
    with probability ``p`` (the statistic falls by ``down``) and otherwise rises by ``up``."""
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for s in range(states):
        if s + up < states:  # beyond the threshold: absorbed, the alert is raised
            rows.append(s)
            cols.append(s + up)
            values.append(1 - p)
        rows.append(s)
        cols.append(max(0, s - down))
        values.append(p)
    q = csc_matrix((values, (rows, cols)), shape=(states, states))
    expected = spsolve((identity(states, format="csc") - q).tocsc(), np.ones(states))
    return float(expected[0])


def optimum(rate: float, drop: float, p0: float = 0.67, scale: int = 100) -> Optimum:
    """B for a store rating ``rate`` times an hour whose top-2 share falls by ``drop``."""
    if not 0 < drop < p0 < 1:
        raise ValueError(f"need 0 < drop < p0 < 1, got drop={drop}, p0={p0}")
    p1 = p0 - drop
    up = max(1, round(math.log((1 - p1) / (1 - p0)) * scale))
    down = max(1, round(-math.log(p1 / p0) * scale))
    budget = HOURS_PER_FALSE_ALERT * rate
    # The in-control run length grows with the threshold: double, then halve the interval.
    high = 1
    while run_length(p0, up, down, high) < budget:
        high *= 2
    low = high // 2
    while low + 1 < high:
        middle = (low + high) // 2
        if run_length(p0, up, down, middle) >= budget:
            high = middle
        else:
            low = middle
    ratings = run_length(p1, up, down, high)
    return Optimum(
        minutes=ratings * 60 / rate,
        ratings=ratings,
        threshold=high / scale,
        in_control_ratings=run_length(p0, up, down, high),
    )
