"""Paragraphs drafted from a briefing's numbers in the documents' own style.

e.g. "2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。"
A sentence whose numbers are missing is left out rather than written with blanks.

Each paragraph is built once, from the facts, as clauses of the "briefing" message domain
(core/messages.py) rendered in the reader's language: the English briefing states what the
Chinese one does (同比, the register and coverage, funds by source, collective petitions), and
only the two-festival paragraph, which the two languages put differently, chooses its clauses
with `pick`. Rates have one decimal in both.
"""

from __future__ import annotations

import math

import polars as pl

from analytics import fmt
from analytics.briefing import goals
from analytics.briefing.content import BriefingData
from analytics.briefing.wording import (
    change,
    count_zh,
    percent,
    persons_zh,
    points,
    yuan_en,
    yuan_zh,
)
from core.messages import LANGS, Message, Pair, pick, register, render

# The English texts of the clauses only the Chinese festival paragraph says (_festival_zh) and
# of the headings 培训就业 and 无息借款 (the English has one heading for both) are not shown.
register("briefing", {
    "sentence": ("{clauses}。", "{clauses}."),
    "then": ("，{what}", ", {what}"),  # a clause after the one before it
    "list": ("、", ", "),
    "clauses": ("，", ", "),
    "relief": ("{when}，{region}共救助困难职工等{relieved}{change}，发放各类救助金{amount}{held}",
               "In {when}, {region} relieved {relieved} hardship workers{change} and paid "
               "{amount} in relief{held}"),
    "register": ("；期末在档困难职工{registered}{coverage}",
                 "; {registered} hardship workers on the register{coverage}"),
    "coverage": ("，救助覆盖率{rate}{points}", ", relief coverage {rate}{points}"),
    "festival": ("{when}慰问{groups}", "In {when}, condolence visits to {groups}"),
    "festival_all": ("{when}两节慰问{persons}",
                     "In {when}, two-festival condolence visits to {persons} persons"),
    "festival_reached": ("两节慰问{persons}（{groups}）",
                         "Condolence visits reached {persons} persons ({groups})"),
    "group": ("{group}{persons}", "{group}s: {persons}"),
    "group_unstated": ("未填写慰问对象类别{persons}", "group not stated: {persons}"),
    "unstated": ("另有{persons}未填写慰问对象类别", "{persons} more whose group was not stated"),
    "total": ("总计{persons}", "{persons} in all"),
    "festival_paid": ("发放慰问金{amount}", "with {amount} paid"),
    "received": ("财政下拨帮扶资金到位{amount}，其中{sources}",
                 "allocated relief funds received: {amount}, of which {sources}"),
    "source": ("{source}{amount}", "{source} {amount}"),
    "disbursed": ("发放救助资金{amount}{own}{sources}", "relief funds paid: {amount}{own}{sources}"),
    "own_funds": ("（含不经下拨的{sources}）", " (including {sources}, not allocated from above)"),
    "by_source": ("，其中{sources}", ", of which {sources}"),
    "matching": ("地方财政配套资金应到位{due}，实际到位{got}，到位率{rate}",
                 "local matching funds due: {due}; received: {got} ({rate})"),
    "matching_none": ("地方财政配套资金应到位{due}，截至{month}尚未到位",
                      "local matching funds due: {due}; none received by {month}"),
    "sentences": ("；", "; "),
    "trained": ("开展职业技能培训{persons}", "{persons} persons trained"),
    "placed": ("就业安置{persons}", "{persons} placed in jobs"),
    "loans": ("发放限时无息小额借款{loans}、{amount}",
              "{loans} interest-free loan{plural} of {amount} in all"),
    "petitions": ("受理职工诉求{petitions}{collective}{resolved}",
                  "{petitions} petitions received{collective}{resolved}"),
    "collective": ("，其中群体性诉求{collective}", ", of which {collective} collective"),
    "resolved": ("，解决率{rate}", "; {rate} resolved"),
    "medical": ("医疗优惠卡持卡{holders}{saved}",
                "{holders} persons hold a medical discount card{saved}"),
    "discounts": ("，减免医药费用{amount}", "; discounts of {amount}"),
    "heading": ("（{n}）{title}", "({n}) {title}"),
    "h_relief": ("困难职工救助", "Relief"),
    "h_festival": ("两节送温暖", "Two-festival condolence"),
    "h_funds": ("帮扶资金", "Funds"),
    "h_work": ("培训就业", "Training and employment"),
    "h_loans": ("无息借款", "Interest-free loans"),
    "h_work_loans": ("培训就业与无息借款", "Training, employment and loans"),
    "h_rights": ("职工维权", "Rights protection"),
    "h_medical": ("医疗救助", "Medical relief"),
    "h_goals": ("目标任务完成情况", "Progress against targets"),
})

