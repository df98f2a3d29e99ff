"""资金合规 Fund compliance: scope, overspending, matching funds, per-person standards.

Findings were computed at load time (etl.quality) against etl/mappings/fund_rules.csv and
relief_standards.csv; the rules in force are shown at the bottom of the page.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.messages import pick, register, render
from ui import data
from ui import quality_view as qv
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang, token = page.filters, page.lang, page.token

TEXT = {
    "title": ("资金合规", "Fund compliance"),
    "intro": ("专款专用、支出与到位、配套资金、发放标准的检查，在每次导入数据时计算。",
              "Checks of fund scope, spending against receipts, matching funds and standards, "
              "run each time data are loaded."),
    "pick": ("查看该项支出明细", "Show the relief rows behind one finding"),
    "rules": ("现行规则", "Rules in force"),
    "rules_note": ("规则保存在 etl/mappings/fund_rules.csv 和 relief_standards.csv；修改后重新导入数据即生效。",
                   "Rules live in etl/mappings/fund_rules.csv and relief_standards.csv; "
                   "edit them and load data again to apply."),
    "fund_rules": ("资金使用范围", "Fund scope"),
    "standards": ("发放标准", "Standards per person"),
}
register("compliance_page", TEXT)


rules, names = qv.page_head(page, "compliance", render("compliance_page.title", lang), render("compliance_page.intro", lang))

codes = ["fund_out_of_scope", "disbursed_over_received", "matching_not_arrived",
         "above_standard"]
loaded = {t for t, n in data.coverage(token).rows.items() if n}
tabs = st.tabs([*(names[c] for c in codes), render("compliance_page.rules", lang)])

for tab, code in zip(tabs[:-1], codes, strict=True):
    with tab:
        qv.findings_section(page, code, rules[code])
        if code == "disbursed_over_received" and set(qv.CHECK_TABLES[code]) <= loaded:
            over = data.check_findings(code, f, token)
            if not over.is_empty():
                keys = over.select("county_code", "year", "fund_source").rows()
                chosen = st.selectbox(render("compliance_page.pick", lang), keys, key="overspend_pick",
                                      format_func=lambda k: f"{k[0]} · {k[1]} · {k[2]}")
                behind = data.overspend_rows(*chosen, f.scope, token)
                qv.show_table(behind, lang, token, key="overspend_rows")
                qv.audit_downloads(page, qv.labelled(behind, lang, token), "overspend_rows",
                                   key="dl_overspend_rows")

with tabs[-1]:
    st.caption(render("compliance_page.rules_note", lang))
    _, fund_rules, standards = data.check_rules(token)
    st.markdown(f"**{render('compliance_page.fund_rules', lang)}**")
    st.dataframe(fund_rules.drop(pick(("rule_en", "rule_zh"), lang)), hide_index=True,
                 width="stretch", key="fund_rules_table")
    st.markdown(f"**{render('compliance_page.standards', lang)}**")
    st.dataframe(standards.drop(pick(("basis_en", "basis_zh"), lang))
                 .with_columns(pl.col("max_yuan_per_person").round(0)),
                 hide_index=True, width="stretch", key="standards_table")
