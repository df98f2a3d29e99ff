"""存在的问题: the problems a briefing names, drafted from facts only — the same facts the
alerts read (analytics.findings: matching funds not arrived), the attention list
(analytics.queries_attention), compliance and data quality (analytics.quality) — in the
documents' style, e.g. "地方财政配套资金应到位30万元，实际到位20万元，尚有10万元未到位".

Figures are worded by analytics.briefing.wording, as the rest of the briefing words them (its
text and its tables): a sum the funds paragraph writes 6万元 must not read 6.0万元 here.

No problem found, no sentences: the document then has neither this part nor 下一步工作.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from analytics import access, findings, fmt, quality, reference
from analytics.briefing.wording import percent, yuan_en, yuan_zh
from analytics.coverage import coverage
from analytics.filters import Filters
from analytics.queries_attention import attention
from analytics.scan import Unavailable
from core.messages import LANGS, Message, Pair, pick, register, render

MOST = 5  # units named one by one in a sentence; the rest are counted
# Checks whose findings another sentence already states (the matching funds, by county).
STATED = {"matching_not_arrived"}
_MONTH_CHECKS = {"missing_report", "late_report"}  # counted in months, not rows


@dataclass
class Problems:
    """The facts of 存在的问题 for one region and period."""

    arrears: pl.DataFrame  # region, year, allocated, received, gap (per county)
    attention: pl.DataFrame  # region, reason (drop | low_coverage), value, score
    compliance: pl.DataFrame  # code, name_zh, name_en, findings, rows, amount_yuan
    quality: pl.DataFrame  # the same, data quality
    collective: tuple[float | None, float | None] = (None, None)  # this period, a year before
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # region → (zh, en)
    fund: tuple[str, str] = ("", "")  # local matching funds, as the deployment says it
    region: str = ""
    coverage: float | None = None  # the region's own 救助覆盖率, what 偏低 is measured against

    @property
    def empty(self) -> bool:
        now, before = self.collective
        rising = not fmt.missing(now) and not fmt.missing(before) and now > before
        return not (self.arrears.height or self.attention.height or self.compliance.height
                    or self.quality.height or rising)

    def name(self, code: str, lang: str = "zh") -> str:
        zh, en = self.names.get(code, (code, code))
        return pick((zh, en or zh), lang)


def gather_problems(f: Filters, collective: tuple[float | None, float | None],
                    coverage: float | None = None) -> Problems:
    """The facts of 存在的问题 over f's region and range (`collective`: 群体性诉求件数 this
    period and a year before, `coverage`: the region's 救助覆盖率, from the briefing's key
    figures)."""
    access.check(f)
    regions = reference.regions()
    names = {c: (z, e) for c, z, e in regions.select("region_code", "name_zh",
                                                      "name_en").iter_rows()}
    fund = reference.labels("fund_source").get("local_matching", ("", ""))
    return Problems(arrears=_arrears(f), attention=_attention(f, coverage),
                    compliance=_checks("compliance", f), quality=_checks("quality", f),
                    collective=collective, names=names, fund=fund, region=f.region,
                    coverage=None if fmt.missing(coverage) else coverage)


def _arrears(f: Filters) -> pl.DataFrame:
    try:
        return findings.matching_arrears(f)
    except Unavailable:  # a station or township: funds are kept by county
        return pl.DataFrame(schema={"region": pl.String, "year": pl.Int32,
                                    "allocated": pl.Float64, "received": pl.Float64,
                                    "gap": pl.Float64})


def _attention(f: Filters, coverage: float | None = None) -> pl.DataFrame:
    """The attention list's falls and low coverage (its funds reason is the arrears').

    The list names the lowest units whatever their level; a problem is only a unit below the
    middle unit and below the region's own coverage (of 西林县's three stations at 67.7%,
    71.6% and 71.7%, the list named 71.6% 偏低 beside the county's 70.4%)."""
    try:
        df = attention(f)
    except Unavailable:
        df = pl.DataFrame(schema={"region": pl.String, "reason": pl.String,
                                  "value": pl.Float64, "score": pl.Float64})
    low = (pl.col("reason") == "low_coverage") & (pl.col("score") > 0)
    if not fmt.missing(coverage):
        low = low & (pl.col("value") < coverage)
    return df.filter((pl.col("reason") == "drop") | low)


