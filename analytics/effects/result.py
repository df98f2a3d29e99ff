"""Result objects of the effect estimators (frozen dataclasses), shared by every method.

`estimate` is on the scale named by `scale`:
- "difference": outcome units (a DiD or ITS on a level outcome);
- "log": a coefficient on log(outcome), read as exp(b) - 1 proportional change;
- "ratio": a rate ratio (Poisson / quasi-Poisson), read as ratio - 1.
`std_error` is always the standard error of the model coefficient (on the log scale for
"ratio"), so a user can rebuild the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Scale = Literal["difference", "log", "ratio"]

# Diagnostics that, when they fire, forbid causal wording in the sentence.
BLOCKING_WARNINGS = frozenset(
    {
        "pretrend_rejected",
        "few_clusters",
        "few_treated_units",
        "placebo_significant",
        "autocorrelation",
        "short_pre_period",
    }
)


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """Checks that say how far an estimate can be trusted; None when not applicable."""

    pretrend_p: float | None = None  # joint test that pre-period effects are zero
    autocorrelation_p: float | None = None  # Ljung-Box on residuals (time series)
    dispersion: float | None = None  # Pearson chi2 / df (count models)
    n_clusters: int | None = None
    n_treated_units: int | None = None
    n_pre_periods: int | None = None
    placebo_p: float | None = None
    placebo_estimate: float | None = None


@dataclass(frozen=True, kw_only=True)
class EffectResult:
    """One effect estimate with its interval, test and diagnostics."""

    method: str  # "did", "event_study", "its" (prefixed "placebo_" for placebo runs)
    outcome: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    scale: Scale = "difference"
    estimator: str = ""  # library and variance, e.g. "pyfixest feols TWFE, CRV1(county)"
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    warnings: tuple[str, ...] = ()

    @property
    def causal_ok(self) -> bool:
        """True when no diagnostic forbids reading the estimate as the intervention's effect."""
        return not BLOCKING_WARNINGS.intersection(self.warnings)

    @property
    def significant(self) -> bool:
        """The 95% interval excludes 'no effect' (0, or 1 for a ratio)."""
        null = 1.0 if self.scale == "ratio" else 0.0
        return not (self.ci_low <= null <= self.ci_high)

    def relative(self) -> tuple[float, float, float] | None:
        """(change, low, high) as proportions (-0.18 = 18% lower), or None on a level scale."""
        if self.scale == "ratio":
            return self.estimate - 1, self.ci_low - 1, self.ci_high - 1
        if self.scale == "log":
            return tuple(math.expm1(v) for v in (self.estimate, self.ci_low, self.ci_high))
        return None


@dataclass(frozen=True, kw_only=True)
class ItsResult(EffectResult):
    """Interrupted time series: level change (the estimate), slope change and the series.

    `series` columns: time, period (int index), observed, fitted, counterfactual,
    cf_low, cf_high (the counterfactual's 95% band), post (bool).
    """

    slope_estimate: float | None = None  # per period; ratio per period for count families
    slope_ci_low: float | None = None
    slope_ci_high: float | None = None
    slope_p_value: float | None = None
    series: pl.DataFrame | None = None


@dataclass(frozen=True, kw_only=True)
class EventStudyResult(EffectResult):
    """Event study: the estimate is the average post-treatment effect; `periods` has one
    row per relative period: rel_time, estimate, std_error, ci_low, ci_high, p_value
    (the reference period -1 is a row with estimate 0 and no interval)."""

    periods: pl.DataFrame | None = None
    cohorts: int = 0
