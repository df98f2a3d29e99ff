"""The one place pages draw a chart: the figure, or a clear message when there is no data,
then download buttons whose files carry the indicator definitions, filters and data version."""

from __future__ import annotations

import html
import importlib.util
import threading
from collections.abc import Callable
from datetime import datetime

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.basedatatypes import BaseFigure

from analytics import fmt
from analytics.filters import Filters
from analytics.indicators import INDICATORS
from core import literal
from core.messages import pick, render
from ui import data
from ui.page_context import PageContext

# No Plotly toolbar: on a phone it is always shown and covered titles and legends; PNG/SVG are
# the buttons under each chart, a drag still zooms and a double click resets.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def describe(f: Filters, lang: str) -> dict[str, str]:
    """The filters as an export states them: codes with their labels."""
    token = data.version().token
    regions = data.regions(token)
    row = regions.filter(pl.col("region_code") == f.region)
    name = row[pick(("name_zh", "name_en"), lang)][0] if row.height else ""
    out = {"region": f"{f.region} {name}".strip(), "period": fmt.month_range(f.start, f.end, lang),
           "granularity": f.granularity}
    for key, domain, value in (("fund_source", "fund_source", f.fund_source),
                               ("category", "hardship_category", f.category)):
        if value:
            label = data.labels(domain, token).get(value, (value, value))
            out[key] = f"{value} {pick(label, lang)}"
    return out


def provenance(title: str, codes: list[str], f: Filters, lang: str,
               indicators: list[dict] | None = None):
    """What an export says of itself; `indicators` in place of the codes' catalogue entries
    (an effect's outcome that is no catalogue indicator)."""
    from analytics.export import Provenance

    v = data.version()
    return Provenance(
        title=title, indicators=indicators or [INDICATORS[c].as_dict(lang) for c in codes],
        filters=describe(f, lang), data_version=v.describe(lang),
        generated_at=datetime.now().astimezone(), lang=lang, sample=data.is_sample(v.token))


def show_chart(page: PageContext, fig: go.Figure | None, table: pl.DataFrame, *, key: str,
               title: str, codes: list[str], reason: str | None = None,
               parts: Callable[[], pl.DataFrame] | None = None,
               indicators: list[dict] | None = None) -> bool:
    """Draw `fig` with download buttons for it and `table`; say so when there is no data
    (`reason`: why, when the caller knows; else the general message). `parts`: the counts
    and sums behind the table's indicators, for exports outside the staff role.

    Returns False when there was nothing to draw.
    """
    f, lang = page.filters, page.lang
    if fig is None or table.is_empty() or not _has_values(table):
        st.info(f"**{literal.markdown(title)}** — {reason or render('app.no_data', lang)}",
                icon=":material/info:")
        return False
    draw(fig, key=key)
    if importlib.util.find_spec("ui.downloads") is None:
        return True
    from ui.downloads import download_buttons

    download_buttons(fig, table, provenance(title, codes, f, lang, indicators), key=key,
                     parts=parts)
    return True


def draw(fig: go.Figure, *, key: str) -> None:
    """The figure on screen, its title drawn by Streamlit above it: there it wraps on a phone,
    where Plotly's one-line title ran under the legend and off the chart. The figure keeps
    its title for the downloaded PNG/SVG (their builders read it later, on a click)."""
    title = fig.layout.title.text
    if title:
        st.markdown(f"**{literal.markdown(html.unescape(title.replace('<br>', ' ')))}**")
    st.plotly_chart(on_screen(fig, untitled=True), key=key, config=PLOTLY_CONFIG)


class _Drawn(BaseFigure):
    """A figure as Streamlit reads it, `to_dict()`, made once per figure. Streamlit reads
    every figure through `to_dict()`, a deep copy of all it holds: for the figures shared by
    every view of the same filters (ui/sections.py, ui/region_map.py, cached) that copy, and
    taking the title off and putting it back, were a fifth of a page view's CPU."""

    def __init__(self, spec: dict) -> None:  # no Plotly state: only `to_dict` is read
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return self._spec  # read, never changed, by Streamlit (its JSON and size)


_DRAWN_LOCK = threading.Lock()


def on_screen(fig: go.Figure, *, untitled: bool = False) -> go.Figure:
    """`fig` as st.plotly_chart draws it (`untitled`: without Plotly's title, the top margin
    10 px, the legend widening it as it needs), its dict made at the first draw. Figures are
    not changed once drawn (the cached ones are shared; the others are built per run)."""
    attr = "_drawn_untitled" if untitled else "_drawn"
    drawn = fig.__dict__.get(attr)
    if drawn is None:
        with _DRAWN_LOCK:  # a shared figure is changed for a moment while its dict is made
            title, top = fig.layout.title.text, fig.layout.margin.t
            if untitled and title:
                fig.update_layout(title_text=None, margin_t=10)
            try:
                drawn = _Drawn(fig.to_dict())
            finally:
                if untitled and title:
                    fig.update_layout(title_text=title, margin_t=top)
            setattr(fig, attr, drawn)
    return drawn


def _has_values(table: pl.DataFrame) -> bool:
    numeric = [c for c, d in table.schema.items() if d.is_numeric()]
    return any(table[c].drop_nulls().len() for c in numeric)
