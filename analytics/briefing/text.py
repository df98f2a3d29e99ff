"""Paragraphs drafted from a briefing's numbers in the documents' own style.

e.g. "2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。"
A sentence whose numbers are missing is left out rather than written with blanks.
"""

from __future__ import annotations

import math

import polars as pl

from analytics.briefing import goals
from analytics.briefing.content import BriefingData
from analytics.briefing.wording import (
    change_zh,
    count_zh,
    percent,
    persons_zh,
    points_zh,
    yuan_en,
    yuan_zh,
)

# How the documents name each recipient group in a condolence sentence.
GROUP_WORDS = {"hardship_worker": "困难职工", "model_worker": "劳模",
               "temporary_relief": "临时救助"}
GROUP_ORDER = tuple(GROUP_WORDS)
UNSTATED = "not_stated"  # the files gave no 救助对象类别 (etl: never guessed)


def _ok(*values: float | None) -> bool:
    return all(v is not None and not math.isnan(v) for v in values)


def _cells(df: pl.DataFrame, code: str) -> dict[str, float]:
    return {d: v for d, v in df.filter(pl.col("code") == code).select("dim", "value").iter_rows()
            if _ok(v)}


def festival_zh(b: BriefingData) -> str:
    """'2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。'

    With one group only the total is its number ('2012年慰问困难职工18人，发放慰问金…');
    persons whose group the files did not state are counted, not named as a group."""
    persons, amount = _cells(b.festival, "festival_persons"), b.value("festival_amount")
    total = b.value("festival_persons")
    if not persons or not _ok(total):
        return ""
    named = {g: v for g, v in persons.items() if g != UNSTATED and v > 0}
    order = [g for g in GROUP_ORDER if g in named] + sorted(set(named) - set(GROUP_ORDER))
    parts = [f"{GROUP_WORDS.get(g, b.label('recipient_group', g))}{persons_zh(named[g])}"
             for g in order]
    unstated = persons.get(UNSTATED, 0)
    if not parts:
        text = f"{b.period.label()}两节慰问{persons_zh(total)}"
    else:
        text = f"{b.period.label()}慰问{'、'.join(parts)}"
        if unstated > 0:
            text += f"，另有{persons_zh(unstated)}未填写慰问对象类别"
        if len(parts) + (unstated > 0) > 1:
            text += f"，总计{persons_zh(total)}"
    if _ok(amount) and amount > 0:
        text += f"，发放慰问金{yuan_zh(amount)}"
    return text + "。"


def relief_zh(b: BriefingData) -> str:
    relieved, amount, registered = b.value("relieved"), b.value("relief_amount"), \
        b.value("registered")
    if not _ok(relieved, amount):
        return ""
    base = b.period.base_zh()
    change = change_zh(relieved, b.year_ago("relieved"), "人", base)
    text = (f"{b.period.label()}，{b.name_zh}共救助困难职工等{persons_zh(relieved)}"
            f"{'，' + change if change else ''}，发放各类救助金{yuan_zh(amount)}")
    if _ok(registered) and registered > 0:
        cov = b.value("coverage")
        text += f"；期末在档困难职工{persons_zh(registered)}"
        if _ok(cov):
            pts = points_zh(cov, b.year_ago("coverage"), base)
            text += f"，救助覆盖率{percent(cov)}{'，' + pts if pts else ''}"
    return text + "。"


def funds_zh(b: BriefingData) -> str:
    received = _cells(b.funds, "fund_received")
    disbursed = b.value("fund_disbursed")
    sentences = []
    if received and sum(received.values()) > 0:
        parts = [f"{b.label('fund_source', s)}{yuan_zh(v)}" for s, v in received.items() if v > 0]
        # 到位 counts funds allocated from above only; what is paid out also counts the union's
        # own funds and donations, so the sentence names which money each figure is
        sentences.append(f"财政下拨帮扶资金到位{yuan_zh(sum(received.values()))}，"
                         f"其中{'、'.join(parts)}")
    if _ok(disbursed) and disbursed > 0:
        paid = {s: v for s, v in _cells(b.funds, "fund_disbursed").items() if v > 0}
        text = f"发放救助资金{yuan_zh(disbursed)}"
        own = [b.label("fund_source", s) for s in paid if s not in received]
        if received and own:
            text += f"（含不经下拨的{'、'.join(own)}）"
        if len(paid) > 1:  # by source, largest first, in the deployment's own fund words
            text += "，其中" + "、".join(f"{b.label('fund_source', s)}{yuan_zh(v)}" for s, v in
                                       sorted(paid.items(), key=lambda kv: -kv[1]))
        sentences.append(text)
    due, got = b.value("matching_allocated"), b.value("matching_received")
    if _ok(due) and due > 0:
        if not _ok(got) or got <= 0:
            sentences.append(f"地方财政配套资金应到位{yuan_zh(due)}，截至"
                             f"{b.period.end.year}年{b.period.end.month}月尚未到位")
        else:
            sentences.append(f"地方财政配套资金应到位{yuan_zh(due)}，实际到位{yuan_zh(got)}"
                             f"，到位率{percent(got / due)}")
    return "；".join(sentences) + "。" if sentences else ""


def employment_heading(b: BriefingData) -> str:
    """培训就业, 无息借款 or both, as the period's data have them."""
    work = any(_ok(b.value(c)) and b.value(c) > 0 for c in ("trained", "placements"))
    loans = _ok(b.value("loans")) and b.value("loans") > 0
    return "与".join(h for h, on in (("培训就业", work), ("无息借款", loans)) if on)


