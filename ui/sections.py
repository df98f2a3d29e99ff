"""Building blocks every page uses: KPI cards, trend and breakdown charts, drill-down, tables.

Each block takes the page's context (ui/page_context.py: filters, language, data version),
asks `ui.data` (cached analytics) and draws through `ui.charts.show_chart`, so pages stay
layout only.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import coverage as cov
from analytics import figures, fmt
from analytics.filters import Filters, long_view
from analytics.indicators import DIM_LABEL_DOMAIN, INDICATORS
from core import literal
from core.messages import pick, render
from ui import data, empty
from ui.charts import show_chart
from ui.filters import set_region
from ui.page_context import PageContext
from ui.region_map import mappable, region_map

# A KPI card's width: two fit a 390-px phone (358 px inside), five a row on a desktop.
CARD_WIDTH = 170
KPI_ROW = "kpi_row_"  # a row of cards is keyed KPI_ROW + its first code: CSS class st-key-<key>
# Streamlit cuts a metric's label to one line ("两节慰问金额(万…") and its 同比 after a long delta
# ("+13.2百分点 同…": both wrap here instead), and 170-px cards stack one a
# row with half the screen empty on a 360-px phone (328 px inside). Under 400 px two cards share
# a row at half its width each, their values a size smaller so that "16,573人" still fits.
_ROW = f'[class*="st-key-{KPI_ROW}"]'
_CARD = f'{_ROW} [data-testid="stElementContainer"]:has(> [data-testid="stMetric"])'
KPI_CSS = f"""<style>
{_ROW} [data-testid="stMetricLabel"] :is(div, p) {{
  white-space: normal; overflow: visible; text-overflow: clip; }}
{_ROW} div:has(> [data-testid="stMetricDelta"]) {{ flex-wrap: wrap; row-gap: 0.25rem; }}
@media (max-width: 400px) {{
  {_CARD} {{ flex: 1 1 calc(50% - 0.5rem) !important; width: auto !important;
    min-width: 0 !important; max-width: calc(50% - 0.5rem) !important; }}
  {_CARD} > [data-testid="stMetric"] {{ width: 100% !important; }}
  {_ROW} [data-testid="stMetricValue"] {{ font-size: 1.75rem; }}
}}
</style>"""


def _token() -> str:
    return data.version().token


def indicator_name(lang: str, code: str) -> str:
    return INDICATORS[code].name(lang)


def by_title(lang: str, code: str, dim: str) -> str:
    """Chart title "<indicator>(按<dimension>)" in the current language."""
    return render("app.by_dim", lang, name=indicator_name(lang, code), dim=render(f"app.dim_{dim}", lang))


def trend_title(lang: str, code: str) -> str:
    return render("app.trend_of", lang, name=indicator_name(lang, code))


def dim_labels(by: str, lang: str, token: str | None = None) -> dict[str, str]:
    """code → display label of a dimension's values (of data version `token`, else the current)."""
    token = token or _token()
    if by in ("region", "county"):
        regions = data.regions(token)
        return dict(zip(regions["region_code"], regions[pick(("name_zh", "name_en"), lang)],
                        strict=True))
    labels = data.labels(DIM_LABEL_DOMAIN[by], token)
    return {c: pick(v, lang) for c, v in labels.items()}


def chart_view(f: Filters, codes: list[str]) -> Filters:
    """The filters a trend of `codes` is drawn with: by year over up to ten years for series
    kept by year or festival season, else the filter bar's own."""
    if not any(INDICATORS[c].yearly for c in codes):
        return f
    first = data.coverage(_token()).span([t for c in codes for t in cov.tables_of(c)])
    return long_view(f, first=first[0]) if first else long_view(f)


def _sparklines(codes: list[str], f: Filters, token: str) -> pl.DataFrame:
    """code, value: each card's trend, yearly series over their long view."""
    groups = [[c for c in codes if not INDICATORS[c].yearly], [c for c in codes
                                                               if INDICATORS[c].yearly]]
    parts = [data.trend(tuple(g), chart_view(f, g), token).select("code", "value")
             for g in groups if g]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"code": pl.String,
                                                               "value": pl.Float64})


