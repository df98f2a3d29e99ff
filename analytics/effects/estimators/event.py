"""Event study with staggered adoption: Sun & Abraham (2021) interaction-weighted estimator.

Each adoption cohort gets its own effect for every period relative to its start
(pyfixest `feols` with `i(rel, cohort, ref=-1, ref2=0)` and unit + time fixed effects), with
never-treated units (or, if none, the last-treated cohort before it starts) as the
comparison. Cohort effects are averaged with the cohorts' shares at each relative period, so
the estimate stays valid when effects differ across cohorts, unlike one pooled TWFE
coefficient (Goodman-Bacon 2021). `estimator="twfe"` gives the pooled dynamic TWFE for
comparison. Relative periods outside `window` are binned into its end points.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
import pyfixest as pf
from pyfixest.did.saturated_twfe import _compute_lincomb_stats
from scipy.stats import f as f_dist

from analytics.effects.estimators.did import ALPHA, MIN_CLUSTERS, MIN_TREATED_UNITS
from analytics.effects.estimators.prep import normal_ci, period_expr, require_columns, to_pandas
from analytics.effects.result import Diagnostics, EventStudyResult

REF = -1
_NAME = re.compile(r"^_rel::(-?\d+)(?::_cohort::(-?\d+))?$")


def event_study(
    df: pl.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treat_start: str,
    *,
    window: tuple[int, int] = (-12, 24),
    period_width: int = 1,
    cohort_width: int = 1,
    estimator: Literal["sunab", "twfe"] = "sunab",
    controls: Sequence[str] = (),
    cluster: str | None = None,
    log_outcome: bool = False,
    family: Literal["gaussian", "poisson"] = "gaussian",
) -> EventStudyResult:
    """Effects by period relative to each unit's start, their average after the start, and
    a joint pre-trend test.

    `treat_start` holds each unit's first treated time (same kind as `time`: date or int),
    null for never-treated units. `period_width` groups periods (3 = quarters of months).
    `cohort_width` groups adoption cohorts into blocks of that many periods (12 = by year of
    adoption for monthly data) while each unit's relative time still counts from its own
    start: when every unit starts in a different month, one-unit cohorts leave clustered
    errors with nothing to estimate from, so effects are allowed to differ between years of
    adoption rather than between single units.
    Errors are clustered by `cluster` (default: the unit). `family="poisson"` fits counts
    with pyfixest's `fepois` and reports rate ratios.
    """
    require_columns(df, outcome, unit, time, treat_start, cluster, *controls)
    cluster = cluster or unit
    panel, warnings = _panel(df, outcome, unit, time, treat_start, window, period_width, log_outcome)
    panel = _group_cohorts(panel, cohort_width)
    _check(panel, unit)
    rhs = "i(_rel, _cohort, ref=-1, ref2=0)" if estimator == "sunab" else "i(_rel, ref=-1)"
    fml = f"_y ~ {' + '.join([rhs, *controls])} | {unit} + _t"
    cols = list(dict.fromkeys(["_y", "_rel", "_cohort", "_t", unit, cluster, *controls]))
    model = pf.fepois if family == "poisson" else pf.feols
    fit = model(fml, to_pandas(panel, cols), vcov={"CRV1": cluster})
    names = list(fit.coef().index)
    weights = _cell_weights(panel, estimator)
    periods = _aggregate_periods(fit, names, weights)
    overall = _lincomb(fit, _weight_vector(names, weights.filter(pl.col("rel") >= 0)))
    pre_p = _pretrend_p(fit, names, weights)

    n_clusters = panel[cluster].n_unique()
    n_treated = panel.filter(pl.col("_cohort") > 0)[unit].n_unique()
    if pre_p is not None and pre_p < ALPHA:
        warnings.append("pretrend_rejected")
    if n_clusters < MIN_CLUSTERS:
        warnings.append("few_clusters")
    if n_treated < MIN_TREATED_UNITS:
        warnings.append("few_treated_units")
    scale = "ratio" if family == "poisson" else ("log" if log_outcome else "difference")
    estimate = overall["Estimate"]
    low, high = normal_ci(estimate, overall["Std. Error"])
    if scale == "ratio":
        estimate, low, high = math.exp(estimate), math.exp(low), math.exp(high)
        periods = periods.with_columns(pl.col("estimate", "ci_low", "ci_high").exp())
    return EventStudyResult(
        method="event_study",
        outcome=outcome,
        estimate=estimate,
        std_error=overall["Std. Error"],
        ci_low=low,
        ci_high=high,
        p_value=overall["Pr(>|t|)"],
        n_obs=int(fit._N),
        scale=scale,
        estimator=_describe(estimator, family, cluster, window, period_width),
        diagnostics=Diagnostics(
            pretrend_p=pre_p,
            n_clusters=n_clusters,
            n_treated_units=n_treated,
            n_pre_periods=int(weights.filter(pl.col("rel") < REF)["rel"].n_unique()),
        ),
        warnings=tuple(warnings),
        periods=periods,
        cohorts=panel.filter(pl.col("_cohort") > 0)["_cohort"].n_unique(),
    )


def _panel(
    df: pl.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treat_start: str,
    window: tuple[int, int],
    width: int,
    log_outcome: bool,
) -> tuple[pl.DataFrame, list[str]]:
    """Period index, cohort (start period, 0 = comparison) and binned relative period."""
    warnings: list[str] = []
    y = pl.col(outcome).cast(pl.Float64)
    data = df.filter(pl.col(outcome).is_not_null())
    if log_outcome:
        positive = data.filter(pl.col(outcome) > 0)
        if positive.height < data.height:
            warnings.append("nonpositive_dropped")
        data, y = positive, y.log()
    panel = data.with_columns(
        _y=y,
        _t=period_expr(data, time),
        _cohort=period_expr(data, treat_start).fill_null(0),
    )
    first = panel["_t"].min()
    always = panel.filter((pl.col("_cohort") > 0) & (pl.col("_cohort") <= first))
    if always.height:
        warnings.append("always_treated_dropped")
        panel = panel.filter(~pl.col(unit).is_in(always[unit].unique().implode()))
    if panel.filter(pl.col("_cohort") == 0).is_empty():
        # No never-treated units: the last cohort is the comparison until it starts.
        warnings.append("no_never_treated")
        last = panel["_cohort"].max()
        panel = panel.filter(pl.col("_t") < last).with_columns(
            _cohort=pl.when(pl.col("_cohort") == last).then(0).otherwise(pl.col("_cohort"))
        )
    lo, hi = window
    rel = ((pl.col("_t") - pl.col("_cohort")) / width).floor().cast(pl.Int64).clip(lo, hi)
    panel = panel.with_columns(_rel=pl.when(pl.col("_cohort") > 0).then(rel).otherwise(REF))
    return panel, warnings


def _check(panel: pl.DataFrame, unit: str) -> None:
    """Refuse designs the regression cannot identify (pyfixest may abort on them)."""
    treated = panel.filter(pl.col("_cohort") > 0)
    comparison = panel.filter(pl.col("_cohort") == 0)
    if treated.is_empty() or comparison.is_empty():
        raise ValueError("an event study needs treated units and comparison units with data")
    if treated.filter(pl.col("_rel") >= 0).is_empty() or treated.filter(
            pl.col("_rel") < REF).is_empty():
        raise ValueError("the treated units have no data before or after their start")
    if panel[unit].n_unique() < 3:
        raise ValueError("an event study needs at least three units")


def _group_cohorts(panel: pl.DataFrame, width: int) -> pl.DataFrame:
    if width <= 1:
        return panel
    grouped = (pl.col("_cohort") // width) * width + 1  # +1 keeps cohort 0 = comparison
    return panel.with_columns(_cohort=pl.when(pl.col("_cohort") > 0).then(grouped).otherwise(0))


def _cell_weights(panel: pl.DataFrame, estimator: str) -> pl.DataFrame:
    """Observations per (cohort, relative period) among treated cohorts: Sun–Abraham's
    cohort shares. For pooled TWFE there is one 'cohort' (-1 in the coefficient name)."""
    treated = panel.filter((pl.col("_cohort") > 0) & (pl.col("_rel") != REF))
    if estimator == "twfe":
        treated = treated.with_columns(_cohort=pl.lit(-1, pl.Int64))
    return (
        treated.group_by(pl.col("_cohort").alias("cohort"), pl.col("_rel").alias("rel"))
        .len("n")
        .sort("rel", "cohort")
    )


def _weight_vector(names: list[str], cells: pl.DataFrame) -> np.ndarray:
    """Coefficient weights averaging the given cells in proportion to their observations."""
    index = {_key(n): i for i, n in enumerate(names)}
    vector = np.zeros(len(names))
    total = 0
    for cohort, rel, n in cells.iter_rows():
        i = index.get((rel, cohort))
        if i is not None:  # dropped for collinearity: no information in that cell
            vector[i] += n
            total += n
    return vector / total if total else vector


def _key(name: str) -> tuple[int, int] | None:
    match = _NAME.match(name)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else -1


def _lincomb(fit, vector: np.ndarray) -> dict[str, float]:
    if not vector.any():
        return {"Estimate": math.nan, "Std. Error": math.nan, "Pr(>|t|)": math.nan}
    stats = _compute_lincomb_stats(R=vector, coefs=fit.coef().to_numpy(), vcov=fit._vcov)
    return {k: float(v) for k, v in stats.items()}


def _aggregate_periods(fit, names: list[str], weights: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for rel in sorted(weights["rel"].unique().to_list()):
        stats = _lincomb(fit, _weight_vector(names, weights.filter(pl.col("rel") == rel)))
        low, high = normal_ci(stats["Estimate"], stats["Std. Error"])
        rows.append((rel, stats["Estimate"], stats["Std. Error"], low, high, stats["Pr(>|t|)"]))
    rows.append((REF, 0.0, None, None, None, None))
    return pl.DataFrame(
        rows,
        schema=["rel_time", "estimate", "std_error", "ci_low", "ci_high", "p_value"],
        orient="row",
    ).sort("rel_time")


def _pretrend_p(fit, names: list[str], weights: pl.DataFrame) -> float | None:
    """Joint Wald test that every aggregated lead (relative period < -1) is zero."""
    leads = sorted(weights.filter(pl.col("rel") < REF)["rel"].unique().to_list())
    rows = [_weight_vector(names, weights.filter(pl.col("rel") == r)) for r in leads]
    rows = [r for r in rows if r.any()]
    if not rows:
        return None
    restrictions = np.vstack(rows)
    q, clusters = restrictions.shape[0], int(np.min(fit._G))
    if q >= clusters:
        return None
    # pyfixest's F is W / q on (q, G - 1) df, which over-rejects when q is not small next to
    # the number of clusters G; the Hotelling T² scaling (G - q) / (q (G - 1)) on (q, G - q)
    # df keeps the size near 5% with ~20 clusters (Cameron & Miller 2015, sec. VII).
    wald = float(fit.wald_test(R=restrictions, distribution="chi2")["statistic"])
    return float(f_dist.sf(wald * (clusters - q) / (q * (clusters - 1)), q, clusters - q))


def _describe(
    estimator: str, family: str, cluster: str, window: tuple[int, int], width: int
) -> str:
    name = "Sun–Abraham interaction-weighted" if estimator == "sunab" else "pooled dynamic TWFE"
    model = "fepois" if family == "poisson" else "feols"
    unit = "" if width == 1 else f" × {width}"
    return (
        f"pyfixest {model} {name}, CRV1({cluster}) errors, "
        f"window {window[0]}..{window[1]} periods{unit} (end points binned)"
    )

