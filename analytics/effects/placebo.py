"""Placebo checks: the same estimator on pre-intervention data with a fake start.

If a method "finds" an effect where none can exist, its real estimate is not evidence of
the intervention's effect; `with_placebo` records that on the real result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from analytics.effects.estimators.did import ALPHA, did
from analytics.effects.estimators.event import event_study
from analytics.effects.estimators.its import its
from analytics.effects.estimators.prep import is_temporal, period_expr, period_of
from analytics.effects.result import EffectResult


def placebo_its(
    df: pl.DataFrame,
    outcome: str,
    time: str,
    intervention: dt.date | int,
    *,
    fake: dt.date | int | None = None,
    **its_kwargs,
) -> EffectResult:
    """ITS on the periods before `intervention` with a fake one (default: the middle)."""
    pre = _before(df, time, intervention)
    fake = fake if fake is not None else _middle(pre, time)
    result = its(pre, outcome, time, fake, **its_kwargs)
    return dataclasses.replace(result, method="placebo_its")


def placebo_did(
    df: pl.DataFrame,
    outcome: str,
    treated: str,
    time: str,
    start: dt.date | int,
    *,
    fake: dt.date | int | None = None,
    **did_kwargs,
) -> EffectResult:
    """DiD on the periods before `start`, with `post` switched on at a fake date."""
    pre = _before(df, time, start)
    fake = fake if fake is not None else _middle(pre, time)
    temporal = is_temporal(df, time)
    pre = pre.with_columns(_fake_post=period_expr(pre, time) >= period_of(fake, temporal))
    result = did(pre, outcome, treated, "_fake_post", time=time, **did_kwargs)
    return dataclasses.replace(result, method="placebo_did")


def placebo_event_study(
    df: pl.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treat_start: str,
    *,
    shift: int = 12,
    **event_kwargs,
) -> EffectResult:
    """Event study with every start moved `shift` periods earlier, on untreated periods only."""
    temporal = is_temporal(df, time)
    period, start = period_expr(df, time), period_expr(df, treat_start)
    untreated = df.filter(start.is_null() | (period < start))
    fake = (
        pl.col(treat_start).dt.offset_by(f"-{shift}mo")
        if temporal
        else pl.col(treat_start) - shift
    )
    untreated = untreated.with_columns(fake.alias(treat_start))
    result = event_study(untreated, outcome, unit, time, treat_start, **event_kwargs)
    return dataclasses.replace(result, method="placebo_event_study")


def with_placebo(result: EffectResult, placebo: EffectResult) -> EffectResult:
    """`result` with the placebo's estimate and p recorded, warned if the placebo 'works'."""
    diagnostics = dataclasses.replace(
        result.diagnostics, placebo_p=placebo.p_value, placebo_estimate=placebo.estimate
    )
    warnings = result.warnings
    if placebo.p_value < ALPHA and "placebo_significant" not in warnings:
        warnings = (*warnings, "placebo_significant")
    return dataclasses.replace(result, diagnostics=diagnostics, warnings=warnings)


def _before(df: pl.DataFrame, time: str, start: dt.date | int) -> pl.DataFrame:
    return df.filter(period_expr(df, time) < period_of(start, is_temporal(df, time)))


def _middle(pre: pl.DataFrame, time: str) -> dt.date | int:
    """The time value halfway through the pre-period (at least two periods on each side)."""
    values = pre[time].unique().sort()
    if values.len() < 4:
        raise ValueError("too few pre-intervention periods for a placebo (need at least 4)")
    return values[values.len() // 2]
