"""Progress against target in a briefing, in the documents' style:
"全年培训目标1000人，已完成860人，完成86.0%，超序时进度2.7个百分点" (analytics.targets gives
the figures; a rate says its target and what was reached, with no 序时进度)."""

from __future__ import annotations

import math

import polars as pl

from analytics.briefing.wording import figure_en, figure_zh, percent
from analytics.indicators import INDICATORS
from analytics.targets import ahead_words


def _ok(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _subject_zh(row: dict) -> str:
    """'全年培训', '2013年春节季两节慰问', '和谐企业占比': the indicator as a target names it
    (培训人数 → 培训: the unit says 人)."""
    ind = INDICATORS[row["indicator"]]
    name = ind.name_zh.removesuffix("人数") if ind.unit == "persons" else ind.name_zh
    if not ind.is_flow:
        return name
    return (f"{row['season']}年春节季" if row["season"] is not None else "全年") + name


def sentence_zh(row: dict) -> str:
    """One target's sentence, without the full stop."""
    ind = INDICATORS[row["indicator"]]
    target, actual, done = row["target"], row["actual"], row["completion"]
    text = f"{_subject_zh(row)}目标{figure_zh(target, ind.unit, ind.code)}"
    if not _ok(actual):
        return text + "，尚无完成数据"
    if ind.is_flow:
        text += f"，已完成{figure_zh(actual, ind.unit, ind.code)}"
    else:
        text += f"，实际{figure_zh(actual, ind.unit, ind.code)}"
    if _ok(done):
        text += f"，完成{percent(done)}"
    words = ahead_words(row["ahead_pp"], "zh")
    return text + (f"，{words}" if words else "")


def sentence_en(row: dict) -> str:
    ind = INDICATORS[row["indicator"]]
    target, actual, done = row["target"], row["actual"], row["completion"]
    when = (f"the {row['season']} Spring Festival season's " if row["season"] is not None
            else "the year's ") if ind.is_flow else ""
    text = f"{ind.name_en}: {when}target {figure_en(target, ind.unit)}"
    if not _ok(actual):
        return text + ", no figures yet"
    text += f", {'done' if ind.is_flow else 'reached'} {figure_en(actual, ind.unit)}"
    if _ok(done):
        text += f" ({done * 100:.1f}% of target)"
    words = ahead_words(row["ahead_pp"], "en")
    return text + (f", {words}" if words else "")


def paragraph(progress: pl.DataFrame, lang: str = "zh") -> str:
    """The region's own targets (not its sub-regions'), one sentence each."""
    rows = progress.filter(pl.col("is_total")).iter_rows(named=True) if progress.height else []
    if lang == "en":
        parts = [sentence_en(r) for r in rows]
        return "; ".join(parts) + "." if parts else ""
    parts = [sentence_zh(r) for r in rows]
    return "；".join(parts) + "。" if parts else ""
