"""帮扶救助 Relief and coverage: who is covered, by what relief, festival seasons, medical cards,
and interest-free loans."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import t
from analytics.indicators import INDICATORS
from ui import sections
from ui.filters import current

f, lang = current()


def name(code: str) -> str:
    return INDICATORS[code].name(lang)


def by(code: str, dim: str) -> str:
    return t("by_dim", lang, name=name(code), dim=t(f"dim_{dim}", lang))


st.title(t("page_relief", lang))
sections.kpi_cards(["registered", "relieved", "coverage", "relief_amount", "amount_per_person"])

st.subheader(t("coverage_section", lang))
left, right = st.columns(2)
with left:
    sections.region_chart("coverage", key="rl_cov_region")
with right:
    sections.breakdown_chart(["coverage"], "category", key="rl_cov_cat",
                             title=by("coverage", "category"))
sections.trend_chart(["coverage"], key="rl_cov_trend", title=t("trend_of", lang,
                                                              name=name("coverage")))

st.subheader(t("relief_section", lang))
left, right = st.columns(2)
with left:
    sections.breakdown_chart(["relief_amount"], "relief_type", key="rl_type",
                             title=by("relief_amount", "relief_type"))
with right:
    sections.breakdown_chart(["relieved"], "recipient_group", key="rl_group",
                             title=by("relieved", "recipient_group"))
sections.trend_chart(["amount_per_person"], key="rl_per_person",
                     title=t("trend_of", lang, name=name("amount_per_person")))

st.subheader(t("festival_section", lang))
st.caption(t("festival_note", lang))
sections.kpi_cards(["festival_persons", "festival_amount"], per_row=2)
left, right = st.columns(2)
with left:
    sections.trend_chart(["festival_persons"], key="rl_fest_p",
                         title=t("trend_of", lang, name=name("festival_persons")))
with right:
    sections.trend_chart(["festival_amount"], key="rl_fest_y",
                         title=t("trend_of", lang, name=name("festival_amount")))

st.subheader(t("medical_section", lang))
left, right = st.columns(2)
with left:
    sections.trend_chart(["card_holders"], key="rl_cards",
                         title=t("trend_of", lang, name=name("card_holders")))
with right:
    sections.breakdown_chart(["medical_discounts"], "benefit_kind", key="rl_benefits",
                             title=by("medical_discounts", "benefit_kind"))

st.subheader(t("loans_section", lang))
sections.kpi_cards(["loans", "loan_amount", "jobs_per_loan", "loan_repayment"], per_row=4)
left, right = st.columns(2)
with left:
    sections.trend_chart(["loans"], key="rl_loans", title=t("trend_of", lang, name=name("loans")))
with right:
    sections.trend_chart(["loan_repayment"], key="rl_repay",
                         title=t("trend_of", lang, name=name("loan_repayment")))
