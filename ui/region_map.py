"""The map of the current region's children for one indicator: a click on a region drills down
through the filter bar's own setter; levels without boundaries (乡镇街道, help stations) get a
table instead, never a blank map."""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import fmt, geo
from analytics.filters import Filters
from analytics.indicators import INDICATORS
from analytics.map_figure import CONFIG, map_figure
from core.messages import pick, render
from ui import data
from ui.charts import PLOTLY_CONFIG, on_screen
from ui.filters import set_region
from ui.page_context import PageContext

_MAPPED = ("province", "city", "county")  # levels with boundaries; below them, a table


def children(region: str, token: str) -> pl.DataFrame:
    """region_code, level, name_zh, name_en of the region's children."""
    regions = data.regions(token)
    return regions.filter(pl.col("parent_code") == region)


def mappable(page: PageContext) -> bool:
    """Whether any child of the selected region has a boundary to draw."""
    return bool(children(page.filters.region, page.token)
                .filter(pl.col("level").is_in(_MAPPED)).height)


def region_map(page: PageContext, code: str, df: pl.DataFrame, *, key: str) -> None:
    """`df`: the indicator by sub-region (dim, label, value, year_ago), as the bars draw it."""
    f, lang, token = page.filters, page.lang, page.token
    kids = children(f.region, token)
    mapped = kids.filter(pl.col("level").is_in(_MAPPED))["region_code"].to_list()
    fig, without = (_map_view(code, f, tuple(mapped), lang, token, df) if mapped
                    else (None, []))
    if fig is None:  # townships and stations have no boundaries
        st.caption(render("app.map_no_shapes", lang))
        value_table(code, df, lang, key=f"{key}_table")
        return
    # One chart per region: a selection kept from the region above is not this map's. The
    # selection goes to a callback (not on_select="rerun"): it runs before the next run draws
    # the filter bar, which is when set_region may move its boxes.
    chart = f"{key}_{f.region}"
    st.plotly_chart(on_screen(fig), key=chart, config={**PLOTLY_CONFIG, **CONFIG},
                    on_select=partial(_drill_to, chart), selection_mode="points")
    st.caption(f"{render('app.map_hint', lang)} {geo.source().caption(lang)}"
               + left_off(without, kids, lang))


def left_off(without: list[str], kids: pl.DataFrame, lang: str) -> str:
    """The caption's words on children without a boundary, by name. Named from the children,
    not from the indicator's frame: a child without a row in the view (重庆's 两江新区, a
    deployment's own county-level area) was named by its bare code, "未画出:500157"."""
    if not without:
        return ""
    names = dict(zip(kids["region_code"], kids[pick(("name_zh", "name_en"), lang)], strict=True))
    return render("app.map_without", lang, names="、".join(names.get(c) or c for c in without))


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs=data.HASH_FILTERS)
def _map_view(code: str, f: Filters, mapped: tuple[str, ...], lang: str, token: str,
              _df: pl.DataFrame) -> tuple[go.Figure | None, list[str]]:
    """The figure (None when no child has a boundary) and the children left off it. Shared by
    every session that draws the same view, as the bars are (ui/sections.py); `_df` is that
    view's frame (the filters and data version key it)."""
    shapes = geo.shapes(f.region, list(mapped))
    if not shapes["features"]:
        return None, []
    ind = INDICATORS[code]
    fig = map_figure(_df, shapes, unit=ind.unit, lang=lang, name=ind.name(lang))
    return fig, geo.missing(shapes, list(mapped))


def _drill_to(key: str) -> None:
    """A click on a region: the filter bar moves to it, as its own boxes would."""
    event = st.session_state.get(key)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        code = point.get("location") or (point.get("customdata") or [None])[0]
        if code:
            set_region(str(code))
            return


def value_table(code: str, df: pl.DataFrame, lang: str, *, key: str) -> None:
    """The sub-regions' values and 同比 as a table (levels the map cannot draw)."""
    ind = INDICATORS[code]
    factor, unit = fmt.scale(ind.unit, lang)
    out = df.select(
        pl.col("label"), (pl.col("value") * factor).alias("value"),
        pl.struct("value", "year_ago").map_elements(
            lambda r: fmt.delta(r["value"], r["year_ago"], ind.unit, lang) or "—",
            return_dtype=pl.String).alias("yoy"))
    st.dataframe(out, hide_index=True, key=key, column_config={
        "label": st.column_config.TextColumn(render("app.region", lang)),
        "value": st.column_config.NumberColumn(
            ind.name(lang) + (f"({unit})" if unit else ""), help=ind.definition(lang),
            format="%.1f" if ind.unit in ("ratio", "yuan") else "localized"),
        "yoy": st.column_config.TextColumn(render("app.yoy", lang))})