# How the documents name each recipient group in a condolence sentence.
GROUP_WORDS = {"hardship_worker": "困难职工", "model_worker": "劳模",
               "temporary_relief": "临时救助"}
GROUP_ORDER = tuple(GROUP_WORDS)
UNSTATED = "not_stated"  # the files gave no 救助对象类别 (etl: never guessed)
NONE: tuple[Message, ...] = ()  # a clause not said: renders as nothing
_NUMERALS_ZH = "一二三四五六七八九十"


def _ok(*values: float | None) -> bool:
    return all(v is not None and not math.isnan(v) for v in values)


def _cells(df: pl.DataFrame, code: str) -> dict[str, float]:
    return {d: v for d, v in df.filter(pl.col("code") == code).select("dim", "value").iter_rows()
            if _ok(v)}


def _m(key: str, **params: object) -> Message:
    return Message(f"briefing.{key}", params)


def _listed(items: list[Message | Pair], lang: str, sep: str = "list") -> str:
    """Clauses or names one after another: '、' / ', ' (`sep` "list"), '，' (clauses) or
    '；' (sentences)."""
    return render(f"briefing.{sep}", lang).join(
        pick(m, lang) if isinstance(m, Pair) else render(m, lang) for m in items)


def _persons(value: float) -> Pair:
    return Pair(persons_zh(value), f"{value:,.0f}")


def _yuan(value: float) -> Pair:
    return Pair(yuan_zh(value), yuan_en(value))


def _count(value: float, measure_word: str) -> Pair:
    return Pair(count_zh(value, measure_word), f"{value:,.0f}")


def _sentence(lang: str, clauses: list[Message]) -> str:
    return render("briefing.sentence", lang, clauses=_listed(clauses, lang, "clauses"))


def relief(b: BriefingData, lang: str = "zh") -> str:
    """'2012年，某旗共救助困难职工等1082人，比上年增加39人（增长3.7%），发放各类救助金…'."""
    relieved, amount, registered = b.value("relieved"), b.value("relief_amount"), \
        b.value("registered")
    if not _ok(relieved, amount):
        return ""
    grown = change(relieved, b.year_ago("relieved"), "人", b.period.base())
    held = NONE
    if _ok(registered) and registered > 0:
        cov = b.value("coverage")
        coverage = NONE
        if _ok(cov):
            moved = points(cov, b.year_ago("coverage"), b.period.base())
            coverage = (_m("coverage", rate=percent(cov),
                           points=(_m("then", what=moved),) if moved.zh else NONE),)
        held = (_m("register", registered=_persons(registered), coverage=coverage),)
    return render("briefing.sentence", lang, clauses=_m(
        "relief", when=b.period.label(lang), region=b.name(lang), relieved=_persons(relieved),
        change=(_m("then", what=grown),) if grown.zh else NONE,
        amount=_yuan(amount), held=held))


def festival(b: BriefingData, lang: str = "zh") -> str:
    """'2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。'

    With one group only the total is its number ('2012年慰问困难职工18人，发放慰问金…');
    persons whose group the files did not state are counted, not named as a group. The
    English summary names every group as the rows have it and always the total."""
    persons, amount = _cells(b.festival, "festival_persons"), b.value("festival_amount")
    total = b.value("festival_persons")
    if not persons or not _ok(total):
        return ""
    clauses = pick((_festival_zh(b, persons, total, amount, lang),
                    _festival_en(b, persons, total, amount, lang)), lang)
    return _sentence(lang, clauses)


