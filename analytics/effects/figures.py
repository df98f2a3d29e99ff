"""Pure figures of effect analyses: a result (and its data) in, a Plotly figure out.

- `counterfactual_figure`: observed against the counterfactual with its 95% band (ITS), or
  against the counterfactual the DiD estimate implies for the treated after the start;
- `event_figure`: effects by period relative to the start with 95% intervals.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from analytics.effects.result import EffectResult, EventStudyResult, ItsResult
from analytics.figures import COLORS, FONT
from core.messages import register, render

LABELS = {
    "observed": ("实际值", "Observed"),
    "fitted": ("模型拟合", "Fitted"),
    "counterfactual": ("反事实（无干预）", "Counterfactual (no intervention)"),
    "band": ("反事实95%置信带", "Counterfactual 95% band"),
    "treated": ("处理组（均值，12个月滑动平均）", "Treated (mean, 12-month average)"),
    "comparison": ("对照组（均值，12个月滑动平均）", "Comparison (mean, 12-month average)"),
    "treated_raw": ("实施地区（均值）", "Treated regions (mean)"),
    "start": ("实施", "Start"),
    "effect": ("效应", "Effect"),
    "rel_time": ("相对实施的期数", "Periods relative to the start"),
    "ratio_axis": ("率比", "Rate ratio"),
    "diff_axis": ("差值", "Difference"),
    "months_each": ("（每期{n}个月）", " ({n} months each)"),
}
register("effect_figures", LABELS)


def _layout(fig: go.Figure, title: str, y_title: str, x_title: bool = False) -> go.Figure:
    """Common look; with an x-axis title the legend moves below it."""
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}}, font={"family": FONT},
        margin={"l": 10, "r": 10, "t": 48 if title else 16, "b": 10}, height=380,
        legend={"orientation": "h", "y": -0.32 if x_title else -0.15},
        hoverlabel={"font": {"family": FONT}},
        yaxis={"title": {"text": y_title}, "separatethousands": True},
    )
    return fig


def _band(fig: go.Figure, x: list, low: list, high: list, name: str) -> None:
    """A shaded band between two lines, drawn as one closed polygon."""
    fig.add_trace(go.Scatter(
        x=x + x[::-1], y=high + low[::-1], fill="toself", fillcolor="rgba(46,134,193,0.18)",
        mode="lines", line={"width": 0}, hoverinfo="skip", name=name))


def _start_line(fig: go.Figure, start: date, lang: str) -> None:
    fig.add_vline(x=start, line={"dash": "dash", "color": "#555", "width": 1})
    fig.add_annotation(x=start, y=1, yref="paper", text=render("effect_figures.start", lang), showarrow=False,
                       xanchor="left", yanchor="bottom", font={"size": 11})


def its_figure(result: ItsResult, start: date, *, lang: str = "zh", title: str = "",
               y_title: str = "") -> go.Figure:
    """Observed values, the fitted segmented trend, and the counterfactual with its band
    from the start on (before it, counterfactual and fit coincide)."""
    s = result.series
    fig = go.Figure()
    post = s.filter(pl.col("post"))
    x_post = post["time"].to_list()
    _band(fig, x_post, post["cf_low"].to_list(), post["cf_high"].to_list(), render("effect_figures.band", lang))
    fig.add_trace(go.Scatter(x=s["time"].to_list(), y=s["observed"].to_list(), mode="markers",
                             name=render("effect_figures.observed", lang), marker={"size": 4, "color": "#555"}))
    fig.add_trace(go.Scatter(x=s["time"].to_list(), y=s["fitted"].to_list(), mode="lines",
                             name=render("effect_figures.fitted", lang), line={"color": COLORS[0]}))
    fig.add_trace(go.Scatter(x=x_post, y=post["counterfactual"].to_list(), mode="lines",
                             name=render("effect_figures.counterfactual", lang),
                             line={"color": COLORS[1], "dash": "dash"}))
    _start_line(fig, start, lang)
    return _layout(fig, title, y_title)


def did_series(panel: pl.DataFrame, result: EffectResult, smooth: int = 12) -> pl.DataFrame:
    """month, treated, comparison (group means, as trailing `smooth`-month averages so that
    seasons do not hide the trend) and the treated counterfactual the estimate implies once
    the whole window is after the start (observed ÷ rate ratio, or observed − difference),
    with its band."""
    means = (
        panel.group_by("month", "treated").agg(pl.col("value").mean())
        .pivot(on="treated", index="month", values="value")
        .rename({"true": "treated", "false": "comparison"}, strict=False)
        .sort("month")
        .with_columns(pl.col("treated", "comparison").rolling_mean(smooth))
    )
    start = panel.filter(pl.col("post"))["month"].min()
    months = means["month"].to_list()
    first = months.index(start) if start in months else len(months)
    full = months[first + smooth - 1] if first + smooth - 1 < len(months) else None
    ratio = result.scale == "ratio"

    def implied(bound: float) -> pl.Expr:
        shifted = pl.col("treated") / bound if ratio else pl.col("treated") - bound
        return pl.when(pl.col("month") >= full).then(shifted) if full else pl.lit(None)

    # A larger effect implies a lower counterfactual: the band's low end uses ci_high.
    return means.with_columns(
        counterfactual=implied(result.estimate),
        cf_low=implied(result.ci_high),
        cf_high=implied(result.ci_low),
    )


def did_figure(series: pl.DataFrame, start: date, *, lang: str = "zh", title: str = "",
               y_title: str = "") -> go.Figure:
    """Treated and comparison means, and the treated counterfactual with its band."""
    fig = go.Figure()
    post = series.filter(pl.col("counterfactual").is_not_null())
    x_post = post["month"].to_list()
    _band(fig, x_post, post["cf_low"].to_list(), post["cf_high"].to_list(), render("effect_figures.band", lang))
    for key, color in (("treated", COLORS[0]), ("comparison", COLORS[2])):
        fig.add_trace(go.Scatter(x=series["month"].to_list(), y=series[key].to_list(),
                                 mode="lines", name=render(f"effect_figures.{key}", lang), line={"color": color}))
    fig.add_trace(go.Scatter(x=x_post, y=post["counterfactual"].to_list(), mode="lines",
                             name=render("effect_figures.counterfactual", lang),
                             line={"color": COLORS[1], "dash": "dash"}))
    _start_line(fig, start, lang)
    return _layout(fig, title, y_title)


def event_figure(result: EventStudyResult, *, lang: str = "zh", title: str = "",
                 months_per_period: int | None = None) -> go.Figure:
    """Effect by relative period with 95% intervals; the reference period (-1) is fixed.
    `months_per_period` names the period length on the axis (3 = quarters)."""
    p = result.periods.sort("rel_time")
    ratio = result.scale == "ratio"
    null = 1.0 if ratio else 0.0
    est = p["estimate"].to_list()
    plus = [None if h is None else h - e for e, h in zip(est, p["ci_high"].to_list(), strict=True)]
    minus = [None if lo is None else e - lo for e, lo in zip(est, p["ci_low"].to_list(),
                                                             strict=True)]
    fig = go.Figure(go.Scatter(
        x=p["rel_time"].to_list(), y=est, mode="markers+lines", name=render("effect_figures.effect", lang),
        line={"color": COLORS[0]},
        error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True}))
    fig.add_hline(y=null, line={"color": "#555", "width": 1})
    fig.add_vline(x=-0.5, line={"dash": "dash", "color": "#555", "width": 1})
    axis = render("effect_figures.rel_time", lang)
    if months_per_period:
        axis += render("effect_figures.months_each", lang, n=months_per_period)
    fig.update_xaxes(title={"text": axis}, dtick=1)
    y_axis = render("effect_figures.ratio_axis" if ratio else "effect_figures.diff_axis", lang)
    return _layout(fig, title, y_axis, x_title=True)


def event_series(panel: pl.DataFrame, result: EventStudyResult, months_per_period: int,
                 window: tuple[int, int]) -> pl.DataFrame:
    """rel_time, observed (treated units' mean by period relative to their own start, binned
    like the estimate) and the counterfactual each period's effect implies, with its band.

    `panel`: region_code, month, value, treat_start (null for comparison units).
    """
    months = (pl.col("month").dt.year() * 12 + pl.col("month").dt.month()) - (
        pl.col("treat_start").dt.year() * 12 + pl.col("treat_start").dt.month())
    rel = (months / months_per_period).floor().cast(pl.Int64).clip(*window)
    observed = (
        panel.filter(pl.col("treat_start").is_not_null())
        .group_by(rel.alias("rel_time")).agg(observed=pl.col("value").mean())
    )
    effects = result.periods.select("rel_time", "estimate", "ci_low", "ci_high")
    ratio = result.scale == "ratio"

    def implied(column: str) -> pl.Expr:
        after = pl.col("rel_time") >= 0
        value = pl.col("observed") / pl.col(column) if ratio else pl.col("observed") - pl.col(column)
        return pl.when(after).then(value)

    return observed.join(effects, on="rel_time", how="left").sort("rel_time").select(
        "rel_time", "observed",
        counterfactual=implied("estimate"), cf_low=implied("ci_high"), cf_high=implied("ci_low"),
    )


def event_counterfactual_figure(series: pl.DataFrame, *, lang: str = "zh", title: str = "",
                                y_title: str = "", months_per_period: int = 1) -> go.Figure:
    """Treated units' observed mean by period since their start, and the counterfactual."""
    fig = go.Figure()
    post = series.filter(pl.col("counterfactual").is_not_null())
    x_post = post["rel_time"].to_list()
    _band(fig, x_post, post["cf_low"].to_list(), post["cf_high"].to_list(), render("effect_figures.band", lang))
    fig.add_trace(go.Scatter(x=series["rel_time"].to_list(), y=series["observed"].to_list(),
                             mode="lines+markers", name=render("effect_figures.treated_raw", lang),
                             line={"color": COLORS[0]}))
    fig.add_trace(go.Scatter(x=x_post, y=post["counterfactual"].to_list(), mode="lines+markers",
                             name=render("effect_figures.counterfactual", lang),
                             line={"color": COLORS[1], "dash": "dash"}))
    fig.add_vline(x=-0.5, line={"dash": "dash", "color": "#555", "width": 1})
    axis = render("effect_figures.rel_time", lang)
    if months_per_period > 1:
        axis += render("effect_figures.months_each", lang, n=months_per_period)
    fig.update_xaxes(title={"text": axis}, dtick=1)
    return _layout(fig, title, y_title, x_title=True)
