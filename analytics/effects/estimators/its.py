"""Interrupted time series: segmented regression with statsmodels' GLM.

Model (Lopez Bernal, Cummins & Gasparrini 2017): outcome ~ trend + post + post × trend
(+ Fourier seasonality), with trend counted from the intervention so that `post` is the level
change at the first post-intervention period. Counts use Poisson (optionally Pearson-scaled,
"quasipoisson") with an optional log offset (population); serially correlated errors can use
Newey–West (HAC) covariance.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np
import polars as pl
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.diagnostic import acorr_ljungbox

from analytics.effects.estimators.prep import is_temporal, period_expr, period_of, require_columns
from analytics.effects.result import Diagnostics, ItsResult

Family = Literal["gaussian", "poisson", "quasipoisson"]
SEASON_PERIOD = 12  # monthly data
MIN_PRE_PERIODS = 8  # fewer: the estimate is shown with a warning
MIN_FIT_PERIODS = 3  # fewer: a trend and a level change cannot both be estimated
ALPHA = 0.05
OVERDISPERSED = 1.5  # Pearson chi2/df above this: Poisson errors are too small


def its(
    df: pl.DataFrame,
    outcome: str,
    time: str,
    intervention: dt.date | int,
    *,
    family: Family = "gaussian",
    offset: str | None = None,
    seasonality: int | None = None,
    slope_change: bool = True,
    hac_lags: int | None = None,
) -> ItsResult:
    """Level change (the estimate) and slope change of `outcome` at `intervention`.

    `time` is a date column (monthly) or an integer period; `intervention` is the first
    period under the intervention, of the same kind. `seasonality` is the number of
    sine/cosine pairs with period 12. For count families the level change is a rate ratio.
    """
    require_columns(df, outcome, time, offset)
    frame = _design(df, outcome, time, intervention, offset, seasonality)
    n_pre, n_post = int((frame["post"] == 0).sum()), int((frame["post"] == 1).sum())
    if n_pre < MIN_FIT_PERIODS or n_post < MIN_FIT_PERIODS:
        raise ValueError(f"need at least {MIN_FIT_PERIODS} periods before and after the "
                         f"intervention; the series has {n_pre} before and {n_post} after")
    terms = ["trend", "post"] + (["post_trend"] if slope_change else [])
    terms += [f"{f}{k}" for k in range(1, (seasonality or 0) + 1) for f in ("sin", "cos")]
    pdf = frame.to_pandas()
    offset_values = np.log(pdf["_offset"]) if offset else None
    model = smf.glm(f"y ~ {' + '.join(terms)}", pdf, family=_family(family), offset=offset_values)
    fit = _fit(model, family, hac_lags)

    ratio = family != "gaussian"
    level = _coef(fit, "post", ratio)
    slope = _coef(fit, "post_trend", ratio) if slope_change else (None,) * 4
    series = _series(frame, fit, offset_values, slope_change)
    diag, warnings = _diagnostics(fit, frame, family, hac_lags)
    return ItsResult(
        method="its",
        outcome=outcome,
        estimate=level[0],
        std_error=float(fit.bse["post"]),
        ci_low=level[1],
        ci_high=level[2],
        p_value=level[3],
        n_obs=int(fit.nobs),
        scale="ratio" if ratio else "difference",
        estimator=_describe(family, offset, seasonality, hac_lags),
        diagnostics=diag,
        warnings=tuple(warnings),
        slope_estimate=slope[0],
        slope_ci_low=slope[1],
        slope_ci_high=slope[2],
        slope_p_value=slope[3],
        series=series,
    )


def _design(
    df: pl.DataFrame,
    outcome: str,
    time: str,
    intervention: dt.date | int,
    offset: str | None,
    seasonality: int | None,
) -> pl.DataFrame:
    """Columns of the segmented regression, one row per period, sorted by time."""
    temporal = is_temporal(df, time)
    start = period_of(intervention, temporal)
    frame = (
        df.select(
            pl.col(time).alias("time"),
            period_expr(df, time).alias("period"),
            pl.col(outcome).cast(pl.Float64).alias("y"),
            *([pl.col(offset).cast(pl.Float64).alias("_offset")] if offset else []),
        )
        .drop_nulls()
        .sort("period")
        .with_columns(
            trend=(pl.col("period") - start).cast(pl.Float64),
            post=(pl.col("period") >= start).cast(pl.Float64),
        )
        .with_columns(post_trend=pl.col("post") * pl.col("trend"))
    )
    # Calendar month for dates; the period itself for integers (Bernal's `harmonic(month)`).
    phase = frame["time"].dt.month() if temporal else frame["period"]
    for k in range(1, (seasonality or 0) + 1):
        angle = 2 * math.pi * k * phase.cast(pl.Float64) / SEASON_PERIOD
        frame = frame.with_columns(angle.sin().alias(f"sin{k}"), angle.cos().alias(f"cos{k}"))
    return frame


def _family(family: Family) -> sm.families.Family:
    if family == "gaussian":
        return sm.families.Gaussian()
    if family in ("poisson", "quasipoisson"):
        return sm.families.Poisson()
    raise ValueError(f"family must be gaussian, poisson or quasipoisson, not {family!r}")


def _fit(model, family: Family, hac_lags: int | None):
    scale = "X2" if family == "quasipoisson" else None
    if hac_lags:
        return model.fit(scale=scale, cov_type="HAC", cov_kwds={"maxlags": hac_lags})
    return model.fit(scale=scale)


def _coef(fit, name: str, ratio: bool) -> tuple[float, float, float, float]:
    """(estimate, ci_low, ci_high, p) of one coefficient, exponentiated for count models."""
    est, (low, high) = float(fit.params[name]), fit.conf_int().loc[name]
    values = (est, float(low), float(high))
    if ratio:
        values = tuple(math.exp(v) for v in values)
    return (*values, float(fit.pvalues[name]))


def _series(frame: pl.DataFrame, fit, offset_values, slope_change: bool) -> pl.DataFrame:
    """Observed, fitted and counterfactual (no intervention) values with the 95% band."""
    pdf = frame.to_pandas()
    counter = pdf.assign(post=0.0, post_trend=0.0)
    pred = fit.get_prediction(counter, offset=offset_values).summary_frame(alpha=0.05)
    return frame.select("time", "period", "y", "post").rename({"y": "observed"}).with_columns(
        fitted=pl.Series(np.asarray(fit.fittedvalues, dtype=float)),
        counterfactual=pl.Series(pred["mean"].to_numpy()),
        cf_low=pl.Series(pred["mean_ci_lower"].to_numpy()),
        cf_high=pl.Series(pred["mean_ci_upper"].to_numpy()),
        post=pl.col("post") > 0,
    )


def _diagnostics(
    fit, frame: pl.DataFrame, family: Family, hac_lags: int | None
) -> tuple[Diagnostics, list[str]]:
    warnings: list[str] = []
    n_pre = int((frame["post"] == 0).sum())
    if n_pre < MIN_PRE_PERIODS:
        warnings.append("short_pre_period")
    lags = max(1, min(SEASON_PERIOD, frame.height // 5))
    resid = np.asarray(fit.resid_pearson, dtype=float)
    auto_p = float(acorr_ljungbox(resid, lags=[lags])["lb_pvalue"].iloc[0])
    if auto_p < ALPHA and not hac_lags:
        warnings.append("autocorrelation")
    dispersion = None
    if family != "gaussian":
        dispersion = float(fit.pearson_chi2 / fit.df_resid)
        if family == "poisson" and dispersion > OVERDISPERSED:
            warnings.append("overdispersion")
    diag = Diagnostics(autocorrelation_p=auto_p, dispersion=dispersion, n_pre_periods=n_pre)
    return diag, warnings


def _describe(family: Family, offset: str | None, seasonality: int | None, hac: int | None) -> str:
    parts = [f"statsmodels GLM {family}"]
    if offset:
        parts.append(f"offset log({offset})")
    if seasonality:
        parts.append(f"{seasonality} harmonic pair(s)")
    parts.append(f"Newey–West HAC({hac})" if hac else "model-based errors")
    return ", ".join(parts)
