"""The threshold a Bernoulli CUSUM needs for a mean run length before a false alert.

The CUSUM adds, per rating, the log-likelihood ratio of share ``alt`` against share
``ref``: ``ln(alt/ref)`` for a top-2 rating, ``ln((1-alt)/(1-ref))`` otherwise. With the
true share ``true`` above both, it drifts down and crosses a threshold ``h`` only by
chance; Siegmund's approximation gives the mean number of ratings until it does,

    ARL ≈ (e^{θH} − 1 − θH) / (θ·|μ|),   H = h + ρ,

with μ the mean increment, θ > 0 the root of E[e^{θX}] = 1, and ρ the overshoot (half an
upward step). It is inverted here for h, in microseconds instead of the exact Markov chain's
milliseconds (pipeline.alerting.optimum checks it against that chain in the tests), because
the detector asks again whenever a store's level, wander or volume moves.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


def increments(ref: float, alt: float) -> tuple[float, float]:
    """The CUSUM's step for a top-2 rating (negative) and for any other rating (positive)."""
    return math.log(alt / ref), math.log((1 - alt) / (1 - ref))


def arl(true: float, ref: float, alt: float, h: float) -> float:
    """Mean ratings until a CUSUM started at 0 crosses ``h`` when the share is ``true``."""
    down, up = increments(ref, alt)
    mu = true * down + (1 - true) * up
    theta = _theta(true, down, up)
    big = theta * (h + up / 2)
    return (math.expm1(big) - big) / (theta * abs(mu))


@lru_cache(maxsize=65_536)
def threshold(true: float, ref: float, alt: float, ratings: float, wander: float = 0.0) -> float:
    """The smallest h (nats) whose mean run length is ``ratings`` when the share is ``true``
    give or take a day-to-day wander of sd ``wander``: false alerts are a rate, so their
    rate per rating, averaged over the days' shares, must stay below 1 / ``ratings``."""
    down, up = increments(ref, alt)
    spread = wander * _NODES if wander > 0 else np.zeros(1)
    weights = _WEIGHTS if wander > 0 else np.ones(1)
    shares = np.clip(true + spread, 0.01, 0.99)
    drifts = shares * down + (1 - shares) * up
    variances = shares * (1 - shares) * (up - down) ** 2
    thetas = np.array(
        [_theta(p, down, up) if m < 0 else 0.0 for p, m in zip(shares, drifts, strict=True)]
    )

    def rate(h: float) -> float:
        """False alerts per rating at threshold h, averaged over the days' shares."""
        total = 0.0
        for theta, mu, var, w in zip(thetas, drifts, variances, weights, strict=True):
            if mu < 0:
                big = min(theta * (h + up / 2), 700.0)  # past e^700 the day never alerts
                run = (math.expm1(big) - big) / (theta * abs(mu))
            else:  # a day this bad drifts up: it crosses in about h / μ ratings
                run = h / max(mu, 1e-9) if mu > 0 else h * h / var
                run = min(run, h * h / var + h / max(mu, 1e-9))
            total += w / max(run, 1e-9)
        return total

    target = 1 / ratings
    low, high = 0.0, 1.0
    while rate(high) > target:
        high *= 2
        if high > 512:  # days this bad are too common: this drop cannot be told apart
            return math.inf
    for _ in range(40):
        middle = (low + high) / 2
        if rate(middle) > target:
            low = middle
        else:
            high = middle
    return high


# Gauss–Hermite nodes and weights for a normal day-to-day wander (probabilists' form).
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(9)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _theta(p: float, down: float, up: float) -> float:
    """θ > 0 with p·e^{θ·down} + (1−p)·e^{θ·up} = 1 (exists when the drift is negative)."""

    def f(t: float) -> float:
        return p * math.exp(t * down) + (1 - p) * math.exp(t * up) - 1

    low, high = 1e-9, 1.0
    while f(high) < 0:
        high *= 2
    for _ in range(80):
        middle = (low + high) / 2
        if f(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2
