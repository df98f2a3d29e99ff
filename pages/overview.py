"""总览 Overview: key indicators with 同比, their trends, the regions that need attention."""

from __future__ import annotations

import streamlit as st

from analytics.coverage import tables_of
from analytics.indicators import INDICATORS
from core.messages import render
from ui import empty, sections, targets_view
from ui.attention import attention_table
from ui.page_context import open_page

KPIS = ["registered", "relieved", "coverage", "relief_amount", "fund_execution", "trained",
        "placements", "petitions", "resolution_rate", "proposal_completion"]

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang
st.title(render("app.page_overview", lang))
if empty.nothing_loaded(lang):  # a new warehouse: one message, not ten empty cards
    st.stop()
st.subheader(render("app.kpis", lang))
sections.kpi_cards(page, KPIS)
empty.missing_note([tb for c in KPIS for tb in tables_of(c)], lang)
targets_view.progress_section(page, key="ov_targets")  # 目标任务: 完成率, 序时进度, 排名通报

st.subheader(render("app.trends", lang))
# Only indicators with data on file are offered; the sample has them all.
loaded = empty.coverage().loaded
offered = [c for c in KPIS if set(tables_of(c)) <= loaded] or KPIS
if st.session_state.get("ov_trend") not in offered:
    st.session_state.pop("ov_trend", None)
pick = st.selectbox(render("app.trends", lang), offered, key="ov_trend", label_visibility="collapsed",
                    format_func=lambda c: INDICATORS[c].name(lang))
if empty.section(page, tables_of(pick)):
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, [pick], key="ov_trend_chart",
                             title=sections.trend_title(lang, pick))
    with right:
        sections.region_chart(page, pick, key="ov_region")

st.subheader(render("app.attention", lang))
# Its reasons come from relief, the register and the funds: any of them will do.
if empty.section(page, ("relief", "hardship_files", "fund_allocations"), need="any"):
    attention_table(page, key="ov_attention")