def _festival_zh(b: BriefingData, persons: dict[str, float], total: float,
                 amount: float | None, lang: str) -> list[Message]:
    """The documents' order of groups and their words; the unstated said apart."""
    named = {g: v for g, v in persons.items() if g != UNSTATED and v > 0}
    order = [g for g in GROUP_ORDER if g in named] + sorted(set(named) - set(GROUP_ORDER))
    groups = [_m("group", group=Pair(GROUP_WORDS.get(g, b.label("recipient_group", g)),
                                     b.label("recipient_group", g, "en")),
                 persons=_persons(named[g])) for g in order]
    unstated = persons.get(UNSTATED, 0)
    when = Pair(b.period.label(), b.period.label("en"))
    if not groups:
        out = [_m("festival_all", when=when, persons=_persons(total))]
    else:
        out = [_m("festival", when=when, groups=_listed(groups, lang))]
        if unstated > 0:
            out.append(_m("unstated", persons=_persons(unstated)))
        if len(groups) + (unstated > 0) > 1:
            out.append(_m("total", persons=_persons(total)))
    if _ok(amount) and amount > 0:
        out.append(_m("festival_paid", amount=_yuan(amount)))
    return out


def _festival_en(b: BriefingData, persons: dict[str, float], total: float,
                 amount: float | None, lang: str) -> list[Message]:
    """Every group the rows have, in their order, the unstated among them (none listed when no
    row states one: the persons alone, as the Chinese says them); what was paid whenever the
    amount is known."""
    if not any(v > 0 for g, v in persons.items() if g != UNSTATED):
        out = [_m("festival_all", when=Pair(b.period.label(), b.period.label("en")),
                  persons=_persons(total))]
        return out + ([_m("festival_paid", amount=_yuan(amount))] if _ok(amount) else [])
    groups = [_m("group_unstated", persons=_persons(v)) if g == UNSTATED else
              _m("group", group=Pair(b.label("recipient_group", g),
                                     b.label("recipient_group", g, "en")), persons=_persons(v))
              for g, v in persons.items() if v > 0]
    out = [_m("festival_reached", persons=_persons(total), groups=_listed(groups, lang))]
    if _ok(amount):
        out.append(_m("festival_paid", amount=_yuan(amount)))
    return out


def funds(b: BriefingData, lang: str = "zh") -> str:
    """Funds received by source, paid out by source, and the local matching funds."""
    received = _cells(b.funds, "fund_received")
    disbursed = b.value("fund_disbursed")
    clauses: list[Message] = []
    if received and sum(received.values()) > 0:
        # 到位 counts funds allocated from above only; what is paid out also counts the union's
        # own funds and donations, so the sentence names which money each figure is
        clauses.append(_m("received", amount=_yuan(sum(received.values())),
                          sources=_sources(b, received.items(), lang)))
    if _ok(disbursed) and disbursed > 0:
        paid = {s: v for s, v in _cells(b.funds, "fund_disbursed").items() if v > 0}
        own = [Pair(*_fund(b, s)) for s in paid if s not in received]
        by_source = sorted(paid.items(), key=lambda kv: -kv[1])  # largest first
        clauses.append(_m(
            "disbursed", amount=_yuan(disbursed),
            own=(_m("own_funds", sources=_listed(own, lang)),) if received and own else NONE,
            sources=(_m("by_source", sources=_sources(b, by_source, lang)),)
            if len(paid) > 1 else NONE))
    due, got = b.value("matching_allocated"), b.value("matching_received")
    if _ok(due) and due > 0:
        arrived = _ok(got) and got > 0
        got = got if _ok(got) else 0.0
        clauses.append(_m("matching" if arrived else "matching_none", due=_yuan(due),
                          got=_yuan(got), rate=percent(got / due),
                          month=Pair(*(fmt.period(b.period.end, "month", x) for x in LANGS))))
    if not clauses:
        return ""
    return _capital(render("briefing.sentence", lang, clauses=_listed(clauses, lang, "sentences")))


def _fund(b: BriefingData, source: str) -> tuple[str, str]:
    """A fund source in the deployment's own words, both languages."""
    return b.label("fund_source", source), b.label("fund_source", source, "en")


