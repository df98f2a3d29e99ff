"""What the 预警 page lists: firings (open and cleared) with their deliveries, and the rules,
as tables in either language, limited to a user's region. No Streamlit here: the page draws
these (pages/alerts.py through ui/alerts_view.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl

from alerts import deliver, rules, state
from alerts import messages as words  # also registers alert_op, alert_basis, alert_kind
from alerts.model import Rule
from analytics import fmt, reference
from analytics.access import within
from analytics.filters import COUNTRY
from analytics.indicators import INDICATORS
from core.messages import has, pick, register, render

MARK = {"sent": "✓", "failed": "✗"}
STATUS = {"open": ("未解除", "open"), "cleared": ("已解除", "cleared")}
REASONS = {"condition_gone": ("条件不再成立", "condition no longer holds"),
           "rule_disabled": ("规则已停用", "rule disabled")}
FIRING_HEADERS = {"status": ("状态", "status"), "rule": ("规则", "rule"),
                  "region": ("地区", "region"), "period": ("期间", "period"),
                  "value": ("数值", "value"), "reference": ("参照", "reference"),
                  "link": ("查看", "view"), "deliveries": ("发送", "deliveries"),
                  "fired_at": ("触发时间", "fired"), "cleared_at": ("解除时间", "cleared"),
                  "message": ("消息", "message as sent")}
RULE_HEADERS = {"rule_id": ("编号", "id"), "name": ("名称", "name"),
                "condition": ("条件", "condition"), "indicator": ("指标", "indicator"),
                "params": ("参数", "settings"), "region": ("地区", "region"),
                "depth": ("层级", "depth"), "recipients": ("接收渠道", "recipients"),
                "enabled": ("启用", "enabled"), "owner": ("创建人", "owner")}
register("alert_status", STATUS)
register("alert_reason", REASONS)
register("firing_headers", FIRING_HEADERS)
register("rule_headers", RULE_HEADERS)


def firings(scope: str = COUNTRY, *, open_only: bool = False, lang: str = "zh",
            state_file: Path | None = None) -> pl.DataFrame:
    """One row per firing in `scope`, newest first: status, rule, region, period, figures,
    times, what each channel made of it ("办公室群 ✓ · 停机群 ✗ 3次") and the link."""
    rows = [r for r in state.firings(open_only=open_only, state=state_file)
            if scope == COUNTRY or within(r["region"], scope)]
    sent = _delivery_text([r["id"] for r in rows], lang, state_file)
    names = _names(lang)
    out = [{
        "status": render("alert_status.open" if r["cleared_at"] is None
                         else "alert_status.cleared", lang)
        + ("" if r["cleared_at"] is None else f"（{_or_code('alert_reason', r['clear_reason'], lang)}）"),
        "rule": r["rule_name"] or r["rule_id"],
        "region": names.get(r["region"]) or r["region_name"] or r["region"],
        "period": r["period"], **_figures(r, lang),
        "link": words.localized(r["link"], lang), "deliveries": sent.get(r["id"], ""),
        "fired_at": _local(r["fired_at"]), "cleared_at": _local(r["cleared_at"]),
        "message": r["text"],
    } for r in rows]
    return pl.DataFrame(out, schema=dict.fromkeys(FIRING_HEADERS, pl.String), orient="row")


def _figures(row: dict, lang: str) -> dict[str, str]:
    """The firing's figure and what it was compared with, formatted as its message formats
    them (万元, % with one decimal, persons): the raw 0.6271 or 58000 is no reading for a page."""
    unit = json.loads(row["params"] or "{}").get("unit", "count")
    return {k: "" if row[k] is None else fmt.number(row[k], unit, lang)
            for k in ("value", "reference")}


def _names(lang: str) -> dict[str, str]:
    """Region names in the page's language (a firing keeps its rule's); {} without a
    warehouse to ask."""
    try:
        frame = reference.regions()
    except Exception:  # noqa: BLE001 - no warehouse yet: the recorded names serve
        return {}
    col = pick(("name_zh", "name_en"), lang)
    return {c: n or z for c, n, z in frame.select("region_code", col, "name_zh").iter_rows()} \
        if col != "name_zh" else dict(frame.select("region_code", "name_zh").iter_rows())


def failures(scope: str = COUNTRY, *, lang: str = "zh",
             state_file: Path | None = None) -> list[dict]:
    """Messages that finally failed (newest first), of firings in `scope`: channel, time,
    attempts and the reason (scrubbed of secrets), with the rule and the regions it carried,
    named in `lang` (the firing recorded its rule's language's name, the fallback)."""
    shown = {r["id"]: r for r in state.firings(state=state_file)
             if scope == COUNTRY or within(r["region"], scope)}
    names = _names(lang)
    out: dict[int, dict] = {}
    for d in deliver.deliveries(firing_ids=list(shown), state=state_file):
        if d["outcome"] == "failed":
            firing = shown[d["firing_id"]]
            entry = out.setdefault(d["id"], d | {"rule": firing["rule_name"], "regions": []})
            entry["regions"].append(names.get(firing["region"]) or firing["region_name"]
                                    or firing["region"])
    return [d | {"region": _few(d.pop("regions"), lang)} for d in out.values()]


def _few(names: list[str], lang: str) -> str:
    sep = pick(("、", ", "), lang)
    return sep.join(names) if len(names) <= 3 else f"{sep.join(names[:3])} +{len(names) - 3}"


def _delivery_text(firing_ids: list[int], lang: str, state_file: Path | None) -> dict[int, str]:
    """Per firing, each channel's last outcome and its number of attempts."""
    last: dict[int, dict[str, dict]] = defaultdict(dict)
    for d in reversed(deliver.deliveries(firing_ids=firing_ids, state=state_file)):
        last[d["firing_id"]][d["channel"]] = d  # oldest first: the last attempt stays
    times = pick(("次", "×"), lang)
    return {fid: " · ".join(
        f"{ch} {MARK.get(d['outcome'], '…')}" + (f" {d['attempt']}{times}" if d["attempt"] > 1
                                                 else "")
        for ch, d in chans.items()) for fid, chans in last.items()}


