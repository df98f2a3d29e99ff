"""The 预警 page's blocks: the firings (open and cleared, with what each channel made of them
and a link to the view that shows the finding), failed deliveries, and for staff the rules
editor (a form, enable/disable, a rules file, a template) and a run now.

The page's data come from alerts.listing; the rules are saved through alerts.rules, whose
checks (and the user's region) decide. Everything in Chinese and English.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from alerts import channels, engine, listing, rules
from alerts.model import CONDITIONS, Rule
from analytics import reference
from analytics.access import within
from analytics.filters import COUNTRY
from analytics.indicators import CATALOGUE
from ui import audit_trail as trail
from ui.auth.policy import can
from ui.page_context import PageContext

TEXT = {
    "intro": ("规则在每次导入或撤销导入数据后，以及按计划自动检查；同一规则、地区和期间只预警一次，"
              "条件不再成立时自动解除。每次发送（成功、失败、重试）都记入审计日志。",
              "Rules are checked after every load or withdrawal and on a schedule; a rule, "
              "region and period alerts once, and clears when the condition no longer holds. "
              "Every delivery (sent, failed, retried) is in the audit log."),
    "firings": ("预警记录", "Alerts raised"), "open_only": ("只看未解除", "Open only"),
    "none": ("没有预警记录。", "No alerts."),
    "failed": ("发送失败 {n} 次（已按间隔重试）：", "Messages not delivered, after retries with "
               "backoff: {n}"),
    "rules": ("预警规则", "Alert rules"), "no_rules": ("尚无规则。", "No rules yet."),
    "add": ("新增规则", "Add a rule"), "name": ("规则名称", "Name"),
    "condition": ("条件", "Condition"), "indicator": ("指标", "Indicator"),
    "region": ("地区（逐个检查其下级）", "Region (each unit below it checked)"),
    "depth": ("下级层数（0 为地区本身）", "Levels below (0: the region itself)"),
    "recipients": ("接收渠道", "Recipients"), "pick_channels": ("选择渠道", "Choose channels"), "lang": ("消息语言", "Message language"),
    "save": ("保存规则", "Save the rule"), "saved": ("已保存规则 {id}。", "Rule {id} saved."),
    "no_channels": ("渠道文件（{path}）中尚无渠道：规则可以保存，但需先配置渠道才能发送。",
                    "The channels file ({path}) names no channel: configure one to deliver."),
    "toggle": ("启用 / 停用", "Enable / disable"), "pick": ("规则", "Rule"),
    "enable": ("启用", "Enable"), "disable": ("停用", "Disable"),
    "file": ("规则文件（CSV 或 TOML，批量导入）", "Rules file (CSV or TOML, many at once)"),
    "import": ("导入规则文件", "Import the rules file"),
    "imported": ("已导入 {n} 条规则。", "{n} rules imported."),
    "refused": ("未保存，请修改后重试：", "Not saved; fix these and try again:"),
    "template": ("下载规则文件模板", "Download a rules-file template"),
    "channels": ("发送渠道（{n}个）", "Channels ({n})"),
    "channels_file": ("渠道在渠道文件中配置（密钥不在页面显示）：{path}",
                      "Channels are set in the channels file (secrets are never shown): {path}"),
    "run": ("立即检查全部规则", "Check every rule now"),
    "running": ("正在检查规则并发送…", "Checking rules and delivering…"),
    "op": ("比较", "Comparison"), "value": ("阈值（比率写作小数，如 0.5）", "Value (ratios as 0.5)"),
    "basis": ("基准", "Basis"), "pct": ("变化幅度（%，下降写负数）", "Change (%, a fall negative)"),
    "pp": ("落后序时进度的百分点", "Points behind schedule"),
    "day": ("每月第几日前未报送", "Silent by day of the month"),
    "by": ("截止日期（月-日）", "Due by (MM-DD)"), "kind": ("信访类别", "Petition kind"),
    "n": ("件数超过", "More than"),
}
BASES = {"yoy": ("同比", "year on year"), "mom": ("环比", "on the previous period")}
KINDS = {"collective": ("集体访", "collective"), "skip_level": ("越级访", "skip-level"),
         "all": ("全部", "all")}


def tr(page: PageContext, key: str, **kw) -> str:
    return TEXT[key][page.i].format(**kw)


def scope(page: PageContext) -> str:
    """The user's region: what they see and what their rules may name."""
    return (page.user.region if page.user and page.user.region else COUNTRY)


