"""Figure functions on the data they plot: values, scaling, axis formats, hover labels."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics import figures

TREND = pl.DataFrame({"period": [date(2012, 1, 1), date(2012, 2, 1), date(2012, 3, 1)],
                      "value": [612345.0, 20000.0, None]})


def test_trend_in_wan_yuan_with_chinese_months():
    fig = figures.trend_figure(TREND, unit="yuan", lang="zh", granularity="month", name="救助金额")
    tr = fig.data[0]
    assert list(tr.x) == ["2012年1月", "2012年2月", "2012年3月"]
    assert list(tr.y)[:2] == pytest.approx([61.2345, 2.0]) and tr.y[2] is None
    assert list(tr.customdata) == ["61.2万元", "2.0万元", "—"]
    assert "救助金额: %{customdata}" in tr.hovertemplate
    assert fig.layout.yaxis.title.text == "万元" and fig.layout.xaxis.type == "category"
    # small amounts keep the digits their ticks need (",.1f" drew 0.0 0.0 0.1 for 万元)
    assert fig.layout.yaxis.tickformat == ",~r"


def test_trend_in_english_and_rates_in_percent():
    df = TREND.with_columns(pl.lit(0.1234).alias("value"))
    fig = figures.trend_figure(df, unit="ratio", lang="en", granularity="quarter")
    assert list(fig.data[0].x) == ["2012 Q1"] * 3
    assert fig.data[0].y[0] == pytest.approx(12.34) and fig.data[0].customdata[0] == "12.3%"
    assert fig.layout.yaxis.ticksuffix == "%"


def test_interventions_marked_on_their_period_and_can_be_left_off():
    iv = pl.DataFrame({"start_on": [date(2012, 2, 14), date(2030, 1, 1)], "label": ["医院", "x"]})
    fig = figures.trend_figure(TREND, unit="yuan", lang="zh", granularity="month",
                               interventions=iv)
    assert [s.x0 for s in fig.layout.shapes] == ["2012年2月"]
    assert [a.text for a in fig.layout.annotations] == ["①"]
    assert [tr.name for tr in fig.data if tr.meta == "intervention"] == ["① 医院"]
    bare = figures.trend_figure(TREND, unit="yuan", lang="zh", granularity="month")
    assert not bare.layout.shapes


def test_interventions_of_one_period_share_one_label_and_never_widen_the_axis():
    long_name = "个人所得税起征点调整（2000元→3500元，9级→7级）"
    iv = pl.DataFrame({"start_on": [date(2012, 3, 1), date(2012, 3, 9), date(2012, 1, 5)],
                       "label": [long_name, "代表建议督办", "合作医院"]})
    fig = figures.trend_figure(TREND, unit="yuan", lang="zh", granularity="month",
                               interventions=iv)
    texts = {a.x: (a.text, a.hovertext) for a in fig.layout.annotations}
    assert texts["2012年1月"] == ("①", "合作医院")
    assert texts["2012年3月"] == ("②", f"{long_name}<br>代表建议督办")
    names = [tr.name for tr in fig.data if tr.meta == "intervention"]
    assert names == ["① 合作医院", "② " + long_name[:figures.LABEL_CHARS] + "… 等2项"]
    assert list(fig.layout.xaxis.range) == [-0.5, 2.5]


def test_intervention_numbers_sit_above_the_lines_and_legends_above_the_plot():
    """Numbers in a band over the highest value; the legend above the plot with a top margin
    for the title and its rows (below it ran into rotated month labels)."""
    iv = pl.DataFrame({"start_on": [date(2012, 1, 5), date(2012, 2, 1)], "label": ["a", "b"]})
    fig = figures.trend_figure(TREND, unit="count", lang="zh", granularity="month",
                               title="标题", interventions=iv)
    top = max(y for tr in fig.data for y in (tr.y or ()) if y is not None)
    lo, hi = fig.layout.yaxis.range
    assert fig.layout.yaxis.autorange is False and top < lo + (hi - lo) * 0.86
    assert all(a.y == 1 and a.yanchor == "top" for a in fig.layout.annotations)
    assert all(s.y1 < 1 for s in fig.layout.shapes)  # the dashed lines stop below the numbers
    assert fig.layout.showlegend and fig.layout.legend.y > 1 and fig.layout.legend.yanchor == "bottom"
    assert fig.layout.margin.t >= figures.TITLE_PX + figures.LEGEND_ROW_PX
    assert fig.layout.title.yref == "container" and fig.layout.title.y == 1
    assert fig.layout.height == 360 + 2 * figures.LEGEND_ROW_PX  # the plot keeps its height
    plain = figures.trend_figure(TREND, unit="count", lang="zh", granularity="month")
    assert not plain.layout.showlegend and plain.layout.margin.t < figures.TITLE_PX


def test_every_station_of_the_heatmap_is_labelled():
    cells = pl.DataFrame({"station_code": [f"S{i}" for i in range(5)],
                          "station_zh": [f"第{i}职工服务站" for i in range(5)],
                          "station_en": [None] * 5, "month": [date(2012, 1, 1)] * 5,
                          "status": ["reported"] * 5, "rows": [1] * 5})
    fig = figures.completeness_figure(cells)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.type == "category"
    assert fig.layout.yaxis.automargin


def test_several_series_share_ordered_periods():
    df = pl.DataFrame({"period": [date(2013, 1, 1), date(2012, 1, 1)] * 2,
                       "value": [1.0, 2.0, 3.0, 4.0], "series": ["a", "a", "b", "b"]})
    fig = figures.trend_figure(df, unit="persons", lang="zh", granularity="year", series="series")
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[0].x) == ["2012年", "2013年"] and list(fig.data[0].y) == [2.0, 1.0]
    assert list(fig.layout.xaxis.categoryarray) == ["2012年", "2013年"]


def test_a_series_missing_a_period_is_drawn_with_a_gap_not_across_it():
    months = [date(2012, m, 1) for m in (1, 2, 3)]
    df = pl.DataFrame({"period": months + [months[0], months[2]],
                       "value": [1.0, 2.0, 3.0, 0.5, None],
                       "series": ["a"] * 3 + ["b"] * 2})
    fig = figures.trend_figure(df, unit="ratio", lang="zh", granularity="month",
                               series="series")
    b = fig.data[1]
    assert list(b.x) == ["2012年1月", "2012年2月", "2012年3月"]
    assert list(b.y) == [50.0, None, None] and b.connectgaps is False
    assert list(fig.layout.xaxis.categoryarray) == list(b.x)
    assert list(fig.layout.xaxis.range) == [-0.5, 2.5]


def test_bar_figure_horizontal_with_formatted_hover():
    df = pl.DataFrame({"label": ["海拉尔区", "巴林左旗"], "value": [0.8, 0.456]})
    fig = figures.bar_figure(df, label="label", unit="ratio", lang="zh", name="覆盖率")
    tr = fig.data[0]
    assert tr.orientation == "h" and list(tr.y) == ["海拉尔区", "巴林左旗"]
    assert list(tr.x) == [80.0, 45.6] and list(tr.customdata) == ["80.0%", "45.6%"]
    assert fig.layout.xaxis.ticksuffix == "%"


def test_funnel_figure():
    df = pl.DataFrame({"label": ["企业调解", "劳动仲裁"], "value": [10.0, 2.0]})
    fig = figures.funnel_figure(df, label="label", lang="zh")
    assert list(fig.data[0].x) == [10.0, 2.0] and list(fig.data[0].customdata) == ["10", "2"]


def test_small_rates_keep_the_digits_their_ticks_need():
    """Rates under a few per cent tick at 0.2%: ".0f" drew 0% 0% 0% 1% 1% 1% (救助覆盖率 by
    困难类别 in a deployment whose rosters leave the category out)."""
    df = pl.DataFrame({"label": ["低收入", "因病致困"], "value": [0.004, 0.012]})
    fig = figures.bar_figure(df, label="label", unit="ratio", lang="zh", name="覆盖率")
    assert list(fig.data[0].x) == pytest.approx([0.4, 1.2])
    assert fig.layout.xaxis.ticksuffix == "%" and fig.layout.xaxis.tickformat == ",~r"
