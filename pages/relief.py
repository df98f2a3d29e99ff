"""帮扶救助 Relief and coverage: who is covered, by what relief, festival seasons, medical cards,
and interest-free loans."""

from __future__ import annotations

import streamlit as st

from core.messages import render
from ui import empty, sections
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang


st.title(render("app.page_relief", lang))
sections.kpi_cards(page, ["registered", "relieved", "coverage", "relief_amount", "amount_per_person"])

st.subheader(render("app.coverage_section", lang))
if empty.section(page, ["relief", "hardship_files"]):  # coverage: relieved ÷ on file
    left, right = st.columns(2)
    with left:
        sections.region_chart(page, "coverage", key="rl_cov_region")
    with right:
        sections.breakdown_chart(page, ["coverage"], "category", key="rl_cov_cat",
                                 title=sections.by_title(lang, "coverage", "category"))
    sections.trend_chart(page, ["coverage"], key="rl_cov_trend",
                         title=sections.trend_title(lang, "coverage"))

st.subheader(render("app.relief_section", lang))
if empty.section(page, ["relief"]):
    left, right = st.columns(2)
    with left:
        sections.breakdown_chart(page, ["relief_amount"], "relief_type", key="rl_type",
                                 title=sections.by_title(lang, "relief_amount", "relief_type"))
    with right:
        sections.breakdown_chart(page, ["relieved"], "recipient_group", key="rl_group",
                                 title=sections.by_title(lang, "relieved", "recipient_group"))
    sections.trend_chart(page, ["amount_per_person"], key="rl_per_person",
                         title=sections.trend_title(lang, "amount_per_person"))

st.subheader(render("app.festival_section", lang))
st.caption(render("app.festival_note", lang))
if empty.section(page, ["relief"]):
    sections.kpi_cards(page, ["festival_persons", "festival_amount"], per_row=2)
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, ["festival_persons"], key="rl_fest_p",
                             title=sections.trend_title(lang, "festival_persons"))
    with right:
        sections.trend_chart(page, ["festival_amount"], key="rl_fest_y",
                             title=sections.trend_title(lang, "festival_amount"))

st.subheader(render("app.medical_section", lang))
left, right = st.columns(2)
with left:
    if empty.section(page, ["medical_cards"]):
        sections.trend_chart(page, ["card_holders"], key="rl_cards",
                             title=sections.trend_title(lang, "card_holders"))
with right:
    if empty.section(page, ["medical_benefits"]):
        sections.breakdown_chart(page, ["medical_discounts"], "benefit_kind", key="rl_benefits",
                                 title=sections.by_title(lang, "medical_discounts",
                                                         "benefit_kind"))

st.subheader(render("app.loans_section", lang))
if empty.section(page, ["loans"]):
    sections.kpi_cards(page, ["loans", "loan_amount", "jobs_per_loan", "loan_repayment"], per_row=4)
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, ["loans"], key="rl_loans", title=sections.trend_title(lang, "loans"))
    with right:
        sections.trend_chart(page, ["loan_repayment"], key="rl_repay",
                             title=sections.trend_title(lang, "loan_repayment"))
