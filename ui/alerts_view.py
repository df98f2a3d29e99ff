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
from core.messages import pick, register, render
from ui import audit_trail as trail
from ui import uploader
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
    "view": ("查看", "view"),
}
BASES = {"yoy": ("同比", "year on year"), "mom": ("环比", "on the previous period")}
KINDS = {"collective": ("集体访", "collective"), "skip_level": ("越级访", "skip-level"),
         "all": ("全部", "all")}
register("alerts_page", TEXT)
register("alerts_basis", BASES)
register("alerts_kind", KINDS)


def scope(page: PageContext) -> str:
    """The user's region: what they see and what their rules may name."""
    return (page.user.region if page.user and page.user.region else COUNTRY)


def intro(page: PageContext) -> None:
    st.caption(render("alerts_page.intro", page.lang))


# ---------------------------------------------------------------- the firings

def firings(page: PageContext) -> None:
    st.subheader(render("alerts_page.firings", page.lang))
    open_only = st.toggle(render("alerts_page.open_only", page.lang), key="alerts_open_only")
    frame = listing.firings(scope(page), open_only=open_only, lang=page.lang)
    if frame.is_empty():
        st.info(render("alerts_page.none", page.lang))
    else:
        base = (st.get_option("server.baseUrlPath") or "").strip("/")
        frame = frame.with_columns(pl.col("link").map_elements(
            lambda link: f"/{base}{link}" if base and link.startswith("/") else link,
            return_dtype=pl.String))
        shown = listing.headed(frame, "firing_headers", page.lang)
        link = render("firing_headers.link", page.lang)
        st.dataframe(shown, hide_index=True, width="stretch", key="alerts_firings",
                     column_config={link: st.column_config.LinkColumn(
                         link, display_text=render("alerts_page.view", page.lang))})
    failed = listing.failures(scope(page), lang=page.lang)
    if failed:
        lines = [f"- {d['at_utc'][:16].replace('T', ' ')} · {d['channel']} · {d['rule']} · "
                 f"{d['region']} · {d['attempt']}× · {d['error'] or ''}" for d in failed[:20]]
        st.warning(render("alerts_page.failed", page.lang, n=len(failed)) + "\n" + "\n".join(lines),
                   icon=":material/error:")


# ---------------------------------------------------------------- the rules (staff)

def may_edit(page: PageContext) -> bool:
    return bool(page.user) and can(page.user.role, "alert_rules")


def rules_list(page: PageContext) -> list[Rule]:
    st.subheader(render("alerts_page.rules", page.lang))
    table = listing.rules_table(scope(page), lang=page.lang)
    if table.is_empty():
        st.info(render("alerts_page.no_rules", page.lang))
        return []
    st.dataframe(listing.headed(table, "rule_headers", page.lang), hide_index=True,
                 width="stretch", key="alerts_rules")
    return rules.all_rules(scope=scope(page))


def toggle(page: PageContext, existing: list[Rule]) -> None:
    if not existing:
        return
    with st.expander(render("alerts_page.toggle", page.lang)):
        by_id = {r.rule_id: r for r in existing}
        picked = st.selectbox(render("alerts_page.pick", page.lang), list(by_id), key="alerts_toggle_rule",
                              format_func=lambda i: f"{by_id[i].name} · {i}")
        rule = by_id[picked]
        label = render("alerts_page.disable" if rule.enabled else "alerts_page.enable", page.lang)
        if st.button(label, key="alerts_toggle_go"):
            _refusable(page, lambda: rules.set_enabled(rule.rule_id, not rule.enabled,
                                                       user=trail.who()[0], scope=scope(page)))
            st.rerun()


def add_form(page: PageContext) -> None:
    configured = _channels()
    with st.expander(render("alerts_page.add", page.lang)):
        if not configured:
            st.caption(render("alerts_page.no_channels", page.lang, path=channels.path()))
        condition = st.selectbox(render("alerts_page.condition", page.lang), CONDITIONS, key="alerts_condition",
                                 format_func=lambda c: render(f"alert_condition.{c}", page.lang))
        with st.form("alerts_add", border=False):
            name = st.text_input(render("alerts_page.name", page.lang), key="alerts_name")
            indicator = st.selectbox(render("alerts_page.indicator", page.lang), ["", *[i.code for i in CATALOGUE]],
                                     format_func=_indicator_label(page), key="alerts_indicator")
            codes, labels = _regions(page)
            region = st.selectbox(render("alerts_page.region", page.lang), codes, format_func=labels.get,
                                  key="alerts_region")
            depth = st.number_input(render("alerts_page.depth", page.lang), 0, 3, 1, key="alerts_depth")
            params = _param_inputs(page, condition)
            recipients = st.multiselect(render("alerts_page.recipients", page.lang), sorted(configured),
                                        key="alerts_recipients",
                                        placeholder=render("alerts_page.pick_channels", page.lang))
            lang = st.radio(render("alerts_page.lang", page.lang), ["zh", "en"], horizontal=True, key="alerts_lang",
                            format_func=lambda x: "中文" if x == "zh" else "English")
            if st.form_submit_button(render("alerts_page.save", page.lang)):
                rule = Rule("", name, indicator, condition, params, region=region,
                            level_depth=int(depth), recipients=tuple(recipients),
                            owner=trail.who()[0], lang=lang)
                saved = _refusable(page, lambda: rules.save(rule, user=trail.who()[0],
                                                            scope=scope(page)))
                if saved:
                    st.success(render("alerts_page.saved", page.lang, id=saved.rule_id))