def _checks(domain: str, f: Filters) -> pl.DataFrame:
    """Checks of `domain` with findings in the view, those whose fact tables are loaded
    (without them a check finds nothing or everything: analytics.quality.CHECK_TABLES)."""
    if not quality.computed():
        return pl.DataFrame(schema={"code": pl.String, "findings": pl.Int64})
    loaded = coverage().loaded
    ok = [c for c, tables in quality.CHECK_TABLES.items() if set(tables) <= loaded]
    return quality.summary(domain, f).filter(
        pl.col("findings") > 0, pl.col("code").is_in(ok), ~pl.col("code").is_in(STATED))


# ---------------------------------------------------------------- wording
# Each sentence is built once from the facts as messages of the "problem" domain. Where the
# two languages put a fact differently (the Chinese lists the units, then 分别 their figures;
# the English pairs each unit with its figure) each language's shape is its own message,
# chosen with `pick`; both have both languages in the catalogue.

register("problem", {
    "list": ("、", ", "),
    "sentences": ("；", "; "),
    "arrear": ("{who}{year}应到位{due}，实际到位{got}，尚有{gap}未到位",
               "{who}{year}: due {due}, received {got}, {gap} not arrived"),
    "year": ("{year}年", " {year}"),
    "arrears": ("{fund}资金未足额到位：{parts}{more}。", "{fund}s not fully arrived: {parts}{more}."),
    "arrears_own": ("{fund}资金{parts}。", "{fund}s: {parts}."),  # the region's own, unnamed
    "more": ("；另有{n}个{level}未足额到位{total}", "; {n} more {level} short{total}"),
    "total": ("，合计{gap}", ", {gap} in all"),
    "each": ("分别", " respectively"),
    "drops": ("{names}救助人数比{base}下降较多，{each}下降{falls}。",
              "Persons relieved fell {base} in {names}{each}: by {falls}."),
    "drops_each": ("{items}救助人数同比下降。", "Persons relieved fell year on year in {items}."),
    "unit_figure": ("{name}（{figure}）", "{name} ({figure})"),
    "low": ("{names}救助覆盖率偏低，{each}为{rates}{whole}。",
            "Relief coverage is low in {names}{each}: {rates}{whole}."),
    "whole": ("（{region}为{rate}）", " ({region}: {rate})"),
    "lowest_each": ("{items}救助覆盖率最低。", "Relief coverage is lowest in {items}."),
    "below_each": ("{items}救助覆盖率低于{region}的{rate}。",
                   "Relief coverage is below {region}'s {rate} in {items}."),
    "collective": ("受理群体性诉求{now}件，比{base}增加{more}件{rise}。",
                   "{now} collective petition{plural} received, {more} more than {base}{rise}."),
    "rise": ("（增长{pct}%）", " (up {pct}%)"),
    "compliance": ("资金合规检查发现：{items}。", "Compliance checks found: {items}."),
    "quality": ("数据质量方面：{items}。", "Data quality: {items}."),
    "check": ("{name}{findings}{word}{money}", "{name}: {findings}{word}{money}"),
    "involving": ("（涉及{amount}）", " ({amount})"),
})
NONE: tuple[Message, ...] = ()  # a clause not said: renders as nothing


def _m(key: str, **params: object) -> Message:
    return Message(f"problem.{key}", params)


def _listed(items: list, lang: str, sep: str = "list") -> str:
    """Names, figures or clauses one after another ('、' / ', ', or '；' / '; ')."""
    return render(f"problem.{sep}", lang).join(
        render(m, lang) if isinstance(m, Message) else pick(m, lang) if isinstance(m, Pair)
        else m for m in items)


def _yuan(value: float) -> Pair:
    return Pair(yuan_zh(value), yuan_en(value))


