"""Building blocks every page uses: KPI cards, trend and breakdown charts, drill-down, tables.

Each block reads the frame's filters, asks `ui.data` (cached analytics) and draws through
`ui.charts.show_chart`, so pages stay layout only.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import figures, fmt
from analytics.i18n import t
from analytics.indicators import DIM_LABEL_DOMAIN, INDICATORS
from ui import data
from ui.charts import show_chart
from ui.filters import current, set_region, with_granularity


def _token() -> str:
    return data.version().token


def dim_labels(by: str, lang: str) -> dict[str, str]:
    """code → display label of a dimension's values."""
    if by in ("region", "county"):
        regions = data.regions(_token())
        return dict(zip(regions["region_code"], regions["name_en" if lang == "en" else "name_zh"],
                        strict=True))
    labels = data.labels(DIM_LABEL_DOMAIN[by], _token())
    return {c: v[1 if lang == "en" else 0] for c, v in labels.items()}


def kpi_cards(codes: list[str], per_row: int = 5) -> None:
    """Metric cards: value over the range, 同比 delta, 环比 in the help, the trend as a sparkline."""
    f, lang = current()
    k = data.kpis(tuple(codes), f, _token())
    trend = data.trend(tuple(codes), f, _token())
    rows = {r["code"]: r for r in k.iter_rows(named=True)}
    for i in range(0, len(codes), per_row):
        cols = st.columns(per_row)
        for col, code in zip(cols, codes[i:i + per_row], strict=False):
            ind, r = INDICATORS[code], rows[code]
            yoy = fmt.delta(r["value"], r["year_ago"], ind.unit, lang)
            pop = fmt.delta(r["value"], r["previous"], ind.unit, lang)
            spark = trend.filter(pl.col("code") == code)["value"].fill_null(0).to_list()
            color = {True: "normal", False: "inverse", None: "off"}[ind.higher_is_better]
            col.metric(
                ind.name(lang), fmt.number(r["value"], ind.unit, lang),
                delta=yoy, delta_color=color, delta_description=t("yoy", lang) if yoy else None,
                help=t("kpi_help", lang, definition=ind.definition(lang), yoy=yoy or "—",
                       pop=pop or "—"),
                chart_data=spark if len(spark) > 1 else None, chart_type="area", border=True)


def trend_chart(codes: list[str], *, key: str, title: str, seasonal: bool = False) -> None:
    """Lines of one or more indicators of one unit over the range's periods.

    Seasonal (two-festival) indicators are drawn one point per Spring Festival season.
    """
    f, lang = current()
    g = with_granularity(f, "year") if seasonal else f
    df = data.trend(tuple(codes), g, _token())
    unit = INDICATORS[codes[0]].unit
    names = {c: INDICATORS[c].name(lang) for c in codes}
    df = df.with_columns(pl.col("code").replace_strict(names).alias("series"))
    gran = "season" if seasonal else f.granularity
    iv = None
    if st.session_state.get("show_iv", True):
        ivs = data.interventions(f, _token())
        iv = ivs.select("start_on", pl.col("name_en" if lang == "en" else "name_zh").alias("label"))
    fig = figures.trend_figure(df, unit=unit, lang=lang, granularity=gran, title=title,
                               series="series" if len(codes) > 1 else None,
                               name=names[codes[0]], interventions=iv)
    table = (df.with_columns(pl.col("period").map_elements(
        lambda p: fmt.period(p, gran, lang), return_dtype=pl.String).alias("label"))
        .pivot(on="code", index=["period", "label"], values="value") if df.height else df)
    show_chart(fig, table, key=key, title=title, codes=codes)


def breakdown_chart(codes: list[str], by: str, *, key: str, title: str,
                    series_names: dict[str, str] | None = None) -> pl.DataFrame:
    """Bars of indicators (one unit) cut by a dimension; returns the frame drawn."""
    f, lang = current()
    df = data.breakdown(tuple(codes), f, by, _token())
    labels = dim_labels(by, lang)
    names = series_names or {c: INDICATORS[c].name(lang) for c in codes}
    df = df.with_columns(pl.col("dim").replace_strict(labels, default=pl.col("dim")).alias("label"),
                         pl.col("code").replace_strict(names).alias("series"))
    if len(codes) == 1:
        df = df.sort("value", descending=True, nulls_last=True)
    fig = figures.bar_figure(df, label="label", unit=INDICATORS[codes[0]].unit, lang=lang,
                             title=title, series="series" if len(codes) > 1 else None,
                             name=names[codes[0]])
    table = df.pivot(on="code", index=["dim", "label"], values="value") if df.height else df
    show_chart(fig, table, key=key, title=title, codes=codes)
    return df


def region_chart(code: str, *, key: str) -> None:
    """An indicator by the sub-regions of the selected region, with drill-down buttons."""
    f, lang = current()
    ind = INDICATORS[code]
    title = t("by_region", lang, name=ind.name(lang))
    df = breakdown_chart([code], "region", key=key, title=title)
    if df.height:
        drill(df, key=f"{key}_drill")


def _drill_to(key: str) -> None:
    picked = st.session_state.get(key)
    if picked:
        set_region(picked)
    st.session_state[key] = None


def drill(df: pl.DataFrame, *, key: str) -> None:
    """Pills of the sub-regions shown; picking one makes it the filter region."""
    _, lang = current()
    names = dict(zip(df["dim"], df["label"], strict=False))
    st.pills(t("drill", lang), list(names), format_func=names.get, key=key,
             on_change=_drill_to, args=(key,), help=t("drill_help", lang))


def indicator_table(df: pl.DataFrame, label: str, codes: list[str], *, key: str) -> None:
    """A table of indicators per row label, each column formatted for its unit."""
    _, lang = current()
    config: dict = {label: st.column_config.TextColumn(t("region", lang) if label == "label"
                                                       else label)}
    out = df
    for code in codes:
        ind = INDICATORS[code]
        factor, unit = fmt.scale(ind.unit, lang)
        out = out.with_columns(pl.col(code) * factor)
        number_format = "%.1f%%" if ind.unit == "ratio" else (
            "%.1f" if ind.unit == "yuan" and lang != "en" else "localized")
        config[code] = st.column_config.NumberColumn(
            f"{ind.name(lang)}" + (f"({unit})" if unit and ind.unit != "ratio" else ""),
            help=ind.definition(lang), format=number_format)
    st.dataframe(out.select(label, *codes), column_config=config, hide_index=True, key=key)
