"""资金使用 Funds: allocated, received and disbursed by source and region; execution and
matching-fund arrival; the gaps named."""

from __future__ import annotations

import streamlit as st

from core.messages import render
from ui import empty, sections
from ui.attention import gap_lines
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang
FLOWS = ["fund_allocated", "fund_received", "fund_disbursed"]


st.title(render("app.page_funds", lang))
sections.kpi_cards(page, [*FLOWS, "fund_execution", "matching_arrival"])

# Every section below reads the allocation tables (allocated, received, execution ÷ received,
# matching arrival, the gaps): without their rows in the view (a deployment that has not
# loaded its 帮扶资金下拨到位表) one message says which file kind to load, not three headers
# over the same message. Disbursed alone is on its card.
if not empty.section(page, ["fund_allocations"]):
    st.stop()

st.subheader(render("app.funds_section", lang))
sections.breakdown_chart(page, FLOWS, "fund_source", key="fd_source",
                         title=render("app.by_dim", lang, name=render("app.funds_section", lang),
                                      dim=render("app.dim_fund_source", lang)))
sections.breakdown_chart(page, FLOWS, "region", key="fd_region",
                         title=render("app.by_region", lang,
                                      name=render("app.funds_section", lang)))
sections.trend_chart(page, FLOWS, key="fd_trend",
                     title=render("app.trend_of", lang, name=render("app.funds_section", lang)))

st.subheader(render("app.rates_section", lang))
left, right = st.columns(2)
with left:
    if empty.section(page, ["relief"]):  # execution: spending ÷ received
        sections.region_chart(page, "fund_execution", key="fd_exec_region")
with right:
    sections.region_chart(page, "matching_arrival", key="fd_match_region")
sections.trend_chart(page, ["fund_execution", "matching_arrival"], key="fd_rates",
                     title=render("app.trend_of", lang, name=render("app.rates_section", lang)))

st.subheader(render("app.gaps_section", lang))
gap_lines(page, key="fd_gaps")  # with the tables' rows: "all arrived" is said of something
