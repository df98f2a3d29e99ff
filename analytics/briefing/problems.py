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
from core.messages import pick

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

def _listed(items: list[str], lang: str) -> str:
    return pick(("、", ", "), lang).join(items)


def _arrears_zh(p: Problems, level: str) -> str:
    fund = f"{p.fund[0]}资金"
    rows = p.arrears.sort(["gap", "region"], descending=[True, False]).rows(named=True)
    parts = [("" if r["region"] == p.region else p.name(r["region"]))
             + (f"{r['year']}年" if len({x['year'] for x in rows}) > 1 else "")
             + f"应到位{yuan_zh(r['allocated'])}，实际到位{yuan_zh(r['received'])}，"
               f"尚有{yuan_zh(r['gap'])}未到位" for r in rows[:MOST]]
    more = (f"；另有{len(rows) - MOST}个{level}未足额到位，合计"
            f"{yuan_zh(sum(r['gap'] for r in rows[MOST:]))}") if len(rows) > MOST else ""
    if len(parts) == 1 and rows[0]["region"] == p.region:
        return f"{fund}{parts[0]}。"
    return f"{fund}未足额到位：{'；'.join(parts)}{more}。"


def _arrears_en(p: Problems) -> str:
    rows = p.arrears.sort(["gap", "region"], descending=[True, False]).rows(named=True)
    parts = [f"{p.name(r['region'], 'en')} {r['year']}: due {yuan_en(r['allocated'])}, "
             f"received {yuan_en(r['received'])}, {yuan_en(r['gap'])} "
             "not arrived" for r in rows[:MOST]]
    more = f"; {len(rows) - MOST} more units short" if len(rows) > MOST else ""
    return f"{p.fund[1].capitalize()}s not fully arrived: {'; '.join(parts)}{more}."


def _attention_zh(p: Problems, base: str) -> list[str]:
    out = []
    drops = p.attention.filter(pl.col("reason") == "drop").sort("value").rows(named=True)
    if drops:
        out.append(f"{_listed([p.name(r['region']) for r in drops], 'zh')}救助人数比{base}下降较多，"
                   f"{'分别' if len(drops) > 1 else ''}下降"
                   f"{_listed([percent(-r['value']) for r in drops], 'zh')}。")
    low = p.attention.filter(pl.col("reason") == "low_coverage").sort("value").rows(named=True)
    if low:
        whole = "" if p.coverage is None else \
            f"（{p.name(p.region)}为{percent(p.coverage)}）"
        out.append(f"{_listed([p.name(r['region']) for r in low], 'zh')}救助覆盖率偏低，"
                   f"{'分别' if len(low) > 1 else ''}为"
                   f"{_listed([percent(r['value']) for r in low], 'zh')}{whole}。")
    return out


def _attention_en(p: Problems) -> list[str]:
    out = []
    drops = p.attention.filter(pl.col("reason") == "drop").sort("value").rows(named=True)
    if drops:
        out.append("Persons relieved fell year on year in " + _listed(
            [f"{p.name(r['region'], 'en')} ({percent(r['value'])})" for r in drops], "en")
            + ".")
    low = p.attention.filter(pl.col("reason") == "low_coverage").sort("value").rows(named=True)
    if low:
        lead = "Relief coverage is lowest in " if p.coverage is None else (
            f"Relief coverage is below {p.name(p.region, 'en')}'s "
            f"{percent(p.coverage)} in ")
        out.append(lead + _listed(
            [f"{p.name(r['region'], 'en')} ({percent(r['value'])})"
             for r in low], "en") + ".")
    return out


def _checks_zh(df: pl.DataFrame, lead: str) -> str:
    parts = []
    for r in df.rows(named=True):
        word = "个" if r["code"] in _MONTH_CHECKS else "条"
        money = f"（涉及{yuan_zh(r['amount_yuan'])}）" if r["amount_yuan"] > 0 else ""
        parts.append(f"{r['name_zh']}{r['findings']:,}{word}{money}")
    return f"{lead}{_listed(parts, 'zh')}。"


def _checks_en(df: pl.DataFrame, lead: str) -> str:
    parts = []
    for r in df.rows(named=True):
        money = f" ({yuan_en(r['amount_yuan'])})" if r["amount_yuan"] > 0 else ""
        parts.append(f"{r['name_en']}: {r['findings']:,}{money}")
    return f"{lead}{_listed(parts, 'en')}."


def problems_zh(p: Problems | None, base: str = "上年同期", level: str = "单位") -> list[str]:
    """The sentences of 存在的问题, in the documents' style; [] when nothing was found.
    `base`: what 同比 compares with (上年 for a year); `level`: the units' word."""
    if p is None or p.empty:
        return []
    out = [_arrears_zh(p, level)] if p.arrears.height else []
    out += _attention_zh(p, base)
    now, before = p.collective
    if not fmt.missing(now) and not fmt.missing(before) and now > before:
        pct = f"（增长{(now - before) / before * 100:.1f}%）" if before else ""
        out.append(f"受理群体性诉求{now:,.0f}件，比{base}增加{now - before:,.0f}件{pct}。")
    if p.compliance.height:
        out.append(_checks_zh(p.compliance, "资金合规检查发现："))
    if p.quality.height:
        out.append(_checks_zh(p.quality, "数据质量方面："))
    return out


def problems_en(p: Problems | None) -> list[str]:
    """The same facts in plain English."""
    if p is None or p.empty:
        return []
    out = [_arrears_en(p)] if p.arrears.height else []
    out += _attention_en(p)
    now, before = p.collective
    if not fmt.missing(now) and not fmt.missing(before) and now > before:
        out.append(f"{now:,.0f} collective petition{'s' * (now != 1)} received, "
                   f"{now - before:,.0f} more than a year before.")
    if p.compliance.height:
        out.append(_checks_en(p.compliance, "Compliance checks found: "))
    if p.quality.height:
        out.append(_checks_en(p.quality, "Data quality: "))
    return out
