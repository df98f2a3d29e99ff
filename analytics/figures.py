"""Pure figure functions: a Polars frame in, a Plotly figure out (no Streamlit, no SQL).

Values come in base units (yuan, fractions); each function scales them for display (万元, %),
labels periods as Chinese readers expect (2012年5月, 2012年第3季度) on a categorical axis, and
puts the formatted value in the hover label.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from analytics import fmt
from core import literal
from core.messages import Pair, pick, register, render

# "七项措施 等3项" / "seven measures +2 more": the Chinese counts them all, the English the rest
register("figure", {"more_marks": ("{first} 等{count}项", "{first} +{count} more")})

# The product's one look, as the process default: a figure takes the default template when it
# is made, unvalidated, while `update_layout(template=...)` validates the whole template again
# (18-33 ms a figure, about 15% of a page view's CPU; the figures' JSON is the same).
pio.templates.default = "plotly_white"

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"
LABEL_CHARS = 14  # an intervention's label on a trend; the full names are in its hover
# Legends sit above the plot, in a top margin Plotly widens to fit them: below it they ran into
# the rotated month labels; the title is pinned to the top of the image, above the legend.
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}
TITLE_PX, LEGEND_ROW_PX = 40, 22
HEADROOM = 0.16  # share of a trend's value axis kept free above its lines for markers
COLORS = ["#c0392b", "#2e86c1", "#28b463", "#d68910", "#7d3c98", "#17a589", "#839192"]


def _layout(fig: go.Figure, title: str, unit: str, lang: str, *, value_axis: str = "y"):
    factor, axis_unit = fmt.scale(unit, lang)
    axis = {"title": {"text": axis_unit}, "separatethousands": True, "rangemode": "tozero"}
    if unit == "ratio":
        axis.update(ticksuffix="%", tickformat=",~r")  # ".0f" drew 0% 0% 1% under 1%
    elif unit == "yuan":  # 万元 with the digits its ticks need: 0.02 0.04 …, 1,200 1,400 …
        axis.update(tickformat=pick((",~r", "~s"), lang))  # yuan in SI: 2M
    else:
        axis.update(tickformat=",~r")
    fig.update_layout(
        title=_title(title), font={"family": FONT},
        margin={"l": 10, "r": 10, "t": 48 if title else 16, "b": 10}, height=360,
        legend=LEGEND, hoverlabel={"font": {"family": FONT}},
        colorway=COLORS,
    )
    (fig.update_yaxes if value_axis == "y" else fig.update_xaxes)(**axis)
    return factor


def _title(text: str) -> dict:
    """At the image's top-left, whatever height the legend under it takes."""
    return {"text": text, "x": 0, "xref": "container", "y": 1, "yref": "container",
            "yanchor": "top", "pad": {"t": 10, "l": 10}, "font": {"size": 15}}


def _top_margin(fig: go.Figure, entries: int, per_row: int = 3) -> None:
    """Room for the title and the legend's rows (at the 900-px width of a downloaded image);
    on screen Plotly widens the margin further when the legend wraps onto more rows."""
    rows = -(-entries // per_row) if fig.layout.showlegend else 0
    fig.update_layout(margin_t=(TITLE_PX if fig.layout.title.text else 10) + LEGEND_ROW_PX * rows)


def _hover(label: str) -> str:
    return "%{x}<br>" + label + ": %{customdata}<extra></extra>"


def trend_figure(
    df: pl.DataFrame, *, unit: str, lang: str, granularity: str, title: str = "",
    series: str | None = None, name: str = "", interventions: pl.DataFrame | None = None,
) -> go.Figure:
    """Lines over periods. `df`: period (date), value, and a label column `series` if several.

    `interventions` (start_on, label) draws a dashed vertical line and label at the period each
    one starts in; pass None to leave them off.
    """
    fig = go.Figure()
    factor = _layout(fig, title, unit, lang)
    groups = df.partition_by(series, maintain_order=True) if series else [df]
    every = sorted(set(df["period"].to_list())) if df.height else []
    x = [fmt.period(p, granularity, lang) for p in every]
    for g in groups:
        # Every series on every period of the frame, None where it has no value: a trace
        # lacking a category would draw its line straight across it.
        at = dict(zip(g["period"].to_list(), g["value"].to_list(), strict=True))
        values = [at.get(p) for p in every]
        label = literal.plotly(g[series][0] if series else name)  # names from files: as typed
        fig.add_trace(go.Scatter(
            x=x, y=[_scaled(v, factor) for v in values], name=label, mode="lines+markers",
            customdata=[fmt.number(v, unit, lang) for v in values],
            hovertemplate=_hover(label or "%{fullData.name}"), connectgaps=False))
    periods = _ordered_periods(df, granularity, lang)
    # A fixed range: Plotly's autorange would widen the axis to fit intervention labels.
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=periods,
                     range=[-0.5, max(len(periods), 1) - 0.5])
    marks = _mark(fig, interventions, df, granularity, lang) if (
        interventions is not None and df.height) else 0
    if marks:  # taller by a legend row a mark: on a phone each entry takes a row of its own
        _headroom(fig)
        fig.update_layout(height=fig.layout.height + LEGEND_ROW_PX * marks)
    fig.update_layout(showlegend=bool(series) or marks > 0)
    _top_margin(fig, len(fig.data))
    _whole_steps(fig, unit)
    return fig


