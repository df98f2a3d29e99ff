"""The ranked list of sub-regions that need attention, and the named funding gaps."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import fmt
from core import literal
from core.messages import pick, render
from ui import data
from ui.page_context import PageContext
from ui.sections import dim_labels

_REASON = {"drop": ("reason_drop", "count_pct"), "low_coverage": ("reason_low_coverage", "ratio"),
           "funds": ("reason_funds", "yuan")}


def _reason_text(reason: str, value: float, lang: str) -> str:
    key, kind = _REASON[reason]
    shown = f"{abs(value) * 100:.1f}%" if kind == "count_pct" else fmt.number(value, kind, lang)
    return render(f"app.{key}", lang, value=shown)


def attention_table(page: PageContext, *, key: str) -> None:
    """One row per county (or station) that needs attention: all its reasons, worst first."""
    lang = page.lang
    df = data.attention(page.filters, page.token)
    if not df.height:
        st.info(render("app.attention_none", lang), icon=":material/check_circle:")
        return
    names = dim_labels("region", lang, page.token)
    sep = pick(("；", "; "), lang)
    texts = [_reason_text(r, v, lang) for r, v in zip(df["reason"], df["value"], strict=True)]
    rows = (df.with_columns(pl.Series("text", texts))
            .group_by("region", maintain_order=True)
            .agg(pl.col("text").str.join(sep).alias("reason"), pl.col("score").max() * 100))
    rows = rows.select(pl.int_range(1, rows.height + 1).alias("rank"),
                       pl.col("region").replace_strict(names, default=pl.col("region")),
                       "reason", "score")
    st.dataframe(rows, hide_index=True, key=key, column_config={
        "rank": st.column_config.NumberColumn("#", format="%d", width="small"),
        "region": st.column_config.TextColumn(render("app.region", lang)),
        "reason": st.column_config.TextColumn(render("app.reason", lang), width="large"),
        "score": st.column_config.ProgressColumn(
            render("app.severity", lang), min_value=0, max_value=100, format="%.0f",
            help=render("app.severity_help", lang)),
    })


def gap_lines(page: PageContext, *, key: str) -> None:
    """One sentence per county-year whose matching funds did not arrive, plus the table."""
    lang = page.lang
    gaps = data.matching_gaps(page.filters, page.token)
    if not gaps.height:
        st.success(render("app.no_gaps", lang), icon=":material/check_circle:")
        return
    names = dim_labels("region", lang, page.token)
    lines = [render("app.gap_line", lang, region=literal.markdown(names.get(r["county"], r["county"])),
               year=r["year"],
               allocated=fmt.yuan(r["allocated"], lang), received=fmt.yuan(r["received"], lang),
               gap=fmt.yuan(r["gap"], lang)) for r in gaps.head(5).iter_rows(named=True)]
    st.markdown("\n".join(f"- {line}" for line in lines))
    factor, unit = fmt.scale("yuan", lang)
    table = gaps.with_columns(pl.col("county").replace_strict(names, default=pl.col("county")),
                              *(pl.col(c) * factor for c in ("allocated", "received", "gap")))
    money = fmt.column_format("yuan", lang)
    st.dataframe(table, hide_index=True, key=key, column_config={
        "county": st.column_config.TextColumn(render("app.region", lang)),
        "year": st.column_config.NumberColumn(render("app.gran_year", lang), format="%d"),
        "allocated": st.column_config.NumberColumn(f"{render('app.matching_due', lang)}({unit})",
                                                   format=money),
        "received": st.column_config.NumberColumn(f"{render('app.matching_got', lang)}({unit})",
                                                  format=money),
        "gap": st.column_config.NumberColumn(f"{render('app.gap', lang)}({unit})", format=money),
    })
