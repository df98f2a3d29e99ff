"""Effect figures are pure functions of a result and its data: assert on what they draw."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from analytics.effects import EffectResult, EventStudyResult, event_study, its
from analytics.effects import figures as ef

MONTHS = [dt.date(2010 + m // 12, m % 12 + 1, 1) for m in range(48)]


@pytest.fixture(scope="module")
def its_result():
    rng = np.random.default_rng(0)
    y = 100 + np.arange(48) * 0.5 - 10 * (np.arange(48) >= 24) + rng.normal(0, 1, 48)
    return its(pl.DataFrame({"month": MONTHS, "y": y}), "y", "month", MONTHS[24])


def test_its_figure_band_only_after_the_start(its_result):
    fig = ef.its_figure(its_result, MONTHS[24], lang="en", title="t")
    names = [t.name for t in fig.data]
    assert names == ["Counterfactual 95% band", "Observed", "Fitted",
                     "Counterfactual (no intervention)"]
    band, observed, _, counter = fig.data
    assert len(band.x) == 2 * 24 and min(band.x) == MONTHS[24]  # a closed polygon, post only
    assert list(observed.y) == its_result.series["observed"].to_list()
    assert counter.y[0] > observed.y[24]  # the counterfactual sits above the fall
    assert fig.layout.shapes[0].x0 == MONTHS[24]  # the start line


def _did_result(estimate: float, low: float, high: float) -> EffectResult:
    return EffectResult(method="did", outcome="value", estimate=estimate, std_error=0.1,
                        ci_low=low, ci_high=high, p_value=0.01, n_obs=8, scale="ratio")


def test_did_series_implies_counterfactual_from_the_estimate():
    panel = pl.DataFrame({
        "month": MONTHS[:2] * 2,
        "treated": [True, True, False, False],
        "post": [False, True, False, True],
        "value": [10.0, 14.0, 5.0, 5.0],
    })
    series = ef.did_series(panel, _did_result(1.4, 1.25, 1.6), smooth=1)
    pre, post = series.row(0, named=True), series.row(1, named=True)
    assert pre["counterfactual"] is None and pre["treated"] == 10 and pre["comparison"] == 5
    assert post["counterfactual"] == pytest.approx(10.0)  # 14 / 1.4
    assert post["cf_low"] == pytest.approx(14 / 1.6) and post["cf_high"] == pytest.approx(14 / 1.25)
    fig = ef.did_figure(series, MONTHS[1], lang="zh")
    assert [t.name for t in fig.data][0] == "反事实95%置信带"
    assert fig.data[1].name.startswith("处理组") and fig.data[2].name.startswith("对照组")


def test_did_series_smoothing_waits_for_a_whole_post_window():
    months = [dt.date(2010 + m // 12, m % 12 + 1, 1) for m in range(36)]
    panel = pl.DataFrame({
        "month": months * 2, "treated": [True] * 36 + [False] * 36,
        "post": [m >= months[12] for m in months] * 2, "value": [10.0] * 72,
    })
    series = ef.did_series(panel, _did_result(2.0, 1.5, 2.5))
    cf = series.filter(pl.col("counterfactual").is_not_null())
    assert cf["month"].min() == months[23]  # 12 months after the start's window fills
    assert cf["counterfactual"].to_list() == [5.0] * 13
    assert series["treated"][:11].is_null().all()


def test_event_figure_error_bars_and_reference():
    rng = np.random.default_rng(1)
    rows = [(u, t, 20 if u < 4 else None, rng.normal() - (t >= 20 and u < 4))
            for u in range(8) for t in range(40)]
    panel = pl.DataFrame(rows, schema=["u", "t", "g", "y"], orient="row")
    result = event_study(panel, "y", "u", "t", "g", window=(-3, 3))
    fig = ef.event_figure(result, lang="zh")
    trace = fig.data[0]
    assert list(trace.x) == [-3, -2, -1, 0, 1, 2, 3]
    ref = list(trace.x).index(-1)
    assert trace.y[ref] == 0 and trace.error_y.array[ref] is None
    assert fig.layout.yaxis.title.text == "差值"
    assert fig.layout.shapes[0].y0 == 0  # the no-effect line


def test_event_series_counterfactual_in_event_time():
    rows = [(u, MONTHS[t], MONTHS[24] if u < 4 else None, 10.0 - 4.0 * (u < 4 and t >= 24))
            for u in range(8) for t in range(48)]
    panel = pl.DataFrame(rows, schema=["region_code", "month", "treat_start", "value"],
                         orient="row")
    periods = pl.DataFrame({"rel_time": [-2, -1, 0, 1], "estimate": [0.0, 0.0, -4.0, -4.0],
                            "ci_low": [-1.0, None, -5.0, -5.0], "ci_high": [1.0, None, -3.0, -3.0]})
    result = EventStudyResult(method="event_study", outcome="value", estimate=-4.0,
                              std_error=0.5, ci_low=-5.0, ci_high=-3.0, p_value=0.0, n_obs=384,
                              periods=periods)
    series = ef.event_series(panel, result, months_per_period=12, window=(-2, 1))
    assert series["rel_time"].to_list() == [-2, -1, 0, 1]
    assert series["observed"].to_list() == [10.0, 10.0, 6.0, 6.0]
    post = series.filter(pl.col("rel_time") >= 0)
    assert post["counterfactual"].to_list() == [10.0, 10.0]  # 6 − (−4)
    assert post["cf_low"].to_list() == [9.0, 9.0] and post["cf_high"].to_list() == [11.0, 11.0]
    fig = ef.event_counterfactual_figure(series, lang="en", months_per_period=12)
    assert fig.layout.xaxis.title.text.endswith("(12 months each)")