COUNTS = ("persons", "count")  # whole things: never a tick at half a person


def _whole_steps(fig: go.Figure, unit: str, axis: str = "y") -> None:
    """A count's value axis steps by one under 5: Plotly stepped by halves (受理诉求件数 0 0.5 1
    1.5 2 in a 重庆 deployment's months of one or two petitions)."""
    values = [v for tr in fig.data for v in (getattr(tr, axis) or ()) if v is not None]
    if unit in COUNTS and max(map(abs, values), default=0) < 5:
        (fig.update_yaxes if axis == "y" else fig.update_xaxes)(dtick=1)


def _headroom(fig: go.Figure) -> None:
    """A band above the highest value where the interventions' numbers sit clear of the lines."""
    ys = [y for tr in fig.data for y in (tr.y or ()) if y is not None]
    if not ys:
        return
    lo, hi = min(0.0, min(ys)), max(ys)
    if hi > lo:
        fig.update_yaxes(range=[lo, hi + (hi - lo) * HEADROOM / (1 - HEADROOM)],
                         autorange=False)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if fmt.missing(value) else value * factor


def _ordered_periods(df: pl.DataFrame, granularity: str, lang: str) -> list[str]:
    periods = sorted(set(df["period"].to_list())) if df.height else []
    return [fmt.period(p, granularity, lang) for p in periods]


def _period_of(d: date, granularity: str) -> date:
    if granularity == "year":
        return date(d.year, 1, 1)
    if granularity == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return d.replace(day=1)


def _mark(fig: go.Figure, interventions: pl.DataFrame, df: pl.DataFrame, gran: str,
          lang: str) -> int:
    """One dashed line per period where interventions start, numbered ①②… at its top (in the
    headroom above the lines, all names in the number's hover), and a legend entry per number
    with the first one's name and how many more start then: labels on the plot ran into each
    other and the lines. Returns how many periods are marked."""
    shown = set(df["period"].to_list())
    season = gran == "season"
    at: dict[date, list[str]] = {}
    for row in interventions.iter_rows(named=True):
        start = row["start_on"]
        p = _period_of(start, "year" if season else gran)
        if season:  # seasons sit on their festival day: mark the first season from the start
            later = sorted(x for x in shown if x >= start)
            p = later[0] if later else None
        elif p not in shown:
            continue
        if p is not None:
            at.setdefault(p, []).append(row["label"])
    marks = sorted(at.items())
    for i, (p, names) in enumerate(marks):
        x = fmt.period(p, gran, lang)
        more = len(names) - 1
        limit = LABEL_CHARS * pick((1, 2), lang)  # Latin letters are half as wide
        first = names[0] if len(names[0]) <= limit else names[0][:limit] + "…"
        text = first if not more else render("figure.more_marks", lang, first=first,
                                             count=Pair(f"{more + 1}", f"{more}"))
        number = _number(i)
        line = {"dash": "dash", "color": "#7f8c8d", "width": 1}
        fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=0.9, yref="paper", line=line)
        fig.add_annotation(x=x, y=1, xref="x", yref="paper", yanchor="top", text=number,
                           showarrow=False, xanchor="center",
                           hovertext="<br>".join(literal.plotly(n) for n in names),
                           font={"size": 12, "color": "#566573"})
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, hoverinfo="skip",
                                 name=f"{number} {literal.plotly(text)}", meta="intervention"))
    return len(marks)


def _number(i: int) -> str:
    """①…⑳, then plain numbers."""
    return chr(0x2460 + i) if i < 20 else str(i + 1)


def bar_figure(
    df: pl.DataFrame, *, label: str, unit: str, lang: str, title: str = "",
    series: str | None = None, horizontal: bool = True, name: str = "",
) -> go.Figure:
    """Bars of `value` per `label` (one bar group per `series` value if given)."""
    fig = go.Figure()
    factor = _layout(fig, title, unit, lang, value_axis="x" if horizontal else "y")
    groups = df.partition_by(series, maintain_order=True) if series else [df]
    for g in groups:
        trace_name = literal.plotly(g[series][0] if series else name)
        values = [_scaled(v, factor) for v in g["value"]]
        labels = [literal.plotly(v) for v in g[label].to_list()]  # a station's <b> shown
        text = [fmt.number(v, unit, lang) for v in g["value"]]
        xy = {"x": values, "y": labels} if horizontal else {"x": labels, "y": values}
        hover = ("%{y}" if horizontal else "%{x}") + "<br>" + (trace_name or "") + \
            ": %{customdata}<extra></extra>"
        fig.add_trace(go.Bar(**xy, name=trace_name, orientation="h" if horizontal else "v",
                             customdata=text, hovertemplate=hover))
    fig.update_layout(barmode="group", showlegend=bool(series))
    _top_margin(fig, len(groups), per_row=4)  # above the bars, clear of the value axis
    _whole_steps(fig, unit, "x" if horizontal else "y")
    if horizontal:
        fig.update_yaxes(type="category", autorange="reversed")
        fig.update_layout(height=max(300, 26 * df[label].n_unique() * max(1, len(groups)) + 90))
    else:
        fig.update_xaxes(type="category")
    return fig


