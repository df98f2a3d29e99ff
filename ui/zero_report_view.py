"""The upload page's 零报告 section (stations declare a month with nothing to report, one
confirmation) and its list of the lines a load did not read as data (合计, signatures, 注：).

A declaration is loaded like a file (`etl.zero_reports.declaration_file` through
`ui.upload_view.run_load`): a batch per station, audited and withdrawable like any load,
and skipped when declared before. Completeness then counts the month as reported.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics import db
from core.messages import pick, register, render
from ui import auth
from ui import upload_view as uv
from ui.etl_actions import LoadReport, mappings, zero_reports

TEXT = {
    "title": ("零报告（本月无数据可报）", "Zero report (nothing to report this month)"),
    "help": ("帮扶站点某月没有发放、没有数据时，在此登记零报告，数据质量页即不再把该月计为漏报。"
             "也可上传只有表头的花名册（表头上方写明站点和“报表月份：2012年3月”）。每个站点一个批次，可撤销。",
             "When a station paid nothing in a month, declare it here and the data-quality page "
             "no longer counts the month as missing. An empty roster (its header, with the "
             "station and 报表月份：2012年3月 above it) does the same. One batch per station; "
             "it can be withdrawn."),
    "stations": ("站点", "Stations"),
    "year": ("年", "Year"), "month": ("月", "Month"), "kind": ("报表", "Report"),
    "sure": ("我确认：所选站点在该月没有{kind}", "I confirm: the chosen stations had no "
             "{kind} that month"),
    "pick": ("选择站点", "Choose stations"),
    "go": ("登记零报告", "Record the zero reports"),
    "running": ("正在登记…", "Recording…"),
    "no_stations": ("尚未登记帮扶站点：请先在下方的站点名录中添加站点。",
                    "No help station is registered yet: add stations in the registry below."),
    "skipped": ("未作为数据读取的行（合计、签名、表注）：{n} 行",
                "Lines not read as data (totals, signatures, notes): {n}"),
}
SKIPPED_HEADERS = {"file": ("文件", "file"), "sheet": ("工作表", "sheet"), "row": ("行号", "row"),
                   "what": ("类别", "kind of line"), "text": ("内容", "text")}
register("zero_report", TEXT)
register("skipped_headers", SKIPPED_HEADERS)


def last_month(today: dt.date | None = None) -> dt.date:
    """The month before this one: the one a station reports on now."""
    first = (today or dt.date.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def declarations(stations: list[str], month: dt.date, kind: str) -> list[tuple[str, bytes]]:
    """The files that declare `month` for each station (loaded like uploads)."""
    return [zero_reports.declaration_file(code, month, kind) for code in stations]


def draw(lang: str, user: auth.User, stations: pl.DataFrame) -> LoadReport | None:
    """The section in an expander; the load's report when the user confirmed, else None.
    `stations` are the user's registered stations (station_code, name_zh)."""
    with st.expander(render("zero_report.title", lang)):
        st.caption(render("zero_report.help", lang))
        if stations.is_empty():
            st.info(render("zero_report.no_stations", lang))
            return None
        names = dict(stations.select("station_code", "name_zh").iter_rows())
        picked = st.multiselect(render("zero_report.stations", lang), list(names), key="zero_stations",
                                format_func=lambda c: f"{names[c]}（{c}）",
                                placeholder=render("zero_report.pick", lang))
        default = last_month()
        years = list(range(default.year - 15, default.year + 1))
        cols = st.columns(3)
        year = cols[0].selectbox(render("zero_report.year", lang), years, index=len(years) - 1,
                                 key="zero_year")
        month = cols[1].selectbox(render("zero_report.month", lang), list(range(1, 13)),
                                  index=default.month - 1, key="zero_month")
        kinds = {k: pick((mappings.kinds()[k].name_zh, mappings.kinds()[k].name_en), lang)
                 for k in zero_reports.KINDS}
        nouns = {k: pick(words, lang) for k, words in zero_reports.NOUNS.items()}
        kind = cols[2].selectbox(render("zero_report.kind", lang), list(kinds), format_func=kinds.get,
                                 key="zero_kind")
        sure = st.checkbox(render("zero_report.sure", lang, kind=nouns[kind]), key="zero_sure")
        if not st.button(render("zero_report.go", lang), key="zero_go", disabled=not (picked and sure)):
            return None
        with st.spinner(render("zero_report.running", lang)):
            return uv.run_load(declarations(picked, dt.date(year, month, 1), kind),
                               db.warehouse_path(), user)


def skipped_table(report: LoadReport | None, lang: str) -> pl.DataFrame:
    """The lines of the files read and not taken as data (合计, signatures, 注：… notes),
    with file, sheet, row and text, headed in the reader's language."""
    if report is None:
        return pl.DataFrame()
    lines = report.skipped.select("file", "sheet", "row",
                                  pl.col(pick(("what_zh", "what_en"), lang)).alias("what"), "text")
    return lines.rename({c: render(f"skipped_headers.{c}", lang) for c in SKIPPED_HEADERS})


def show_skipped(report: LoadReport | None, lang: str) -> None:
    """The skipped lines in a closed expander, when there are any."""
    skipped = skipped_table(report, lang)
    if skipped.is_empty():
        return
    with st.expander(render("zero_report.skipped", lang, n=skipped.height)):
        st.dataframe(skipped.with_columns(pl.col(pl.String).fill_null("")), hide_index=True,
                     width="stretch", key="upload_skipped")
