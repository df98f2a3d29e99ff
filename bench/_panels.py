"""Simulated county × month panels whose true effects are known: the effect estimators'
benchmark (bench/bench_effects.py) times them, and tests/analytics/test_effects_estimators.py checks
the estimators recover the effects on them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

MONTHS = [dt.date(2005 + m // 12, m % 12 + 1, 1) for m in range(240)]


def staggered_panel(seed: int = 0, units: int = 20, poisson: bool = False) -> pl.DataFrame:
    """20 units × 240 months; cohorts start at months 60, 100, 150, five units never treated.
    Effects differ by cohort and grow for a year: the case where pooled TWFE is biased."""
    rng = np.random.default_rng(seed)
    starts = {u: (60, 100, 150, None)[u * 4 // units] for u in range(units)}
    rows = []
    for u, g in starts.items():
        for t in range(240):
            ramp = 1 + min(t - g, 12) / 12 if g is not None and t >= g else 0.0
            effect = ramp * (-2.0 if g == 60 else -0.5)
            if poisson:
                mu = np.exp(2.0 + 0.1 * (u % 5) + 0.002 * t + (np.log(0.6) if ramp else 0.0))
                y = float(rng.poisson(mu))
            else:
                y = 10 + 0.1 * u + 0.01 * t + effect + rng.normal()
            rows.append((u, MONTHS[t], MONTHS[g] if g is not None else None, y, effect))
    return pl.DataFrame(rows, schema=["unit", "month", "start", "y", "effect"], orient="row")
