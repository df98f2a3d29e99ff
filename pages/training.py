"""培训就业 Training and employment: enrolments by course and provider, completion, placement
within six months, loans and the jobs they created, repayment."""

from __future__ import annotations

import streamlit as st

from core.messages import render
from ui import empty, sections, targets_view
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang


st.title(render("app.page_training", lang))
sections.kpi_cards(page, ["trained", "training_completion", "placement_6m", "placements",
                    "jobs_per_loan"])
targets_view.progress_section(page, ["trained", "training_completion", "placement_6m",
                                     "placements", "loans", "loan_amount", "jobs_per_loan"],
                              key="tr_targets")

st.subheader(render("app.training_section", lang))
if empty.section(page, ["training"]):
    left, right = st.columns(2)
    with left:
        sections.breakdown_chart(page, ["trained"], "course", key="tr_course",
                                 title=sections.by_title(lang, "trained", "course"))
    with right:
        sections.breakdown_chart(page, ["trained"], "provider", key="tr_provider",
                                 title=sections.by_title(lang, "trained", "provider"))
    left, right = st.columns(2)
    with left:
        sections.breakdown_chart(page, ["training_completion", "placement_6m"], "course",
                                 key="tr_rates",
                                 title=sections.by_title(lang, "training_completion", "course"))
    with right:
        sections.region_chart(page, "trained", key="tr_region")
    sections.trend_chart(page, ["training_completion", "placement_6m"], key="tr_rate_trend",
                         title=render("app.trend_of", lang, name=render("app.training_section", lang)))

st.subheader(render("app.employment_section", lang))
if empty.section(page, ["placements"]):
    left, right = st.columns(2)
    with left:
        sections.breakdown_chart(page, ["placements"], "placement_channel", key="tr_channel",
                                 title=sections.by_title(lang, "placements",
                                                         "placement_channel"))
    with right:
        sections.trend_chart(page, ["placements"], key="tr_placements",
                             title=sections.trend_title(lang, "placements"))
if empty.section(page, ["loans"]):
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, ["jobs_per_loan"], key="tr_jobs",
                             title=sections.trend_title(lang, "jobs_per_loan"))
    with right:
        sections.trend_chart(page, ["loan_repayment"], key="tr_repay",
                             title=sections.trend_title(lang, "loan_repayment"))
