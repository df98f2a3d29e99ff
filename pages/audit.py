"""审计日志 Audit log: who loaded, withdrew, exported, briefed and logged in, and when.

Admins only. The log is append-only and kept outside the warehouse (core/audit.py); this page
reads it through analytics.audit, and its own export is recorded like any other.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from analytics import audit
from analytics.export import Provenance
from core.messages import register, render
from ui.downloads import download_buttons
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
lang = page.lang
SHOWN = 2000  # rows in the table; the export holds every event the filters select

TEXT = {
    "intro": ("登录、导入、撤销导入、导出和汇报材料的记录，只增不改，保存在数据仓库之外：{path}",
              "Log-ins, loads, withdrawals, exports and briefings, append-only, kept outside "
              "the warehouse: {path}"),
    "period": ("时间范围", "Period"), "actions": ("操作", "Actions"), "user": ("用户", "User"),
    "all": ("全部", "All"), "count": ("共 {n} 条记录", "{n} events"),
    "none": ("所选范围内没有记录。", "No events for these choices."),
    "more": ("表中显示最近 {shown} 条；导出包含全部 {n} 条。",
             "The table shows the latest {shown}; the export holds all {n}."),
    "head": ("每条记录带有前一条的哈希；记下末条的编号和哈希，日后可用 python -m core.audit verify "
             "--head 编号:哈希 核对日志未被整体替换。",
             "Each event carries the hash of the one before; note the head's number and hash "
             "to check later (python -m core.audit verify --head ID:HASH) that the log was "
             "not replaced."),
}
register("audit_page", TEXT)


st.title(render("app.page_audit", lang))
st.caption(render("audit_page.intro", lang, path=audit.log_path()))
whole, verdict = audit.integrity(lang)
if whole is None:
    st.warning(verdict[0], icon=":material/help:")
elif whole:
    st.success(f"{verdict[0]}  \n{verdict[-1]}", icon=":material/verified:")
    st.caption(render("audit_page.head", lang))
else:
    st.error("\n".join([verdict[0], "", *(f"- {line}" for line in verdict[1:])]),
             icon=":material/gpp_bad:")
today = date.today()
left, mid, right = st.columns([2, 2, 1])
period = left.date_input(render("audit_page.period", lang), (today - timedelta(days=30), today), max_value=today,
                         key="audit_period")
since, until = (*period, *period)[:2] if isinstance(period, tuple) else (period, period)
actions = mid.multiselect(render("audit_page.actions", lang), list(audit.ACTION_LABELS), key="audit_actions",
                          format_func=lambda a: render(f"audit_action.{a}", lang),
                          placeholder=render("audit_page.all", lang))
user = right.selectbox(render("audit_page.user", lang), audit.users(), index=None, placeholder=render("audit_page.all", lang),
                       key="audit_user")

events = audit.events(since, until, actions, user)
st.caption(render("audit_page.count", lang, n=events.height))
if events.is_empty():
    st.info(render("audit_page.none", lang), icon=":material/info:")
    st.stop()
st.dataframe(audit.labelled(events.drop("at_utc").head(SHOWN), lang), hide_index=True,
             width="stretch", key="audit_table")
if events.height > SHOWN:
    st.caption(render("audit_page.more", lang, shown=SHOWN, n=events.height))
query = {"from": f"{since}", "to": f"{until}", "actions": ",".join(actions), "user": user or ""}
query = {k: v for k, v in query.items() if v}
download_buttons(None, events, Provenance(title=render("app.page_audit", lang), filters=query,
                                          data_version=audit.log_path().name, lang=lang),
                 key="audit_export", query=query)