def _said_arrears(p: Problems, lang: str, level: str) -> str:
    """'地方财政配套资金未足额到位：巴林左旗应到位22万元，实际到位0元，尚有22万元未到位；…'; the
    region's own alone is not named ('地方财政配套资金应到位…'); the English names each."""
    rows = p.arrears.sort(["gap", "region"], descending=[True, False]).rows(named=True)
    years = len({r["year"] for r in rows}) > 1  # the Chinese says the year only then
    parts = [_m("arrear", who=Pair("" if r["region"] == p.region else p.name(r["region"]),
                                   p.name(r["region"], "en")),
                year=(_m("year", year=r["year"]),) if years else pick((NONE, (_m(
                    "year", year=r["year"]),)), lang),
                due=_yuan(r["allocated"]), got=_yuan(r["received"]), gap=_yuan(r["gap"]))
             for r in rows[:MOST]]
    rest = rows[MOST:]
    more = (_m("more", n=len(rest), level=Pair(level, "units"),
               total=pick(((_m("total", gap=_yuan(sum(r["gap"] for r in rest))),), NONE),
                          lang)),) if rest else NONE
    own = len(parts) == 1 and rows[0]["region"] == p.region
    return render(pick(("problem.arrears_own" if own else "problem.arrears", "problem.arrears"),
                       lang), lang, fund=Pair(p.fund[0], p.fund[1].capitalize()),
                  parts=_listed(parts, lang, "sentences"), more=more)


def _said_attention(p: Problems, lang: str, base: str) -> list[str]:
    out = []
    drops = p.attention.filter(pl.col("reason") == "drop").sort("value").rows(named=True)
    if drops:
        names = [Pair(*(p.name(r["region"], x) for x in LANGS)) for r in drops]
        zh = _m("drops", names=_listed(names, lang), base=Pair(base, "year on year"),
                each=(_m("each"),) if len(drops) > 1 else NONE,
                falls=_listed([percent(-r["value"]) for r in drops], lang))
        en = _m("drops_each", items=_listed([_m("unit_figure", name=n, figure=percent(r["value"]))
                                             for n, r in zip(names, drops, strict=True)], lang))
        out.append(render(pick((zh, en), lang), lang))
    low = p.attention.filter(pl.col("reason") == "low_coverage").sort("value").rows(named=True)
    if low:
        names = [Pair(*(p.name(r["region"], x) for x in LANGS)) for r in low]
        region = Pair(*(p.name(p.region, x) for x in LANGS))
        rate = None if p.coverage is None else percent(p.coverage)
        zh = _m("low", names=_listed(names, lang), each=(_m("each"),) if len(low) > 1 else NONE,
                rates=_listed([percent(r["value"]) for r in low], lang),
                whole=NONE if rate is None else (_m("whole", region=region, rate=rate),))
        items = _listed([_m("unit_figure", name=n, figure=percent(r["value"]))
                         for n, r in zip(names, low, strict=True)], lang)
        en = _m("lowest_each" if rate is None else "below_each", items=items, region=region,
                rate=rate)
        out.append(render(pick((zh, en), lang), lang))
    return out


def _said_collective(p: Problems, lang: str, base: str) -> list[str]:
    """Collective petitions, when more than a year before."""
    now, before = p.collective
    if fmt.missing(now) or fmt.missing(before) or now <= before:
        return []
    rise = (_m("rise", pct=f"{(now - before) / before * 100:.1f}"),) if before else NONE
    return [render("problem.collective", lang, now=f"{now:,.0f}", more=f"{now - before:,.0f}",
                   base=Pair(base, "a year before"), plural=Pair("", "s" * (now != 1)),
                   rise=pick((rise, NONE), lang))]


def _said_checks(df: pl.DataFrame, key: str, lang: str) -> str:
    """'资金合规检查发现：漏报月份3个、…' (months counted as 个, rows as 条)."""
    items = [_m("check", name=Pair(r["name_zh"], r["name_en"]), findings=f"{r['findings']:,}",
                word=Pair("个" if r["code"] in _MONTH_CHECKS else "条", ""),
                money=(_m("involving", amount=_yuan(r["amount_yuan"])),)
                if r["amount_yuan"] > 0 else NONE) for r in df.rows(named=True)]
    return render(f"problem.{key}", lang, items=_listed(items, lang))


def problems(p: Problems | None, lang: str = "zh", base: str = "上年同期",
             level: str = "单位") -> list[str]:
    """The sentences of 存在的问题, in the documents' style; [] when nothing was found.
    `base`: what 同比 compares with (上年 for a year); `level`: the units' word."""
    if p is None or p.empty:
        return []
    out = [_said_arrears(p, lang, level)] if p.arrears.height else []
    out += _said_attention(p, lang, base) + _said_collective(p, lang, base)
    if p.compliance.height:
        out.append(_said_checks(p.compliance, "compliance", lang))
    if p.quality.height:
        out.append(_said_checks(p.quality, "quality", lang))
    return out