def _local(text: str | None) -> str:
    if not text:
        return ""
    from datetime import datetime
    return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M")


def rules_table(scope: str = COUNTRY, *, lang: str = "zh",
                state_file: Path | None = None) -> pl.DataFrame:
    out = [{"rule_id": r.rule_id, "name": r.name,
            "condition": _or_code("alert_condition", r.condition, lang),
            "indicator": _indicator(r.indicator, lang), "params": describe_params(r, lang),
            "region": r.region, "depth": str(r.level_depth),
            "recipients": "; ".join(r.recipients), "enabled": "✓" if r.enabled else "—",
            "owner": r.owner}
           for r in rules.all_rules(scope=scope, path=state_file)]
    return pl.DataFrame(out, schema={k: pl.String for k in RULE_HEADERS}, orient="row")


CHANNEL_HEADERS = {"name": ("渠道", "channel"), "kind": ("类型", "kind"),
                   "where": ("发往", "to"), "lang": ("语言", "language"),
                   "retries": ("重试次数", "retries")}
register("channel_headers", CHANNEL_HEADERS)


def channels_table(configured: dict, lang: str = "zh") -> pl.DataFrame:
    """One row per channel, without its secrets (Channel.describe)."""
    rows = [{"name": c.name, "kind": render(f"channel_kind.{c.kind}", lang), "where": c.describe(),
             "lang": c.lang or pick(("随规则", "the rule's"), lang), "retries": str(c.retries)}
            for c in configured.values()]
    return pl.DataFrame(rows, schema={k: pl.String for k in CHANNEL_HEADERS}, orient="row")


SETTINGS = {
    "threshold": ("{op}{value}", "{op} {value}"),
    "change": ("{basis}{op}{pct}%", "{basis} {op} {pct}%"),
    "behind_schedule": ("落后序时进度{pp}个百分点及以上", "{pp} points or more behind schedule"),
    "silent_station": ("每月{day}日前未报送", "not reported by day {day} of the month"),
    "matching_arrears": ("截至每年{by}未到位", "not arrived by {by} each year"),
    "petitions_above": ("{kind}超过{n}件", "{kind} above {n}"),
    "period": ("（期间{period}）", " (period {period})"),
}
register("alert_settings", SETTINGS)


def describe_params(rule: Rule, lang: str = "zh") -> str:
    """A rule's settings in words ("低于75.0%", "同比低于-20%"), as the form set them; the
    raw key=value pairs only for a condition the catalogue does not know."""
    p = rule.params
    if not has(f"alert_settings.{rule.condition}"):
        return ", ".join(f"{k}={v}" for k, v in p.items())
    ind = INDICATORS.get(rule.indicator)
    words = {k: v for k, v in p.items() if k != "period"}
    if "op" in p:
        words["op"] = render(f"alert_op.{p['op']}", lang)
    if "basis" in p:
        words["basis"] = render(f"alert_basis.{p['basis']}", lang)
    if "kind" in p:
        words["kind"] = render(f"alert_kind.{p['kind']}", lang)
    if rule.condition == "threshold" and ind is not None:
        words["value"] = fmt.number(p.get("value"), ind.unit, lang)
    try:
        text = render(f"alert_settings.{rule.condition}", lang, **words)
    except (KeyError, IndexError):  # a rule saved without a setting its condition names
        return ", ".join(f"{k}={v}" for k, v in p.items())
    return text + (render("alert_settings.period", lang, period=p["period"])
                   if p.get("period") else "")


def _indicator(code: str, lang: str) -> str:
    """The indicator's name in the language; the code where the catalogue has none."""
    ind = INDICATORS.get(code)
    return ind.name(lang) if ind else code


def headed(frame: pl.DataFrame, domain: str, lang: str) -> pl.DataFrame:
    """The frame with its headers in the language, from the catalogue's `domain`
    ("firing_headers", "rule_headers", "channel_headers")."""
    return frame.rename({k: render(f"{domain}.{k}", lang) for k in frame.columns
                         if has(f"{domain}.{k}")})


def _or_code(domain: str, code: str, lang: str) -> str:
    """A code's word in the language; the code itself where the catalogue has none."""
    return render(f"{domain}.{code}", lang) if has(f"{domain}.{code}") else code


TEMPLATE_CSV = ("名称,指标,条件,地区,层级,接收渠道,语言,启用,比较,阈值,基准,幅度,百分点,日,截止日期,类别,件数\n"
                "救助覆盖率偏低,coverage,阈值,{region},1,办公室群,zh,是,<,0.5,,,,,,,\n"
                "集体访增多,,信访超过,{region},1,办公室群,zh,是,,,,,,,,集体访,3\n"
                "配套资金未到位,,配套资金未到位,{region},1,办公室群,zh,是,,,,,,,09-30,,\n")


def template(region: str) -> bytes:
    """A rules file to fill in: the headers and three example rows (UTF-8 with a BOM, so
    Excel opens the Chinese)."""
    return ("\ufeff" + TEMPLATE_CSV.format(region=region)).encode("utf-8")
