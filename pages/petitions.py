"""维权诉求 Petitions and rights: volume by channel and category, collective and skip-level
petitions, resolution, the mediation funnel, union coverage (三个普遍), NPC deputies."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import figures
from core.messages import render
from ui import data, empty, sections
from ui.charts import show_chart
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang


st.title(render("app.page_petitions", lang))
sections.kpi_cards(page, ["petitions", "collective", "skip_level_share", "resolution_rate",
                    "days_to_close"])

st.subheader(render("app.petitions_section", lang))
if empty.section(page, ["petitions"]):
    left, right = st.columns(2)
    with left:
        sections.breakdown_chart(page, ["petitions"], "petition_channel", key="pt_channel",
                                 title=sections.by_title(lang, "petitions", "petition_channel"))
    with right:
        sections.breakdown_chart(page, ["petitions"], "petition_category", key="pt_category",
                                 title=sections.by_title(lang, "petitions",
                                                         "petition_category"))
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, ["petitions", "collective"], key="pt_trend",
                             title=sections.trend_title(lang, "petitions"))
    with right:
        sections.trend_chart(page, ["skip_level_share"], key="pt_skip",
                             title=sections.trend_title(lang, "skip_level_share"))

st.subheader(render("app.resolution_section", lang))
if empty.section(page, ["petitions"]):
    left, right = st.columns(2)
    with left:
        sections.region_chart(page, "resolution_rate", key="pt_res_region")
    with right:
        sections.trend_chart(page, ["days_to_close"], key="pt_days",
                             title=sections.trend_title(lang, "days_to_close"))

st.subheader(render("app.funnel_section", lang))
if empty.section(page, ["petitions"]):
    funnel = data.mediation_funnel(f, page.token)
    labels = sections.dim_labels("mediation_level", lang, page.token)
    funnel = funnel.with_columns(pl.col("level").replace_strict(labels).alias("label"))
    show_chart(page, figures.funnel_figure(funnel, label="label", lang=lang) if funnel.height else None,
               funnel, key="pt_funnel", title=render("app.funnel_reached", lang), codes=["petitions"],
               reason=empty.chart_reason(page, ["petitions"], "mediation_level"))

st.subheader(render("app.coverage3_section", lang))
COVERAGE = ["union_coverage", "bargaining_coverage", "congress_coverage", "harmonious_share"]
if empty.section(page, ["union_coverage"]):
    sections.kpi_cards(page, COVERAGE, per_row=4)
    sections.trend_chart(page, COVERAGE, key="pt_cov", title=render("app.trend_of", lang,
                                                         name=render("app.coverage3_section", lang)))

st.subheader(render("app.npc_section", lang))
if empty.section(page, ["npc_activities"]):
    sections.kpi_cards(page, ["reception_days", "proposal_completion"], per_row=2)
    left, right = st.columns(2)
    with left:
        sections.trend_chart(page, ["reception_days"], key="pt_npc_days",
                             title=sections.trend_title(lang, "reception_days"))
    with right:
        sections.trend_chart(page, ["proposal_completion"], key="pt_npc_done",
                             title=sections.trend_title(lang, "proposal_completion"))
