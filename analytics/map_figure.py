"""The map of sub-regions: a Polars frame of values per region and their shapes in, a Plotly
choropleth out (no Streamlit, no SQL).

Plotly's geo maps fetch a world outline from cdn.plot.ly even with the basemap hidden, and
draw nothing when it cannot be fetched (tried offline: no regions at all). `CONFIG` hands
Plotly an empty outline inline instead, so the map needs nothing from the internet.
"""

from __future__ import annotations

import json
import math
import urllib.parse

import plotly.graph_objects as go
import polars as pl

from analytics import fmt
from analytics.figures import FONT
from core import literal
from core.messages import register, render

NO_DATA = "#d5d8dc"  # regions without a value: their own grey, outside the colour scale
# Blues from a pale but visible blue: the lowest value never reads as white or as no data.
SCALE = [[0.0, "#c6dbef"], [0.5, "#4292c6"], [1.0, "#08306b"]]
_EMPTY_WORLD = json.dumps({"type": "Topology", "objects": {}, "arcs": []}, separators=(",", ":"))
# Plotly appends "/<name>.json" to topojsonURL: after "#" that is a fragment, not the data.
CONFIG = {"topojsonURL": "data:application/json," + urllib.parse.quote(_EMPTY_WORLD) + "#"}
register("map", {"no_data": ("无数据", "No data"), "yoy": ("同比", "YoY"),
                 "count": ("数量", "number"),
                 "legend": ("{name}<br>（{unit}）", "{name}<br>({unit})")})


def whole_ticks(values: list[float], unit: str) -> dict:
    """A count's colour bar in whole numbers: over a span under 5 Plotly steps by halves, and a
    重庆 deployment's map of 在档困难职工 read 17.5 18 18.5 (人). One value in every region, of
    any unit, is its one tick (a 新疆 trial's 诉求解决率 of 100% everywhere read 99.6 … 100.4,
    beyond what a rate can be). Other units as Plotly ticks them."""
    if values and max(values) == min(values):
        return {"tickmode": "array", "tickvals": [values[0]]}
    if unit not in ("persons", "count") or not values or max(values) - min(values) >= 5:
        return {}
    ticks = list(range(math.ceil(min(values)), math.floor(max(values)) + 1))
    return {"tickmode": "array", "tickvals": ticks} if ticks else {}


def legend_title(name: str, unit: str, lang: str) -> str:
    """The colour bar's title: the indicator and its unit (万元, %, 人 …)."""
    label = fmt.scale(unit, lang)[1] or render("map.count", lang)
    return render("map.legend", lang, name=name, unit=label)


def map_figure(df: pl.DataFrame, geojson: dict, *, unit: str, lang: str, name: str,
               title: str = "", height: int = 420) -> go.Figure:
    """Regions of `geojson` coloured by `value` (columns dim = region code, label, value,
    year_ago; base units); regions with no value in grey. The hover gives the value and its
    同比; each region's code is its point's `location` and `customdata[0]` (a click drills)."""
    factor = fmt.scale(unit, lang)[0]
    drawn = {f["id"] for f in geojson["features"]}
    rows = {r["dim"]: r for r in df.iter_rows(named=True) if r["dim"] in drawn}
    have = [c for c, r in rows.items() if not fmt.missing(r["value"])]
    empty = sorted(drawn - set(have))
    fig = go.Figure()
    if empty:
        labels = [literal.plotly((rows.get(c) or {}).get("label") or c) for c in empty]
        fig.add_trace(go.Choropleth(
            geojson=geojson, locations=empty, z=[0] * len(empty), featureidkey="id",
            colorscale=[[0, NO_DATA], [1, NO_DATA]], showscale=False, name=render("map.no_data", lang),
            customdata=[[c, lb] for c, lb in zip(empty, labels, strict=True)],
            hovertemplate="<b>%{customdata[1]}</b><br>" + render("map.no_data", lang) + "<extra></extra>",
            marker_line={"color": "white", "width": 0.8}))
    if have:
        values = [rows[c]["value"] * factor for c in have]
        text = [[c, literal.plotly(rows[c].get("label") or c),
                 fmt.number(rows[c]["value"], unit, lang),
                 fmt.delta(rows[c]["value"], rows[c]["year_ago"], unit, lang) or "—"]
                for c in have]
        fig.add_trace(go.Choropleth(
            geojson=geojson, locations=have, z=values, featureidkey="id", colorscale=SCALE,
            customdata=text, name=literal.plotly(name),
            hovertemplate=("<b>%{customdata[1]}</b><br>" + literal.plotly(name)
                           + ": %{customdata[2]}<br>" + render("map.yoy", lang)
                           + ": %{customdata[3]}<extra></extra>"),
            colorbar={"title": {"text": legend_title(literal.plotly(name), unit, lang),
                                "side": "top"},
                      "orientation": "h", "y": -0.02, "yanchor": "top", "thickness": 12,
                      "len": 0.9, "tickformat": ",~r", "x": 0.5, "xanchor": "center",
                      **whole_ticks(values, unit)},
            marker_line={"color": "white", "width": 0.8}))
    # Albers with China's usual standard parallels. (Mercator drew right but Streamlit's
    # Plotly 3.8 then placed the hover, and so the click, far off the regions.)
    fig.update_geos(fitbounds="locations", visible=False, projection_type="conic equal area",
                    projection_parallels=[25, 47])
    fig.update_layout(
        font={"family": FONT}, height=height, dragmode=False,
        margin={"l": 0, "r": 0, "t": 40 if title else 4, "b": 70},
        hoverlabel={"font": {"family": FONT}},
        title={"text": literal.plotly(title), "x": 0, "font": {"size": 15}} if title else None)
    if empty:  # the grey's key, under the map beside the colour bar's title
        fig.add_annotation(text=f"<span style='color:{NO_DATA}'>■</span> "
                           + render("map.no_data", lang), showarrow=False, xref="paper",
                           yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                           font={"size": 12})
    return fig