def employment_zh(b: BriefingData) -> str:
    # No field says who paid for a course: the sentence does not call it 免费.
    parts = []
    if _ok(b.value("trained")) and b.value("trained") > 0:
        parts.append(f"开展职业技能培训{persons_zh(b.value('trained'))}")
    if _ok(b.value("placements")) and b.value("placements") > 0:
        parts.append(f"就业安置{persons_zh(b.value('placements'))}")
    loans, loan_yuan = b.value("loans"), b.value("loan_amount")
    if _ok(loans, loan_yuan) and loans > 0:
        parts.append(f"发放限时无息小额借款{count_zh(loans, '笔')}、{yuan_zh(loan_yuan)}")
    return f"{'，'.join(parts)}。" if parts else ""


def rights_zh(b: BriefingData) -> str:
    petitions, rate, collective = b.value("petitions"), b.value("resolution_rate"), \
        b.value("collective")
    if not _ok(petitions) or petitions <= 0:
        return ""
    text = f"受理职工诉求{count_zh(petitions, '件')}"
    if _ok(collective) and collective > 0:
        text += f"，其中群体性诉求{count_zh(collective, '件')}"
    if _ok(rate):
        text += f"，解决率{percent(rate)}"
    return text + "。"


def medical_zh(b: BriefingData) -> str:
    holders, saved = b.value("card_holders"), b.value("medical_discounts")
    if not _ok(holders) or holders <= 0:
        return ""
    text = f"医疗优惠卡持卡{persons_zh(holders)}"
    if _ok(saved) and saved > 0:
        text += f"，减免医药费用{yuan_zh(saved)}"
    return text + "。"


_NUMERALS_ZH = "一二三四五六七八九十"


def paragraphs_zh(b: BriefingData) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs, numbered （一）（二）… after empty paragraphs are dropped
    (the document's 一、 level is its parts: work done, key figures, …)."""
    out = [("困难职工救助", relief_zh(b)), ("两节送温暖", festival_zh(b)),
           ("帮扶资金", funds_zh(b)), (employment_heading(b), employment_zh(b)),
           ("职工维权", rights_zh(b)), ("医疗救助", medical_zh(b)),
           ("目标任务完成情况", goals.paragraph(b.goals))]
    kept = [(h, p) for h, p in out if p]
    return [(f"（{_NUMERALS_ZH[i]}）{h}", p) for i, (h, p) in enumerate(kept)]


def paragraphs_en(b: BriefingData) -> list[tuple[str, str]]:
    """The same facts in plain English."""
    label, out = b.period.label("en"), []
    relieved, amount = b.value("relieved"), b.value("relief_amount")
    if _ok(relieved, amount):
        out.append(("Relief", f"In {label}, {b.name_en} relieved {relieved:,.0f} hardship "
                    f"workers and paid {yuan_en(amount)} in relief."))
    persons, total = _cells(b.festival, "festival_persons"), b.value("festival_persons")
    if persons and _ok(total):
        parts = ", ".join(f"{b.label('recipient_group', g, 'en')}s: {v:,.0f}"
                          if g != UNSTATED else f"group not stated: {v:,.0f}"
                          for g, v in persons.items() if v > 0)
        fest = b.value("festival_amount")
        out.append(("Two-festival condolence",
                    f"Condolence visits reached {total:,.0f} persons ({parts})"
                    + (f", with {yuan_en(fest)} paid." if _ok(fest) else ".")))
    due, got = b.value("matching_allocated"), b.value("matching_received")
    if _ok(due) and due > 0:
        got = got if _ok(got) else 0.0
        out.append(("Funds", f"Local matching funds due: {yuan_en(due)}; received: "
                    f"{yuan_en(got)} ({got / due:.0%})."))
    if text := employment_en(b):
        out.append(("Training, employment and loans", text))
    petitions = b.value("petitions")
    if _ok(petitions) and petitions > 0:
        rate = b.value("resolution_rate")
        out.append(("Rights protection", f"{petitions:,.0f} petitions received"
                    + (f"; {rate:.1%} resolved." if _ok(rate) else ".")))
    holders, saved = b.value("card_holders"), b.value("medical_discounts")
    if _ok(holders) and holders > 0:
        out.append(("Medical relief", f"{holders:,.0f} persons hold a medical discount card"
                    + (f"; discounts of {yuan_en(saved)}." if _ok(saved) and saved > 0
                       else ".")))
    if text := goals.paragraph(b.goals, "en"):
        out.append(("Progress against targets", text))
    return [(f"({i}) {h}", p) for i, (h, p) in enumerate(out, start=1)]


def employment_en(b: BriefingData) -> str:
    """The facts of employment_zh in English (the Chinese section had no English one)."""
    parts = []
    if _ok(b.value("trained")) and b.value("trained") > 0:
        parts.append(f"{b.value('trained'):,.0f} persons trained")
    if _ok(b.value("placements")) and b.value("placements") > 0:
        parts.append(f"{b.value('placements'):,.0f} placed in jobs")
    loans, loan_yuan = b.value("loans"), b.value("loan_amount")
    if _ok(loans, loan_yuan) and loans > 0:
        parts.append(f"{loans:,.0f} interest-free loan{'s' * (loans != 1)} of "
                     f"{yuan_en(loan_yuan)} in all")
    text = ", ".join(parts) + "." if parts else ""
    return text[:1].upper() + text[1:]
