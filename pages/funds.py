"""资金使用 Funds: allocated, received and disbursed by source and region; execution and
matching-fund arrival; the gaps named."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import t
from ui import sections
from ui.attention import gap_lines
from ui.filters import current

f, lang = current()
FLOWS = ["fund_allocated", "fund_received", "fund_disbursed"]


st.title(t("page_funds", lang))
sections.kpi_cards([*FLOWS, "fund_execution", "matching_arrival"])

st.subheader(t("funds_section", lang))
sections.breakdown_chart(FLOWS, "fund_source", key="fd_source",
                         title=t("by_dim", lang, name=t("funds_section", lang),
                                 dim=t("dim_fund_source", lang)))
sections.breakdown_chart(FLOWS, "region", key="fd_region",
                         title=t("by_region", lang, name=t("funds_section", lang)))
sections.trend_chart(FLOWS, key="fd_trend", title=t("trend_of", lang,
                                                    name=t("funds_section", lang)))

st.subheader(t("rates_section", lang))
left, right = st.columns(2)
with left:
    sections.region_chart("fund_execution", key="fd_exec_region")
with right:
    sections.region_chart("matching_arrival", key="fd_match_region")
sections.trend_chart(["fund_execution", "matching_arrival"], key="fd_rates",
                     title=t("trend_of", lang, name=t("rates_section", lang)))

st.subheader(t("gaps_section", lang))
gap_lines(key="fd_gaps")
