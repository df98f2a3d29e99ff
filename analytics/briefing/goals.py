"""Progress against target in a briefing, in the documents' style:
"全年培训目标1000人，已完成860人，完成86.0%，超序时进度2.7个百分点" (analytics.targets gives
the figures; a rate says its target and what was reached, with no 序时进度).

One sentence per target, built once from its row as messages of the "goal" domain
(core/messages.py) and rendered in the reader's language.
"""

from __future__ import annotations

import math

import polars as pl

from analytics.briefing.wording import figure_en, figure_zh, percent
from analytics.indicators import INDICATORS
from analytics.targets import ahead_words
from core.messages import Message, Pair, register, render

register("goal", {
    "sentence": ("{when}{name}目标{target}{reached}", "{name}: {when}target {target}{reached}"),
    "year": ("全年", "the year's "),
    "season": ("{season}年春节季", "the {season} Spring Festival season's "),
    "no_figures": ("，尚无完成数据", ", no figures yet"),
    "done": ("，已完成{actual}{rate}{schedule}", ", done {actual}{rate}{schedule}"),
    "reached": ("，实际{actual}{rate}{schedule}", ", reached {actual}{rate}{schedule}"),
    "rate": ("，完成{rate}", " ({rate} of target)"),
    "schedule": ("，{words}", ", {words}"),
    "sentences": ("{sentences}。", "{sentences}."),
    "and": ("；", "; "),
})


def _ok(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _name(row: dict) -> Pair:
    """'培训', '两节慰问', '和谐企业占比': the indicator as a target names it (培训人数 → 培训:
    the unit says 人)."""
    ind = INDICATORS[row["indicator"]]
    zh = ind.name_zh.removesuffix("人数") if ind.unit == "persons" else ind.name_zh
    return Pair(zh, ind.name_en)


def _when(row: dict) -> tuple[Message, ...]:
    """'全年', '2013年春节季': the span of work that adds up; none for a rate or a stock."""
    if not INDICATORS[row["indicator"]].is_flow:
        return ()
    if row["season"] is None:
        return (Message("goal.year"),)
    return (Message("goal.season", {"season": row["season"]}),)


def _figure(value: float, row: dict) -> Pair:
    ind = INDICATORS[row["indicator"]]
    return Pair(figure_zh(value, ind.unit, ind.code), figure_en(value, ind.unit))


def sentence(row: dict, lang: str = "zh") -> str:
    """One target's sentence, without the full stop."""
    target, actual, done = row["target"], row["actual"], row["completion"]
    reached: Message = Message("goal.no_figures")
    if _ok(actual):
        words = ahead_words(row["ahead_pp"], lang)
        reached = Message("goal.done" if INDICATORS[row["indicator"]].is_flow else "goal.reached",
                          {"actual": _figure(actual, row),
                           "rate": (Message("goal.rate", {"rate": percent(done)}),)
                           if _ok(done) else (),
                           "schedule": (Message("goal.schedule", {"words": words}),)
                           if words else ()})
    return render("goal.sentence", lang, when=_when(row), name=_name(row),
                  target=_figure(target, row), reached=reached)


# For callers that name the language in the function (the targets tests).
def sentence_zh(row: dict) -> str:
    return sentence(row, "zh")


def sentence_en(row: dict) -> str:
    return sentence(row, "en")


def paragraph(progress: pl.DataFrame, lang: str = "zh") -> str:
    """The region's own targets (not its sub-regions'), one sentence each."""
    rows = progress.filter(pl.col("is_total")).iter_rows(named=True) if progress.height else []
    parts = [sentence(r, lang) for r in rows]
    if not parts:
        return ""
    return render("goal.sentences", lang, sentences=render("goal.and", lang).join(parts))
