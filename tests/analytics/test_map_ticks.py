"""A map's colour bar of a count ticks whole numbers (a 重庆 deployment's read 17.5 18 18.5 人);
rates and money keep Plotly's own ticks."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.map_figure import map_figure, whole_ticks

SHAPES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": c, "properties": {},
     "geometry": {"type": "Polygon", "coordinates": [[[x, 30], [x + 1, 30], [x + 1, 31], [x, 30]]]}}
    for c, x in (("500101", 106), ("500102", 107), ("500103", 108))]}


def _frame(values: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame([(c, c, v, None) for c, v in values.items()],
                        schema={"dim": pl.String, "label": pl.String, "value": pl.Float64,
                                "year_ago": pl.Float64}, orient="row")


@pytest.mark.parametrize(("values", "ticks"), [
    ({"500101": 18.0, "500102": 18.0}, [18]),
    ({"500101": 17.0, "500102": 19.0, "500103": 20.0}, [17, 18, 19, 20]),
])
def test_a_count_over_a_narrow_span_ticks_whole_numbers(values, ticks):
    bar = map_figure(_frame(values), SHAPES, unit="persons", lang="zh", name="在档困难职工").data[-1]
    assert bar.colorbar.tickmode == "array" and list(bar.colorbar.tickvals) == ticks


def test_wide_spans_rates_and_money_keep_plotlys_ticks():
    assert whole_ticks([3.0, 1_200.0], "persons") == {}
    assert whole_ticks([0.92, 0.94], "ratio") == {}
    assert whole_ticks([1.5, 2.5], "yuan") == {}
    bar = map_figure(_frame({"500101": 0.5, "500102": 0.6}), SHAPES, unit="ratio", lang="zh",
                     name="救助覆盖率").data[-1]
    assert bar.colorbar.tickvals is None


@pytest.mark.parametrize(("unit", "value", "tick"), [
    ("ratio", 1.0, 100.0),  # 诉求解决率 100% in every county of a 新疆 trial read 99.6 … 100.4
    ("ratio", 0.009, 0.9),
    ("yuan", 200_000.0, 20.0),  # 万元
])
def test_one_value_everywhere_ticks_that_value_alone(unit, value, tick):
    bar = map_figure(_frame({"500101": value, "500102": value}), SHAPES, unit=unit, lang="zh",
                     name="诉求解决率").data[-1]
    assert bar.colorbar.tickmode == "array"
    assert list(bar.colorbar.tickvals) == pytest.approx([tick])
