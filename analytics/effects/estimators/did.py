"""Difference-in-differences: 2×2 with OLS, or two-way fixed effects with a unit and time.

The regressions are pyfixest's `feols` (or `fepois` for counts); this module only builds
the columns and reads the coefficient of treated × post.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import polars as pl
import pyfixest as pf

from analytics.effects.estimators.prep import period_expr, require_columns, to_pandas
from analytics.effects.result import Diagnostics, EffectResult

SE = Literal["classical", "robust", "cluster"]
MIN_CLUSTERS = 20  # below this, cluster-robust errors are too small (Cameron & Miller 2015)
MIN_TREATED_UNITS = 3
ALPHA = 0.05


def vcov_spec(se: SE, cluster: str | None) -> str | dict[str, str]:
    """pyfixest's name of a variance estimator."""
    if se == "classical":
        return "iid"
    if se == "robust":
        return "hetero"
    if se == "cluster":
        if not cluster:
            raise ValueError("se='cluster' needs a cluster (or unit) column")
        return {"CRV1": cluster}
    raise ValueError(f"se must be classical, robust or cluster, not {se!r}")


def did(
    df: pl.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    *,
    controls: Sequence[str] = (),
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    se: SE = "robust",
    log_outcome: bool = False,
    family: Literal["gaussian", "poisson"] = "gaussian",
) -> EffectResult:
    """Difference-in-differences effect of `treated` × `post` on `outcome`.

    Without `unit`/`time`: OLS of outcome on treated, post, treated×post (+ controls).
    With them: fixed effects for unit and/or time absorb the main effects (TWFE).
    `family="poisson"` fits a Poisson model (fepois) and reports a rate ratio.
    """
    require_columns(df, outcome, treated, post, unit, time, cluster, *controls)
    data, warnings = _prepare(df, outcome, treated, post, time, log_outcome)
    _check(data)
    cluster = cluster or unit
    fixed = [c for c in (unit, time) if c]
    rhs = " + ".join(["_d", *controls]) if fixed else " + ".join(["_treated + _post + _d", *controls])
    fml = f"_y ~ {rhs}" + (f" | {' + '.join(fixed)}" if fixed else "")
    cols = ["_y", "_treated", "_post", "_d", *controls, *fixed]
    if cluster and cluster not in cols:
        cols.append(cluster)
    pdf = to_pandas(data, cols)
    fit = _fit(fml, pdf, vcov_spec(se, cluster), family)
    coef, std = float(fit.coef()["_d"]), float(fit.se()["_d"])
    low, high = (float(v) for v in fit.confint().loc["_d"])
    scale = "ratio" if family == "poisson" else ("log" if log_outcome else "difference")
    if scale == "ratio":
        coef, low, high = math.exp(coef), math.exp(low), math.exp(high)

    diag, more = _diagnostics(data, pdf, unit, time, cluster, se, family, fixed)
    return EffectResult(
        method="did",
        outcome=outcome,
        estimate=coef,
        std_error=std,
        ci_low=low,
        ci_high=high,
        p_value=float(fit.pvalue()["_d"]),
        n_obs=int(fit._N),
        scale=scale,
        estimator=_describe(fixed, se, cluster, family),
        diagnostics=diag,
        warnings=tuple(warnings + more),
    )


def _prepare(
    df: pl.DataFrame, outcome: str, treated: str, post: str, time: str | None, log_outcome: bool
) -> tuple[pl.DataFrame, list[str]]:
    warnings: list[str] = []
    y = pl.col(outcome).cast(pl.Float64)
    data = df
    if log_outcome:
        positive = df.filter(pl.col(outcome) > 0)
        if positive.height < df.height:
            warnings.append("nonpositive_dropped")
        data, y = positive, y.log()
    data = data.with_columns(
        _y=y,
        _treated=pl.col(treated).cast(pl.Int8),
        _post=pl.col(post).cast(pl.Int8),
    ).with_columns(_d=pl.col("_treated") * pl.col("_post"))
    if time and data.schema[time].is_temporal():
        data = data.with_columns(period_expr(data, time).alias(time))
    return data, warnings


def _check(data: pl.DataFrame) -> None:
    """Every cell of the 2×2 must have data, or the effect is not identified."""
    cells = data.drop_nulls("_y").group_by("_treated", "_post").len()
    if cells.height < 4:
        raise ValueError("difference-in-differences needs treated and comparison units, "
                         "each observed before and after the start")


def _fit(fml: str, pdf, vcov, family: str):
    if family == "poisson":
        return pf.fepois(fml, pdf, vcov=vcov)
    if family != "gaussian":
        raise ValueError(f"family must be gaussian or poisson, not {family!r}")
    return pf.feols(fml, pdf, vcov=vcov)


def _diagnostics(
    data: pl.DataFrame,
    pdf,
    unit: str | None,
    time: str | None,
    cluster: str | None,
    se: SE,
    family: str,
    fixed: list[str],
) -> tuple[Diagnostics, list[str]]:
    warnings: list[str] = []
    n_clusters = int(pdf[cluster].nunique()) if se == "cluster" and cluster else None
    n_treated = None
    if unit:
        n_treated = int(data.filter(pl.col("_treated") == 1)[unit].n_unique())
    if n_clusters is not None and n_clusters < MIN_CLUSTERS:
        warnings.append("few_clusters")
    if n_treated is not None and n_treated < MIN_TREATED_UNITS:
        warnings.append("few_treated_units")
    if unit and time and se != "cluster":
        warnings.append("serial_correlation_unhandled")
    pre_p, n_pre = None, None
    if unit and time:
        pre_p, n_pre = _pretrend_p(data, unit, time, vcov_spec(se, cluster), family)
        if pre_p is not None and pre_p < ALPHA:
            warnings.append("pretrend_rejected")
    diag = Diagnostics(
        pretrend_p=pre_p, n_clusters=n_clusters, n_treated_units=n_treated, n_pre_periods=n_pre
    )
    return diag, warnings


def _pretrend_p(
    data: pl.DataFrame, unit: str, time: str, vcov, family: str
) -> tuple[float | None, int]:
    """p-value of a treated-specific linear trend before treatment (0 under parallel trends)."""
    pre = data.filter(pl.col("_post") == 0)
    n_pre = pre[time].n_unique()
    if n_pre < 3 or pre["_treated"].n_unique() < 2:
        return None, n_pre
    pre = pre.with_columns(_tt=pl.col("_treated") * pl.col(time).cast(pl.Float64))
    extra = list(vcov.values()) if isinstance(vcov, dict) else []
    cols = list(dict.fromkeys(["_y", "_tt", unit, time, *extra]))
    fit = _fit(f"_y ~ _tt | {unit} + {time}", to_pandas(pre, cols), vcov, family)
    return float(fit.pvalue()["_tt"]), n_pre


def _describe(fixed: list[str], se: SE, cluster: str | None, family: str) -> str:
    model = "fepois" if family == "poisson" else "feols"
    design = f"TWFE ({' + '.join(fixed)})" if fixed else "2×2 OLS"
    errors = {"classical": "iid", "robust": "HC1", "cluster": f"CRV1({cluster})"}[se]
    return f"pyfixest {model} {design}, {errors} errors"