def intro(page: PageContext) -> None:
    st.caption(tr(page, "intro"))


# ---------------------------------------------------------------- the firings

def firings(page: PageContext) -> None:
    st.subheader(tr(page, "firings"))
    open_only = st.toggle(tr(page, "open_only"), key="alerts_open_only")
    frame = listing.firings(scope(page), open_only=open_only, lang=page.lang)
    if frame.is_empty():
        st.info(tr(page, "none"))
    else:
        base = (st.get_option("server.baseUrlPath") or "").strip("/")
        frame = frame.with_columns(pl.col("link").map_elements(
            lambda link: f"/{base}{link}" if base and link.startswith("/") else link,
            return_dtype=pl.String))
        shown = listing.headed(frame, listing.FIRING_HEADERS, page.lang)
        link = listing.FIRING_HEADERS["link"][page.i]
        st.dataframe(shown, hide_index=True, width="stretch", key="alerts_firings",
                     column_config={link: st.column_config.LinkColumn(
                         link, display_text=TEXT_VIEW[page.i])})
    failed = listing.failures(scope(page))
    if failed:
        lines = [f"- {d['at_utc'][:16].replace('T', ' ')} · {d['channel']} · {d['rule']} · "
                 f"{d['region']} · {d['attempt']}× · {d['error'] or ''}" for d in failed[:20]]
        st.warning(tr(page, "failed", n=len(failed)) + "\n" + "\n".join(lines),
                   icon=":material/error:")


TEXT_VIEW = ("查看", "view")


# ---------------------------------------------------------------- the rules (staff)

def may_edit(page: PageContext) -> bool:
    return bool(page.user) and can(page.user.role, "alert_rules")


def rules_list(page: PageContext) -> list[Rule]:
    st.subheader(tr(page, "rules"))
    table = listing.rules_table(scope(page), lang=page.lang)
    if table.is_empty():
        st.info(tr(page, "no_rules"))
        return []
    st.dataframe(listing.headed(table, listing.RULE_HEADERS, page.lang), hide_index=True,
                 width="stretch", key="alerts_rules")
    return rules.all_rules(scope=scope(page))


def toggle(page: PageContext, existing: list[Rule]) -> None:
    if not existing:
        return
    with st.expander(tr(page, "toggle")):
        by_id = {r.rule_id: r for r in existing}
        picked = st.selectbox(tr(page, "pick"), list(by_id), key="alerts_toggle_rule",
                              format_func=lambda i: f"{by_id[i].name} · {i}")
        rule = by_id[picked]
        label = tr(page, "disable" if rule.enabled else "enable")
        if st.button(label, key="alerts_toggle_go"):
            _refusable(page, lambda: rules.set_enabled(rule.rule_id, not rule.enabled,
                                                       user=trail.who()[0], scope=scope(page)))
            st.rerun()


def add_form(page: PageContext) -> None:
    configured = _channels()
    with st.expander(tr(page, "add")):
        if not configured:
            st.caption(tr(page, "no_channels", path=channels.path()))
        condition = st.selectbox(tr(page, "condition"), CONDITIONS, key="alerts_condition",
                                 format_func=lambda c: rules.CONDITION_NAMES[c][page.i])
        with st.form("alerts_add", border=False):
            name = st.text_input(tr(page, "name"), key="alerts_name")
            indicator = st.selectbox(tr(page, "indicator"), ["", *[i.code for i in CATALOGUE]],
                                     format_func=_indicator_label(page), key="alerts_indicator")
            codes, labels = _regions(page)
            region = st.selectbox(tr(page, "region"), codes, format_func=labels.get,
                                  key="alerts_region")
            depth = st.number_input(tr(page, "depth"), 0, 3, 1, key="alerts_depth")
            params = _param_inputs(page, condition)
            recipients = st.multiselect(tr(page, "recipients"), sorted(configured),
                                        key="alerts_recipients",
                                        placeholder=tr(page, "pick_channels"))
            lang = st.radio(tr(page, "lang"), ["zh", "en"], horizontal=True, key="alerts_lang",
                            format_func=lambda x: "中文" if x == "zh" else "English")
            if st.form_submit_button(tr(page, "save")):
                rule = Rule("", name, indicator, condition, params, region=region,
                            level_depth=int(depth), recipients=tuple(recipients),
                            owner=trail.who()[0], lang=lang)
                saved = _refusable(page, lambda: rules.save(rule, user=trail.who()[0],
                                                            scope=scope(page)))
                if saved:
                    st.success(tr(page, "saved", id=saved.rule_id))


