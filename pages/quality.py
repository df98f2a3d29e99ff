"""数据质量 Data quality: completeness, duplicates, file status, outliers, rejected rows.

Everything shown was computed when the data were loaded (etl.quality); this page only reads.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import figures
from core.messages import pick, register, render
from ui import data, empty
from ui import quality_view as qv
from ui.charts import draw
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang, token = page.filters, page.lang, page.token

TEXT = {
    "title": ("数据质量", "Data quality"),
    "intro": ("以下检查在每次导入数据时计算。", "These checks run each time data are loaded."),
    "completeness": ("报送完整性", "Completeness"),
    "heatmap": ("各站点逐月报送情况（绿：已报；蓝：零报告，站点声明当月无救助；灰：当月无救助；橙：迟报；"
                "红：漏报，既无记录也无零报告）",
                "Monthly reports by station (green: reported, blue: zero report, the station "
                "declared nothing to report; grey: no relief that month, orange: late, red: "
                "missing, neither rows nor a zero report)"),
    "gaps": ("漏报和迟报月份", "Missing and late months"),
    "rejects": ("导入拒收", "Rejected rows"),
    "rejects_none": ("没有被拒收的记录。", "No rejected rows."),
    "no_cells": ("当前筛选条件下没有救助记录。", "No relief rows for these filters."),
}
register("quality_page", TEXT)


rules, names = qv.page_head(page, "quality", render("quality_page.title", lang), render("quality_page.intro", lang))

row_checks = ["duplicate_relief", "relief_after_exit", "not_on_file", "amount_outlier"]
tabs = st.tabs([render("quality_page.completeness", lang), *(names[c] for c in row_checks), render("quality_page.rejects", lang)])

with tabs[0]:
    if empty.section(page, ["relief"]):  # reports are counted from relief rows
        cells = data.station_months(f, token)
        if cells.is_empty():
            st.info(render("quality_page.no_cells", lang))
        else:
            st.markdown(f"**{render('quality_page.heatmap', lang)}**")
            draw(figures.completeness_figure(cells, lang), key="completeness_heatmap")
            st.caption(f"{names['missing_report']}: {rules['missing_report']}；"
                       f"{names['late_report']}: {rules['late_report']}")
            gaps = cells.filter(pl.col("status").is_in(["missing", "late"])).select(
                "station_code", pick(("station_zh", "station_en"), lang), "month", "status", "rows")
            st.markdown(f"**{render('quality_page.gaps', lang)}**")
            if gaps.is_empty():
                st.info(render("checks.none", lang))
            else:
                qv.show_table(gaps, lang, token, key="gaps_table")
                qv.audit_downloads(page, gaps, "station_months", key="dl_gaps")

for tab, code in zip(tabs[1:-1], row_checks, strict=True):
    with tab:
        qv.findings_section(page, code, rules[code])

with tabs[-1]:
    rej = data.load_rejects(f, token)
    if rej.is_empty():
        st.info(render("quality_page.rejects_none", lang))
    else:
        draw(figures.rejects_figure(rej, lang), key="rejects_chart")
        qv.show_table(rej.drop(pick(("reason_en", "reason_zh"), lang))
                      .with_columns(pl.col("month").dt.strftime("%Y-%m")), lang, token,
                      key="rejects_table")
        qv.audit_downloads(page, rej, "load_rejects", key="dl_rejects")
