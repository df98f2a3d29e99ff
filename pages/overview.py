"""总览 Overview: key indicators with 同比, their trends, the regions that need attention."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import t
from analytics.indicators import INDICATORS
from ui import sections
from ui.attention import attention_table
from ui.filters import current

KPIS = ["registered", "relieved", "coverage", "relief_amount", "fund_execution", "trained",
        "placements", "petitions", "resolution_rate", "proposal_completion"]

f, lang = current()
st.title(t("page_overview", lang))
st.subheader(t("kpis", lang))
sections.kpi_cards(KPIS)

st.subheader(t("trends", lang))
pick = st.selectbox(t("trends", lang), KPIS, key="ov_trend", label_visibility="collapsed",
                    format_func=lambda c: INDICATORS[c].name(lang))
left, right = st.columns(2)
with left:
    sections.trend_chart([pick], key="ov_trend_chart",
                         title=sections.trend_title(lang, pick))
with right:
    sections.region_chart(pick, key="ov_region")

st.subheader(t("attention", lang))
attention_table(key="ov_attention")
