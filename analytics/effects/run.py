"""One effect analysis as the page runs it: panel → estimate → placebo → diagnostics.

Counts use Poisson-type models (rate ratios): quasi-Poisson for a time series, Poisson with
clustered errors for panels (fepois, whose clustered errors do not assume Poisson variance).
Amounts and rates use Gaussian models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analytics.effects.data import Outcome, total_series
from analytics.effects.estimators.did import did
from analytics.effects.estimators.event import event_study
from analytics.effects.estimators.its import its
from analytics.effects.placebo import placebo_did, placebo_event_study, placebo_its, with_placebo
from analytics.effects.result import EffectResult, EventStudyResult


@dataclass(frozen=True)
class Settings:
    """What the user can change on the page (defaults are the suggested analysis)."""

    seasonality: int = 2  # harmonic pairs for ITS on monthly data
    hac: str = "auto"  # ITS errors: "auto" = Newey–West only if residuals are autocorrelated
    hac_lags: int = 12  # Newey–West lags for ITS on monthly data
    slope_change: bool = True
    window: tuple[int, int] = (-4, 8)  # event study, in periods of `period_width` months
    period_width: int = 3  # quarters: monthly counts are too sparse per county
    cohort_width: int = 12  # adoption cohorts by year: one-county cohorts defeat clustering
    placebo_shift: int = 24  # months the fake start precedes the real one (panels)


@dataclass(frozen=True)
class Analysis:
    result: EffectResult
    placebo: EffectResult | None
    data: pl.DataFrame  # what the estimator saw: a series (ITS) or a panel
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. why the placebo is missing
    dynamic: EventStudyResult | None = None  # a DiD's effects by period (its event-study plot)


def analyse(
    method: str,
    outcome: Outcome,
    panel: pl.DataFrame,
    starts: dict[str, date],
    comparison: Sequence[str] = (),
    settings: Settings = Settings(),
) -> Analysis:
    """Run `method` ("its", "did", "event_study") for treated counties `starts` (county →
    start month) against `comparison` on a panel from `effects.data.county_month_panel`."""
    if method == "its":
        return _its(outcome, panel, starts, settings)
    if method == "did":
        return _did(outcome, panel, starts, comparison, settings)
    if method == "event_study":
        return _event(outcome, panel, starts, comparison, settings)
    raise ValueError(f"unknown method {method!r}")


def _optional(run, what: str = "placebo") -> tuple[EffectResult | None, tuple[str, ...]]:
    """A secondary estimate (placebo, dynamic DiD), or a note when the data cannot carry it."""
    try:
        return run(), ()
    except (ValueError, ZeroDivisionError, KeyError) as exc:
        return None, (f"{what}: {exc}",)


def _its(outcome: Outcome, panel: pl.DataFrame, starts: dict[str, date], s: Settings):
    series = total_series(panel.filter(pl.col("region_code").is_in(list(starts))))
    series = series.filter(pl.col("value").is_not_null())
    start = min(starts.values())
    kw = dict(family="quasipoisson" if outcome.is_count else "gaussian",
              seasonality=s.seasonality or None, hac_lags=s.hac_lags if s.hac == "on" else None)
    result = its(series, "value", "month", start, slope_change=s.slope_change, **kw)
    if s.hac == "auto" and "autocorrelation" in result.warnings:
        # Newey–West only when needed: with white-noise residuals its 12-lag estimate is
        # noisier than the model-based one and can come out smaller.
        kw["hac_lags"] = s.hac_lags
        result = its(series, "value", "month", start, slope_change=s.slope_change, **kw)
    placebo, notes = _optional(
        lambda: placebo_its(series, "value", "month", start, slope_change=False, **kw))
    if placebo is not None:
        result = with_placebo(result, placebo)
    return Analysis(result, placebo, series, notes)


def _panel(panel: pl.DataFrame, starts: dict[str, date], comparison: Sequence[str]):
    keep = [*starts, *comparison]
    return panel.filter(pl.col("region_code").is_in(keep) & pl.col("value").is_not_null())


def _did(outcome: Outcome, panel: pl.DataFrame, starts: dict[str, date],
         comparison: Sequence[str], s: Settings):
    data = _panel(panel, starts, comparison)
    start = min(starts.values())
    data = data.with_columns(treated=pl.col("region_code").is_in(list(starts)),
                             post=pl.col("month") >= start)
    kw = dict(unit="region_code", se="cluster",
              family="poisson" if outcome.is_count else "gaussian")
    result = did(data, "value", "treated", "post", time="month", **kw)
    placebo, notes = _optional(
        lambda: placebo_did(data, "value", "treated", "month", start, **kw))
    if placebo is not None:
        result = with_placebo(result, placebo)
    # The same design by period: one cohort, so the event study is the dynamic DiD.
    dynamic, more = _optional(lambda: event_study(
        data.with_columns(treat_start=pl.when("treated").then(pl.lit(start))),
        "value", "region_code", "month", "treat_start", window=s.window,
        period_width=s.period_width, family=kw["family"]), "event study")
    return Analysis(result, placebo, data, notes + more, dynamic)


def _event(outcome: Outcome, panel: pl.DataFrame, starts: dict[str, date],
           comparison: Sequence[str], s: Settings):
    data = _panel(panel, starts, comparison)
    start_of = pl.DataFrame({"region_code": list(starts), "treat_start": list(starts.values())},
                            schema={"region_code": pl.String, "treat_start": pl.Date})
    data = data.join(start_of, on="region_code", how="left")
    kw = dict(window=s.window, period_width=s.period_width, cohort_width=s.cohort_width,
              family="poisson" if outcome.is_count else "gaussian")
    result = event_study(data, "value", "region_code", "month", "treat_start", **kw)
    placebo, notes = _optional(lambda: placebo_event_study(
        data, "value", "region_code", "month", "treat_start", shift=s.placebo_shift, **kw))
    if placebo is not None:
        result = with_placebo(result, placebo)
    return Analysis(result, placebo, data, notes)