def kpi_cards(page: PageContext, codes: list[str], per_row: int = 5) -> None:
    """Metric cards: value over the range, 同比 delta, 环比 in the help, the trend as a sparkline.

    A card whose tables hold no rows in the view shows "—" and says why (never a 0 or 0.0%
    made of no data); when none of the cards' tables has rows, one empty-state message
    stands instead of the cards."""
    f, lang, token = page.filters, page.lang, page.token
    state = empty.statuses(page, list(dict.fromkeys(t for c in codes for t in cov.tables_of(c))))
    if not empty.section(page, list(state), need="any"):
        return
    k = data.kpis(tuple(codes), f, token)
    trend = _sparklines(codes, f, token)
    rows = {r["code"]: r for r in k.iter_rows(named=True)}
    st.html(KPI_CSS)  # a style alone takes no room on the page
    for i in range(0, len(codes), per_row):
        # A row that wraps, not st.columns: columns stack one card a screen on a phone,
        # wrapped cards sit two a row there and `per_row` a row on a desktop.
        col = st.container(horizontal=True, gap="small", key=KPI_ROW + codes[i])
        for code in codes[i:i + per_row]:
            ind, r = INDICATORS[code], rows[code]
            reason = empty.card_reason(cov.tables_of(code), state, lang)
            if reason:
                col.metric(_card_label(ind, lang), "—", border=True, width=CARD_WIDTH,
                           help=f"{ind.definition(lang)}\n\n{reason}")
                continue
            # A "—" whose tables hold rows says why (a zero base, no cohort followed up yet).
            why = empty.value_reason(code, lang) if fmt.missing(r["value"]) else None
            yoy = fmt.delta(r["value"], r["year_ago"], ind.unit, lang, compact=True)
            pop = fmt.delta(r["value"], r["previous"], ind.unit, lang)
            # Flows come with their empty periods at 0; a rate's periods without a value
            # are left out (a sparkline draws no gaps, and 0 would read as a real 0%).
            spark = trend.filter(pl.col("code") == code)["value"].drop_nulls().to_list()
            color = {True: "normal", False: "inverse", None: "off"}[ind.higher_is_better]
            flat = fmt.is_flat(yoy, lang)  # 持平: an arrow would read as a rise
            col.metric(
                _card_label(ind, lang), _card_value(r["value"], ind.unit, lang),
                delta=yoy, delta_color="off" if flat else color,
                delta_arrow="off" if flat else "auto",
                delta_description=render("app.yoy", lang) if yoy else None,
                help=render("app.kpi_help", lang, definition=ind.definition(lang), yoy=yoy or "—",
                       pop=pop or "—") + (f"\n\n{why}" if why else ""),
                chart_data=spark if len(spark) > 1 else None, chart_type="area", border=True,
                width=CARD_WIDTH)


def _card_label(ind, lang: str) -> str:
    """Chinese money cards carry 万元 in the label, so the value fits a fifth of the page."""
    return f"{ind.name(lang)}(万元)" if fmt.in_wan(ind.unit, lang) else ind.name(lang)


def _card_value(value: float | None, unit: str, lang: str) -> str:
    if fmt.in_wan(unit, lang) and not fmt.missing(value):
        wan = value / 1e4
        return f"{wan:,.1f}" if abs(wan) < 1000 else f"{wan:,.0f}"
    return fmt.number(value, unit, lang, compact=True)


def years_note(codes: list[str], g: Filters, lang: str) -> str:
    """'按春节季,2024–2025年', or '按春节季,2025年' for one year (not '2025–2025年')."""
    first, last = g.start.year, g.end.year
    years = f"{first}" if first == last else f"{first}–{last}"
    return render("app.by_season_note" if any(INDICATORS[c].seasonal for c in codes)
                  else "app.by_year_note", lang, years=years)


