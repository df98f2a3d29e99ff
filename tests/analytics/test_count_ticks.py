"""A count's value axis never ticks half a petition: under 5 it steps by one (a 重庆 deployment's
受理诉求件数 trend read 0 0.5 1 1.5 2); larger counts, rates and money keep Plotly's steps."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics.figures import bar_figure, trend_figure


def _months(values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"period": [date(2026, m, 1) for m in range(1, len(values) + 1)],
                         "value": values})


@pytest.mark.parametrize(("unit", "values", "dtick"), [
    ("count", [2.0, 2.0, 1.0, 2.0], 1), ("persons", [0.0, 0.0], 1),
    ("count", [120.0, 450.0], None), ("ratio", [0.01, 0.02], None), ("yuan", [1.0, 3.0], None),
])
def test_a_trend_of_few_counts_steps_by_one(unit, values, dtick):
    fig = trend_figure(_months(values), unit=unit, lang="zh", granularity="month", name="x")
    assert fig.layout.yaxis.dtick == dtick


def test_bars_of_few_counts_step_by_one_on_their_value_axis():
    df = pl.DataFrame({"kind": ["工伤", "拖欠工资"], "value": [3.0, 1.0]})
    fig = bar_figure(df, label="kind", unit="count", lang="zh")
    assert fig.layout.xaxis.dtick == 1 and fig.layout.yaxis.dtick is None
    wide = bar_figure(df.with_columns(pl.col("value") * 100), label="kind", unit="count", lang="zh")
    assert wide.layout.xaxis.dtick is None