def _param_inputs(page: PageContext, condition: str) -> dict:
    p = {}
    if condition in ("threshold", "change"):
        p["op"] = st.selectbox(render("alerts_page.op", page.lang), list(rules.OPS), key="alerts_op")
    if condition == "threshold":
        p["value"] = st.number_input(render("alerts_page.value", page.lang), value=0.5, key="alerts_value")
    elif condition == "change":
        p["basis"] = st.selectbox(render("alerts_page.basis", page.lang), list(BASES), key="alerts_basis",
                                  format_func=lambda b: render(f"alerts_basis.{b}", page.lang))
        p["pct"] = st.number_input(render("alerts_page.pct", page.lang), value=-20.0, key="alerts_pct")
    elif condition == "behind_schedule":
        p["pp"] = st.number_input(render("alerts_page.pp", page.lang), 0.0, 100.0, 10.0, key="alerts_pp")
    elif condition == "silent_station":
        p["day"] = int(st.number_input(render("alerts_page.day", page.lang), 1, 28, 10, key="alerts_day"))
    elif condition == "matching_arrears":
        p["by"] = st.text_input(render("alerts_page.by", page.lang), "09-30", key="alerts_by")
    elif condition == "petitions_above":
        p["kind"] = st.selectbox(render("alerts_page.kind", page.lang), list(KINDS), key="alerts_kind",
                                 format_func=lambda k: render(f"alerts_kind.{k}", page.lang))
        p["n"] = int(st.number_input(render("alerts_page.n", page.lang), 0, 10_000, 3, key="alerts_n"))
    return p


def rules_file(page: PageContext) -> None:
    with st.expander(render("alerts_page.file", page.lang)):
        st.download_button(render("alerts_page.template", page.lang), listing.template(_regions(page)[0][0]),
                           "预警规则模板.csv", "text/csv", key="alerts_template",
                           on_click="ignore")
        upload = uploader.file_uploader(render("alerts_page.file", page.lang), key="alerts_file",
                                        lang=page.lang, types=["csv", "toml"])
        if upload is not None and st.button(render("alerts_page.import", page.lang), key="alerts_import"):
            saved = _refusable(page, lambda: rules.import_file(
                upload.name, upload.getvalue(), user=trail.who()[0], scope=scope(page)))
            if saved:
                st.success(render("alerts_page.imported", page.lang, n=len(saved)))


def channel_list(page: PageContext) -> None:
    """The configured channels as the channels file names them: kind, where (a webhook's
    host, a mail server), language and retries; never a key, token, secret or password."""
    with st.expander(render("alerts_page.channels", page.lang, n=len(configured := _channels()))):
        st.caption(render("alerts_page.channels_file", page.lang, path=channels.path()))
        if configured:
            st.dataframe(listing.headed(listing.channels_table(configured, page.lang),
                                        "channel_headers", page.lang),
                         hide_index=True, width="stretch", key="alerts_channels")


def run_now(page: PageContext) -> None:
    if st.button(render("alerts_page.run", page.lang), key="alerts_run"):
        with st.spinner(render("alerts_page.running", page.lang)):
            report = engine.run_rules(user=trail.who()[0], trigger="manual")
        st.info(report.summary(page.lang))


def _refusable(page: PageContext, action):
    """Run a save; its problems listed (each with row and column) when it is refused."""
    try:
        return action()
    except rules.Refused as e:
        st.error(render("alerts_page.refused", page.lang) + "\n" + "\n".join(f"- {p.text(page.lang)}"
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
    col = pick(("name_zh", "name_en"), page.lang)
    rows = [(c, (n if col == "name_en" else None) or z) for c, n, z
            in frame.select("region_code", "name_en", "name_zh").iter_rows()
            if within(c, scope(page)) and c != COUNTRY]
    rows = rows or [(scope(page), scope(page))]
    return [c for c, _ in rows], {c: f"{n} {c}" for c, n in rows}


def _indicator_label(page: PageContext):
    names = {i.code: i.name(page.lang) for i in CATALOGUE}
    return lambda code: names.get(code, "—") if code else "—"