def trend_chart(page: PageContext, codes: list[str], *, key: str, title: str) -> None:
    """Lines of one or more indicators of one unit over the range's periods, in the order given.

    Series kept by year are drawn by year over up to ten years, seasonal (two-festival) ones
    one point per Spring Festival season; the title says so.
    """
    f, lang = page.filters, page.lang
    g = chart_view(f, codes)
    if g is not f:
        title = render("app.with_note", lang, title=title, note=years_note(codes, g, lang))
    fig, table = _trend_view(tuple(codes), g, lang, title, st.session_state.get("show_iv", True),
                             page.token)
    show_chart(page, fig, table, key=key, title=title, codes=codes,
               reason=empty.chart_reason(page, codes, None),
               parts=lambda: data.trend_parts(tuple(codes), g, page.token))


# Building a chart (Polars glue and Plotly's property checks) was about half a cached page
# view's CPU, with the interpreter held; every user of the same view now shares one. Figures
# and frames are only read after this (drawn, exported from a copy), never changed.
@st.cache_resource(show_spinner=False, max_entries=512, hash_funcs=data.HASH_FILTERS)
def _trend_view(codes: tuple[str, ...], g: Filters, lang: str, title: str, show_iv: bool,
                token: str) -> tuple[go.Figure, pl.DataFrame]:
    seasonal = any(INDICATORS[c].seasonal for c in codes)
    df = _in_order(data.trend(codes, g, token), list(codes))
    unit = INDICATORS[codes[0]].unit
    names = {c: INDICATORS[c].name(lang) for c in codes}
    df = df.with_columns(pl.col("code").replace_strict(names).alias("series"))
    gran = "season" if seasonal else g.granularity
    iv = None
    if show_iv:
        ivs = data.interventions(g, token)
        iv = ivs.select("start_on", pl.col(pick(("name_zh", "name_en"), lang)).alias("label"))
    fig = figures.trend_figure(df, unit=unit, lang=lang, granularity=gran, title=title,
                               series="series" if len(codes) > 1 else None,
                               name=names[codes[0]], interventions=iv)
    table = (df.with_columns(pl.col("period").map_elements(
        lambda p: fmt.period(p, gran, lang), return_dtype=pl.String).alias("label"))
        .pivot(on="code", index=["period", "label"], values="value") if df.height else df)
    return fig, table


def breakdown_chart(page: PageContext, codes: list[str], by: str, *, key: str, title: str,
                    series_names: dict[str, str] | None = None) -> pl.DataFrame:
    """Bars of indicators (one unit) cut by a dimension; returns the frame drawn."""
    f, lang = page.filters, page.lang
    df, fig, table = _breakdown_view(tuple(codes), f, by, lang, title,
                                     tuple((series_names or {}).items()), page.token)
    show_chart(page, fig, table, key=key, title=title, codes=codes,
               reason=empty.chart_reason(page, codes, by),
               parts=lambda: data.breakdown_parts(tuple(codes), f, by, page.token))
    return df


@st.cache_resource(show_spinner=False, max_entries=512, hash_funcs=data.HASH_FILTERS)
def _breakdown_view(codes: tuple[str, ...], f: Filters, by: str, lang: str, title: str,
                    series_names: tuple[tuple[str, str], ...], token: str,
                    ) -> tuple[pl.DataFrame, go.Figure, pl.DataFrame]:
    df = data.breakdown(codes, f, by, token)
    labels = dim_labels(by, lang, token)
    if by == "region":
        labels = _without_parent(labels, labels.get(f.region, ""))
    names = dict(series_names) or {c: INDICATORS[c].name(lang) for c in codes}
    df = df.with_columns(pl.col("dim").replace_strict(labels, default=pl.col("dim")).alias("label"),
                         pl.col("code").replace_strict(names).alias("series"))
    df = _in_order(_by_first_value(df, codes[0]), list(codes))
    fig = figures.bar_figure(df, label="label", unit=INDICATORS[codes[0]].unit, lang=lang,
                             title=title, series="series" if len(codes) > 1 else None,
                             name=names[codes[0]])
    table = df.pivot(on="code", index=["dim", "label"], values="value") if df.height else df
    return df, fig, table


