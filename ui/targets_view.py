"""目标任务 on a page: each indicator with a target for the filter's region and the year of
the range's end (target, what was done, 完成率, 序时进度, ahead or behind in words), and the
ranking of the sub-regions by 完成率 (排名通报) with its downloads."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import fmt, targets
from analytics.indicators import INDICATORS
from core import literal
from core.messages import pick, render
from ui import data
from ui.charts import provenance
from ui.downloads import download_buttons
from ui.page_context import PageContext


def progress_section(page: PageContext, codes: list[str] | None = None, *, key: str) -> None:
    """The progress lines and the ranking, for the indicators `codes` (default: every one
    with a target); a line saying how to set targets when none is set for the year."""
    year = page.filters.end.year
    frame = data.progress(page.filters, year, page.token)
    if codes is not None:
        frame = frame.filter(pl.col("indicator").is_in(codes))
    st.subheader(render("app.targets_section", page.lang, year=year))
    own = frame.filter(pl.col("is_total"))
    if frame.is_empty():
        st.caption(render("app.targets_none", page.lang, year=year))
        return
    for row in own.iter_rows(named=True):
        st.markdown(progress_line(row, page.lang))
    ranked = [c for c in frame.filter(~pl.col("is_total"))["indicator"].unique(
        maintain_order=True).to_list()]
    if ranked:
        ranking_table(page, frame, ranked, year, key=key)


def progress_line(row: dict, lang: str) -> str:
    """'**培训人数** 目标1,000人 · 已完成863人 · 完成率86.3% · 序时进度75.0%（截至2012年9月） ·
    :green[超序时进度11.3个百分点]' (Markdown)."""
    ind = INDICATORS[row["indicator"]]
    name = ind.name(lang)
    if row["season"] is not None:
        name = render("app.with_season", lang, name=name,
                      season=render("app.season_of", lang, season=row["season"]))
    text = f"**{literal.markdown(name)}** " + render(
        "app.target_line", lang, target=fmt.number(row["target"], ind.unit, lang),
        actual=fmt.number(row["actual"], ind.unit, lang),
        completion=fmt.number(row["completion"], "ratio", lang))
    if row["elapsed_share"] is not None:
        text += " · " + render("app.elapsed_part", lang,
                          elapsed=fmt.number(row["elapsed_share"], "ratio", lang),
                          as_of=fmt.period(row["as_of"], "month", lang))
    words = targets.ahead_words(row["ahead_pp"], lang)
    if words:
        colour = "green" if row["ahead_pp"] >= 0 else "red"
        text += f" · :{colour}[{words}]"
    return text


def ranking_table(page: PageContext, frame: pl.DataFrame, codes: list[str], year: int, *,
                  key: str) -> None:
    """排名通报 of one indicator (picked when several have sub-region targets), with the
    downloads (disclosure control first; 完成率 and ranks from the published counts)."""
    lang = page.lang
    if st.session_state.get(f"{key}_pick") not in codes:  # kept from another region's view
        st.session_state.pop(f"{key}_pick", None)
    code = codes[0] if len(codes) == 1 else st.selectbox(
        render("app.ranking_pick", lang), codes, key=f"{key}_pick",
        format_func=lambda c: INDICATORS[c].name(lang))
    ind = INDICATORS[code]
    title = render("app.ranking_title", lang, name=ind.name(lang), year=year)
    names = dict(data.regions(page.token).select(
        "region_code", pick(("name_zh", "name_en"), lang)).iter_rows())
    ranked = targets.ranking(frame, code)
    st.markdown(f"**{literal.markdown(title)}**")
    st.dataframe(_shown(ranked, names, ind, lang), hide_index=True, key=f"{key}_table")
    base = ranked.select("region_code", pl.col("region_code").replace_strict(
        names, default=None).alias("region_name"), "target", pl.col("actual").alias(code),
        "elapsed_share")
    download_buttons(None, base, provenance(title, [code], page.filters, lang),
                     key=f"{key}_dl", derive=lambda t_: _derived(t_, code),
                     action="export_ranking")


def _shown(ranked: pl.DataFrame, names: dict[str, str], ind, lang: str) -> pl.DataFrame:
    """The ranking as the page shows it: names, units and percentages as words."""
    def num(col: str, unit: str) -> pl.Expr:
        return pl.col(col).map_elements(lambda v: fmt.number(v, unit, lang),
                                        return_dtype=pl.String)

    return ranked.select(
        pl.col("rank").alias(render("app.col_rank", lang)),
        pl.col("region_code").replace_strict(names, default=pl.col("region_code"))
        .alias(render("app.region", lang)),
        num("target", ind.unit).alias(render("app.col_target", lang)),
        num("actual", ind.unit).alias(render("app.col_actual", lang)),
        num("completion", "ratio").alias(render("app.col_completion", lang)),
        num("elapsed_share", "ratio").alias(render("app.col_elapsed", lang)),
        pl.col("ahead_pp").round(1).alias(render("app.col_ahead", lang)))


def _derived(table: pl.DataFrame, code: str) -> pl.DataFrame:
    """完成率, 超/落后 and the rank from the (published) count: what the file says."""
    done = pl.when(pl.col("target") > 0).then(pl.col(code) / pl.col("target"))
    return (table.with_columns(completion_pct=(done * 100).round(1))
            .with_columns(elapsed_pct=(pl.col("elapsed_share") * 100).round(1))
            .with_columns(ahead_pp=(pl.col("completion_pct") - pl.col("elapsed_pct")).round(1),
                          rank=pl.col("completion_pct").rank("min", descending=True)
                          .cast(pl.Int64))
            .drop("elapsed_share").sort("rank", nulls_last=True))