def funnel_figure(df: pl.DataFrame, *, label: str, lang: str, title: str = "") -> go.Figure:
    """A funnel of counts (`value`) through ordered stages (`label`)."""
    fig = go.Figure(go.Funnel(
        y=[literal.plotly(v) for v in df[label].to_list()], x=df["value"].to_list(),
        customdata=[fmt.number(v, "count", lang) for v in df["value"]],
        texttemplate="%{customdata}", textinfo="text",
        hovertemplate="%{y}: %{customdata}<extra></extra>", marker={"color": COLORS[1]}))
    fig.update_layout(title=_title(title), font={"family": FONT},
                      margin={"l": 10, "r": 10, "t": 48 if title else 16, "b": 10}, height=340)
    return fig


# --- data quality (数据质量 page) ---------------------------------------------------------

# Heatmap cell status → (code, colour, zh, en); 零报告: the station declared it had nothing
# to report (etl/zero_reports.py), reported all the same, in a colour of its own.
STATUSES = {"missing": (0, "#c0392b", "漏报", "missing"), "late": (1, "#f39c12", "迟报", "late"),
            "empty": (2, "#d5d8dc", "当月无救助", "no relief that month"),
            "reported": (3, "#27ae60", "已报", "reported"),
            "declared": (4, "#5dade2", "零报告", "zero report (nothing to report)")}
LEGEND_ORDER = ("reported", "declared", "empty", "late", "missing")


def completeness_figure(cells: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Station × month heatmap: green reported, blue 零报告 (declared nothing), grey quiet,
    orange late, red missing, with a legend; hover shows rows."""
    name = pick(("station_zh", "station_en"), lang)
    cells = cells.with_columns(pl.col(name).fill_null(pl.col("station_code")),
                               pl.col("month").dt.strftime("%Y-%m").alias("ym"))
    stations = cells.select("station_code", name).unique(maintain_order=True)
    months = sorted(cells["ym"].unique().to_list())
    col = {m: i for i, m in enumerate(months)}
    row = {s: i for i, s in enumerate(stations["station_code"])}
    z = [[None] * len(months) for _ in row]
    text = [[""] * len(months) for _ in row]
    label = pick((2, 3), lang)  # STATUSES: (code, colour, zh, en)
    for r in cells.iter_rows(named=True):
        i, j = row[r["station_code"]], col[r["ym"]]
        status = STATUSES[r["status"]]
        z[i][j] = status[0]
        text[i][j] = f"{status[label]} · {r['rows']}"
    # A stepped colour scale: each status code gets one flat band.
    n, scale = len(STATUSES), []
    for code, colour, *_ in STATUSES.values():
        scale += [[code / n, colour], [(code + 1) / n, colour]]
    fig = go.Figure(go.Heatmap(
        z=z, x=months, y=[literal.plotly(v) for v in stations[name].to_list()], text=text,
        zmin=-0.5, zmax=n - 0.5,
        colorscale=scale, showscale=False, xgap=1, ygap=1,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    # The legend: one square per status (a heatmap has a colour bar, not entries).
    for status in LEGEND_ORDER:
        _, colour, *words = STATUSES[status]
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=words[label - 2],
                                 marker={"color": colour, "symbol": "square", "size": 12},
                                 hoverinfo="skip"))
    fig.update_layout(height=max(260, 22 * len(row) + 150), margin={"l": 10, "r": 10, "t": 50},
                      font={"family": FONT}, showlegend=True,
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                      xaxis={"type": "category"},
                      # Every station labelled: Plotly thins out category ticks that crowd.
                      yaxis={"autorange": "reversed", "type": "category", "dtick": 1,
                             "automargin": True})
    return fig


def rejects_figure(rej: pl.DataFrame, lang: str = "zh") -> go.Figure:
    """Rejected rows per load month, stacked by reason."""
    reason = pick(("reason_zh", "reason_en"), lang)
    by = (rej.with_columns(pl.col("month").dt.strftime("%Y-%m").alias("ym"))
          .group_by("ym", reason).agg(pl.col("rows").sum()).sort("ym"))
    fig = go.Figure([go.Bar(x=g["ym"].to_list(), y=g["rows"].to_list(), name=str(k[0]))
                     for k, g in by.group_by(reason, maintain_order=True)])
    fig.update_layout(barmode="stack", height=320, xaxis={"type": "category"}, font={"family": FONT},
                      margin={"l": 10, "r": 10, "t": 30}, legend=LEGEND)
    return fig