def _in_order(df: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """Rows of each code together, codes in the order the page gives them (legend and bars
    follow it: allocated, received, disbursed), each code's rows keeping their order."""
    rank = {c: i for i, c in enumerate(codes)}
    return df.sort(pl.col("code").replace_strict(rank, return_dtype=pl.Int32),
                   maintain_order=True)


def _by_first_value(df: pl.DataFrame, code: str) -> pl.DataFrame:
    """Categories largest first by the first indicator's value."""
    first = df.filter(pl.col("code") == code).sort("value", descending=True, nulls_last=True)
    rank = {d: i for i, d in enumerate(first["dim"])}
    return df.sort(pl.col("dim").replace_strict(rank, default=len(rank), return_dtype=pl.Int32),
                   maintain_order=True)


def _without_parent(labels: dict[str, str], parent: str) -> dict[str, str]:
    """'海拉尔区正阳街道帮扶站' → '正阳街道帮扶站' under 海拉尔区: short enough for an axis."""
    if not parent:
        return labels
    prefix = f"{parent} " if parent.isascii() else parent
    return {c: (v.removeprefix(prefix) or v) for c, v in labels.items()}


def region_chart(page: PageContext, code: str, *, key: str) -> None:
    """An indicator by the sub-regions of the selected region: a map (a click drills down; a
    table where the children have no boundaries) and, a tab away, bars with drill-down
    buttons and the downloads. Without any value, the bars' message alone."""
    ind = INDICATORS[code]
    title = render("app.by_region", page.lang, name=ind.name(page.lang))
    df = _breakdown_view((code,), page.filters, "region", page.lang, title, (), page.token)[0]
    if df.height and df["value"].drop_nulls().len() and mappable(page):
        on_map, on_bars = st.tabs([render("app.map_tab", page.lang), render("app.bars_tab", page.lang)])
        with on_map:
            st.markdown(f"**{literal.markdown(title)}**")
            region_map(page, code, df, key=f"{key}_map")
    elif df.height and df["value"].drop_nulls().len():  # townships, stations: no map to draw
        on_bars, on_table = st.tabs([render("app.bars_tab", page.lang),
                                     render("app.table_tab", page.lang)])
        with on_table:
            region_map(page, code, df, key=f"{key}_map")  # says why, and lists them
    else:
        on_bars = st.container()
    with on_bars:
        df = breakdown_chart(page, [code], "region", key=key, title=title)
        if df.height:
            drill(df, page.lang, key=f"{key}_drill")


def _drill_to(key: str) -> None:
    picked = st.session_state.get(key)
    if picked:
        set_region(picked)
    st.session_state[key] = None


def drill(df: pl.DataFrame, lang: str, *, key: str) -> None:
    """Pills of the sub-regions shown; picking one makes it the filter region."""
    names = dict(zip(df["dim"], df["label"], strict=False))
    # pills read their labels as Markdown: a station's name is shown as typed
    st.pills(render("app.drill", lang), list(names), format_func=lambda c: literal.markdown(names[c]),
             key=key,
             on_change=_drill_to, args=(key,), help=render("app.drill_help", lang))


def indicator_table(df: pl.DataFrame, label: str, codes: list[str], lang: str, *,
                    key: str) -> None:
    """A table of indicators per row label, each column formatted for its unit."""
    config: dict = {label: st.column_config.TextColumn(render("app.region", lang) if label == "label"
                                                       else label)}
    out = df
    for code in codes:
        ind = INDICATORS[code]
        factor, unit = fmt.scale(ind.unit, lang)
        out = out.with_columns(pl.col(code) * factor)
        number_format = fmt.column_format(ind.unit, lang)
        config[code] = st.column_config.NumberColumn(
            f"{ind.name(lang)}" + (f"({unit})" if unit and ind.unit != "ratio" else ""),
            help=ind.definition(lang), format=number_format)
    st.dataframe(out.select(label, *codes), column_config=config, hide_index=True, key=key)