def _param_inputs(page: PageContext, condition: str) -> dict:
    i, p = page.i, {}
    if condition in ("threshold", "change"):
        p["op"] = st.selectbox(tr(page, "op"), list(rules.OPS), key="alerts_op")
    if condition == "threshold":
        p["value"] = st.number_input(tr(page, "value"), value=0.5, key="alerts_value")
    elif condition == "change":
        p["basis"] = st.selectbox(tr(page, "basis"), list(BASES), key="alerts_basis",
                                  format_func=lambda b: BASES[b][i])
        p["pct"] = st.number_input(tr(page, "pct"), value=-20.0, key="alerts_pct")
    elif condition == "behind_schedule":
        p["pp"] = st.number_input(tr(page, "pp"), 0.0, 100.0, 10.0, key="alerts_pp")
    elif condition == "silent_station":
        p["day"] = int(st.number_input(tr(page, "day"), 1, 28, 10, key="alerts_day"))
    elif condition == "matching_arrears":
        p["by"] = st.text_input(tr(page, "by"), "09-30", key="alerts_by")
    elif condition == "petitions_above":
        p["kind"] = st.selectbox(tr(page, "kind"), list(KINDS), key="alerts_kind",
                                 format_func=lambda k: KINDS[k][i])
        p["n"] = int(st.number_input(tr(page, "n"), 0, 10_000, 3, key="alerts_n"))
    return p


def rules_file(page: PageContext) -> None:
    with st.expander(tr(page, "file")):
        st.download_button(tr(page, "template"), listing.template(_regions(page)[0][0]),
                           "预警规则模板.csv", "text/csv", key="alerts_template",
                           on_click="ignore")
        upload = st.file_uploader(tr(page, "file"), type=["csv", "toml"], key="alerts_file")
        if upload is not None and st.button(tr(page, "import"), key="alerts_import"):
            saved = _refusable(page, lambda: rules.import_file(
                upload.name, upload.getvalue(), user=trail.who()[0], scope=scope(page)))
            if saved:
                st.success(tr(page, "imported", n=len(saved)))


def channel_list(page: PageContext) -> None:
    """The configured channels as the channels file names them: kind, where (a webhook's
    host, a mail server), language and retries; never a key, token, secret or password."""
    with st.expander(tr(page, "channels", n=len(configured := _channels()))):
        st.caption(tr(page, "channels_file", path=channels.path()))
        if configured:
            st.dataframe(listing.headed(listing.channels_table(configured, page.lang),
                                        listing.CHANNEL_HEADERS, page.lang),
                         hide_index=True, width="stretch", key="alerts_channels")


def run_now(page: PageContext) -> None:
    if st.button(tr(page, "run"), key="alerts_run"):
        with st.spinner(tr(page, "running")):
            report = engine.run_rules(user=trail.who()[0], trigger="manual")
        st.info(report.summary(page.lang))


def _refusable(page: PageContext, action):
    """Run a save; its problems listed (each with row and column) when it is refused."""
    try:
        return action()
    except rules.Refused as e:
        st.error(tr(page, "refused") + "\n" + "\n".join(f"- {p.text(page.lang)}"
                                                        for p in e.problems))
    except channels.ConfigError as e:
        st.error(str(e))
    return None


def _channels() -> dict[str, channels.Channel]:
    try:
        return channels.load()
    except channels.ConfigError as e:
        st.error(str(e))
        return {}


def _regions(page: PageContext) -> tuple[list[str], dict[str, str]]:
    """The regions a rule may name (the user's subtree), with their names."""
    frame = reference.regions()
    col = "name_en" if page.lang == "en" else "name_zh"
    rows = [(c, (n if col == "name_en" else None) or z) for c, n, z
            in frame.select("region_code", "name_en", "name_zh").iter_rows()
            if within(c, scope(page)) and c != COUNTRY]
    rows = rows or [(scope(page), scope(page))]
    return [c for c, _ in rows], {c: f"{n} {c}" for c, n in rows}


def _indicator_label(page: PageContext):
    names = {i.code: i.name(page.lang) for i in CATALOGUE}
    return lambda code: names.get(code, "—") if code else "—"
