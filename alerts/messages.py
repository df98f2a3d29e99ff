"""The alerts' messages, the "alert" domain of core/messages.py: one short line per condition, Chinese first, English a
switch away, with the figure, the region, the period, the rule's name and the link.

Names typed in files or forms (stations, rules) go out with their markup characters in
full-width forms (core/literal.chat): the robots render Markdown, and escape none.
`render(finding, lang)` formats a Finding's params (raw numbers, codes, ISO dates) with
analytics.fmt: money in 万元, rates to one decimal, periods as 2012年5月. The fund's and the
indicator's words are the deployment's (labels table, catalogue), never fixed here.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from alerts.model import Finding
from analytics import fmt
from analytics.indicators import INDICATORS
from core import literal
from core import messages as catalogue
from core.messages import Pair, pick, register

# message_key → (zh, en). Fields: rule, region, period, indicator, value, reference, link,
# and each condition's own. English puts a figure after its words, no verb: "Persons relieved
# is 4", "Relief payments is 18" and "1 collective petitions" read wrong.
MESSAGES: dict[str, tuple[str, str]] = {
    "threshold": (
        "【{rule}】{region}{period}{indicator}为{value}，{op}{reference}。查看：{link}",
        "[{rule}] {region}, {period}: {indicator} {value}, {op} {reference}. View: {link}"),
    "change": (
        "【{rule}】{region}{period}{indicator}为{value}，{basis}{change}"
        "（{base_period}为{reference}）。查看：{link}",
        "[{rule}] {region}, {period}: {indicator} {value}, {change} {basis} "
        "(was {reference}). View: {link}"),
    "behind_schedule": (
        "【{rule}】{region}{period}{indicator}完成{value}，目标{reference}，完成率{completion}，"
        "落后序时进度{behind}个百分点。查看：{link}",
        "[{rule}] {region}, {period}: {indicator} {value} of a target of {reference} "
        "({completion}), {behind} points behind schedule. View: {link}"),
    "silent_station": (
        "【{rule}】{region}有{count}个帮扶站点{period}既无报送数据也无零报告"
        "（截至{deadline}）：{stations}。查看：{link}",
        "[{rule}] {region}: {count} help station(s) sent neither data nor a zero report "
        "for {period} by {deadline}: {stations}. View: {link}"),
    "matching_arrears": (
        "【{rule}】{region}{period}{fund}资金应到位{allocated}，实际到位{received}，"
        "尚有{gap}未到位（截至{deadline}）。查看：{link}",
        "[{rule}] {region}, {period}: {fund} due {allocated}, received {received}, "
        "{gap} not arrived by {deadline}. View: {link}"),
    "petitions_above": (
        "【{rule}】{region}{period}受理{kind}{value}件，超过{reference}件。查看：{link}",
        "[{rule}] {region}, {period}: {kind} received: {value}, above {reference}. "
        "View: {link}"),  # "1 collective petitions" read wrong: the count after the words
}
_OPS = {">": ("高于", "above"), ">=": ("不低于", "at or above"), "<": ("低于", "below"),
        "<=": ("不高于", "at or below")}
_BASIS = {"yoy": ("同比", "year on year"), "mom": ("环比", "on the period before")}
_BASE_PERIOD = {"yoy": "上年同期", "mom": "上期"}
_KINDS = {"collective": ("群体性诉求", "collective petitions"),
          "skip_level": ("越级信访", "skip-level petitions"),
          "all": ("职工诉求", "petitions")}
register("alert", MESSAGES)
register("alert_op", _OPS)
register("alert_basis", _BASIS)
register("alert_kind", _KINDS)
register("alert_change", {"up": ("增长{pct}%", "{pct}%"), "down": ("下降{pct}%", "{pct}%")})


def _day(iso: str, lang: str) -> str:
    d = date.fromisoformat(iso)
    return pick((f"{d.year}年{d.month}月{d.day}日", f"{d:%d %b %Y}"), lang)


def _name(pair: list[str] | None, lang: str, fallback: str) -> str:
    """A name carried in both languages (Chinese, English), in the message's."""
    if not pair:
        return fallback
    return pick(pair, lang) or pair[0] or fallback


def localized(link: str, lang: str) -> str:
    """A dashboard link that opens in `lang`: the filter bar reads `lang=en` from the URL
    (ui/filters.py), and a recipient's click starts a new session, which would otherwise
    open in Chinese. Chinese is the default, so its links stay as they were."""
    if lang == "zh" or not link or "lang=" in link:
        return link
    return f"{link}{'&' if '?' in link else '?'}{urlencode({'lang': lang})}"


def fields(finding: Finding, lang: str = "zh", base_url: str = "") -> dict[str, str]:
    """The message's fields, formatted."""
    p = finding.params
    unit = p.get("unit", "count")
    ind = INDICATORS.get(finding.indicator)
    start = date.fromisoformat(p["period_start"]) if p.get("period_start") else None
    out = {"rule": literal.chat(p.get("rule", finding.rule_id)),
           "region": literal.chat(_name(p.get("region_names"), lang, finding.region_name)),
           "period": fmt.period(start, p.get("granularity", "month"), lang) if start
           else finding.period,
           "indicator": ind.name(lang) if ind else "",
           "value": fmt.number(finding.value, unit, lang),
           "reference": fmt.number(finding.reference, unit, lang),
           "link": base_url.rstrip("/") + localized(finding.link, lang)}
    cond = finding.message_key
    if cond in ("threshold", "change"):
        out["op"] = catalogue.render(f"alert_op.{p['op']}", lang)
    if cond == "change":
        out["basis"] = catalogue.render(f"alert_basis.{p['basis']}", lang)
        change = p["change"]
        out["change"] = catalogue.render(  # Chinese says 增长/下降 with the size, English signs it
            f"alert_change.{'up' if change >= 0 else 'down'}", lang,
            pct=Pair(f"{abs(change):.1f}", f"{change:+.1f}"))
        out["base_period"] = _BASE_PERIOD[p["basis"]]
    elif cond == "behind_schedule":
        out["completion"] = fmt.number(p["completion"], "ratio", lang)
        out["behind"] = f"{p['behind_pp']:.1f}"
    elif cond == "silent_station":
        out["count"] = f"{len(p['stations'])}"
        out["stations"] = pick(("、", ", "), lang).join(
            literal.chat(_name(n, lang, c))
            for c, n in zip(p["stations"], p["station_names"], strict=True))
        out["deadline"] = _day(p["deadline"], lang)
    elif cond == "matching_arrears":
        fund = p.get("fund") or ["地方财政配套", "local matching fund"]
        out |= {"fund": pick((fund[0], f"{fund[1]}s"), lang),
                "deadline": _day(p["deadline"], lang),
                **{k: fmt.yuan(p[k], lang) for k in ("allocated", "received", "gap")}}
    elif cond == "petitions_above":
        out["kind"] = catalogue.render(f"alert_kind.{p['kind']}", lang)
        out["value"] = f"{finding.value:,.0f}"
        out["reference"] = f"{finding.reference:,.0f}"
    return out


def render(finding: Finding, lang: str = "zh", base_url: str = "") -> str:
    """The finding as one short message; `base_url` (the dashboard's address) makes the link
    absolute."""
    return catalogue.render(f"alert.{finding.message_key}", lang,
                            **fields(finding, lang, base_url))