def _sources(b: BriefingData, amounts, lang: str) -> str:
    """'省级专项12万元、市级专项3万元': each source with its amount."""
    return _listed([_m("source", source=Pair(*_fund(b, s)), amount=_yuan(v))
                    for s, v in amounts if v > 0], lang)


def employment_heading(b: BriefingData, lang: str = "zh") -> str:
    """培训就业, 无息借款 or both, as the period's data have them (the English heading names
    all three whatever the data)."""
    work = any(_ok(b.value(c)) and b.value(c) > 0 for c in ("trained", "placements"))
    loans = _ok(b.value("loans")) and b.value("loans") > 0
    key = {(True, False): "h_work", (False, True): "h_loans"}.get((work, loans), "h_work_loans")
    return render(f"briefing.{pick((key, 'h_work_loans'), lang)}", lang)


def employment(b: BriefingData, lang: str = "zh") -> str:
    # No field says who paid for a course: the sentence does not call it 免费.
    clauses = []
    if _ok(b.value("trained")) and b.value("trained") > 0:
        clauses.append(_m("trained", persons=_persons(b.value("trained"))))
    if _ok(b.value("placements")) and b.value("placements") > 0:
        clauses.append(_m("placed", persons=_persons(b.value("placements"))))
    loans, loan_yuan = b.value("loans"), b.value("loan_amount")
    if _ok(loans, loan_yuan) and loans > 0:
        clauses.append(_m("loans", loans=_count(loans, "笔"), amount=_yuan(loan_yuan),
                          plural=Pair("", "s" * (loans != 1))))
    return _capital(_sentence(lang, clauses)) if clauses else ""


def _capital(text: str) -> str:
    """An English sentence starts with a capital (a clause may start one)."""
    return text[:1].upper() + text[1:]


def rights(b: BriefingData, lang: str = "zh") -> str:
    petitions, rate, collective = b.value("petitions"), b.value("resolution_rate"), \
        b.value("collective")
    if not _ok(petitions) or petitions <= 0:
        return ""
    said = (_m("collective", collective=_count(collective, "件")),) \
        if _ok(collective) and collective > 0 else NONE
    resolved = (_m("resolved", rate=percent(rate)),) if _ok(rate) else NONE
    return render("briefing.sentence", lang, clauses=_m(
        "petitions", petitions=_count(petitions, "件"), collective=said,
        resolved=resolved))


def medical(b: BriefingData, lang: str = "zh") -> str:
    holders, saved = b.value("card_holders"), b.value("medical_discounts")
    if not _ok(holders) or holders <= 0:
        return ""
    saved_clause = (_m("discounts", amount=_yuan(saved)),) if _ok(saved) and saved > 0 else NONE
    return render("briefing.sentence", lang, clauses=_m("medical", holders=_persons(holders),
                                                         saved=saved_clause))


def paragraphs(b: BriefingData, lang: str = "zh") -> list[tuple[str, str]]:
    """(heading, paragraph) pairs, numbered （一）（二）… or (1) (2) … after empty paragraphs
    are dropped (the document's 一、 level is its parts: work done, key figures, …)."""
    out = [("h_relief", relief(b, lang)), ("h_festival", festival(b, lang)),
           ("h_funds", funds(b, lang)), (None, employment(b, lang)),
           ("h_rights", rights(b, lang)), ("h_medical", medical(b, lang)),
           ("h_goals", goals.paragraph(b.goals, lang))]
    kept = [(h, p) for h, p in out if p]
    return [(render("briefing.heading", lang, n=Pair(_NUMERALS_ZH[i], str(i + 1)),
                    title=render(f"briefing.{h}", lang) if h else employment_heading(b, lang)),
             p) for i, (h, p) in enumerate(kept)]


# For callers that name the language in the function (the briefing and targets tests).
def paragraphs_zh(b: BriefingData) -> list[tuple[str, str]]:
    return paragraphs(b, "zh")


def paragraphs_en(b: BriefingData) -> list[tuple[str, str]]:
    return paragraphs(b, "en")


def festival_zh(b: BriefingData) -> str:
    return festival(b, "zh")
