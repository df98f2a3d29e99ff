"""Numbers worded as the source documents word them: 803人, 6.8万元, 61万余元, 1.2亿元.

A quantity is cut (not rounded) to its leading unit and "余" says that something was cut, so
"61万余元" means 610,000–619,999 yuan, as in the documents. Below 10万 one decimal of 万 is
kept (6.8万元 = 68,000; 6.8万余元 = 68,001–68,999), from 10万 whole 万, from 1亿 one decimal
of 亿 (below 10亿), then whole 亿. Below 10,000 numbers are written in full.

The same words serve the text and the tables of a briefing (`figure_zh`): a table row or
column is written in one unit (`scale_of` its leading value), so a smaller figure beside a
larger one reads 0.64万元, not 6400元.
"""

from __future__ import annotations

import math

from core.messages import Pair

WAN, YI = 10_000, 100_000_000
_BASE = {"万": WAN, "亿": YI}

SAME_PERIOD = Pair("上年同期", "the same period a year before")  # what 同比 compares with

# Measure words of counts, by indicator (a count without one is written bare).
MEASURE_WORDS = {"loans": "笔", "petitions": "件", "collective": "件", "relief_count": "人次",
                 "reception_days": "天"}


def scale_of(value: float | None) -> str:
    """The unit a figure is written in: '' (in full) below 1万, '万' below 1亿, else '亿'."""
    if value is None or math.isnan(value):
        return ""
    value = round(abs(value))
    return "" if value < WAN else ("万" if value < YI else "亿")


def _step(value: int, base: int) -> int:
    """What a value is cut to within its unit: whole units from ten of them, one decimal from
    one, two decimals below one (0.64万, only when a row's unit is set by a larger figure)."""
    if value >= 10 * base:
        return base
    return base // 10 if value >= base else base // 100


def _decimal(kept: int, base: int) -> str:
    text = f"{kept / base:.2f}"
    return text.rstrip("0").rstrip(".")


def approx(value: float, unit_word: str, scale: str | None = None) -> str:
    """A non-negative quantity in documents' wording: '8600元', '6.8万元', '61万余元', '1.2亿余元'.

    Below 10,000 the number is written in full (money rounded to the yuan); `scale` ('', '万'
    or '亿') writes it in that unit whatever its size (a table row's unit).
    """
    if math.isnan(value) or value < 0:
        raise ValueError(f"cannot word {value!r}")
    value = round(value)  # the documents count whole yuan and whole persons
    scale = scale_of(value) if scale is None else scale
    if not scale:
        return f"{value}{unit_word}"
    base = _BASE[scale]
    step = _step(value, base)
    kept = math.floor(value / step + 1e-9) * step
    if kept == 0 and value > 0:
        return f"不足{_decimal(step, base)}{scale}{unit_word}"
    return f"{_decimal(kept, base)}{scale}{'余' if value - kept > 0 else ''}{unit_word}"


def yuan_zh(value: float, scale: str | None = None) -> str:
    """Money: 612,345 → '61万余元'; 68,000 → '6.8万元'; 120,000,000 → '1.2亿元'; 8,600 → '8600元'."""
    return approx(value, "元", scale)


def persons_zh(value: float, scale: str | None = None) -> str:
    """Persons: 803 → '803人'; 12,345 → '1.2万余人'."""
    return approx(value, "人", scale)


def count_zh(value: float, unit_word: str, scale: str | None = None) -> str:
    """Other counts with their measure word: 48 笔 → '48笔', 21,000 件 → '2.1万件'."""
    return approx(value, unit_word, scale)


def figure_zh(value: float, unit: str, code: str = "", scale: str | None = None) -> str:
    """One figure of an indicator with catalogue unit `unit`, as both text and tables write
    it: '61万余元', '1082人', '283件', '89.4%', '1390元/人', '20天'."""
    if unit == "ratio":
        return percent(value)
    if unit == "yuan":
        return yuan_zh(value, scale)
    if unit == "persons":
        return persons_zh(value, scale)
    if unit == "yuan_per_person":
        return f"{round(value)}元/人"
    if unit == "per_loan":
        return f"{value:.1f}人次/笔"
    if unit == "days":
        return f"{value:.0f}天"
    return count_zh(value, MEASURE_WORDS.get(code, ""), scale)


def yuan_en(value: float) -> str:
    """English, cut the same way: 'over 610,000 yuan', '68,000 yuan'."""
    value = round(value)
    if value < WAN:
        return f"{value:,} yuan"
    step = _step(value, WAN if value < YI else YI)
    kept = math.floor(value / step + 1e-9) * step
    return f"{'over ' if value - kept > 0 else ''}{kept:,} yuan"


def figure_en(value: float, unit: str) -> str:
    """One figure in English, as both text and tables write it."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "yuan":
        return yuan_en(value)
    if unit == "yuan_per_person":
        return f"{round(value):,} yuan/person"
    if unit == "per_loan":
        return f"{value:.1f} jobs/loan"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{round(value):,}"


def change(current: float, before: float | None, unit_word: str = "人",
           base: Pair = SAME_PERIOD) -> Pair:
    """同比 worded in both languages from one difference: '比上年同期增加39人（增长4.6%）' and
    '39 more than the same period a year before (up 4.6%)'; '与上年持平' / 'as many as the
    year before'; empty without a figure before. `unit_word` 元 words money."""
    if before is None or math.isnan(before):
        return Pair("", "")
    diff, money = current - before, unit_word == "元"
    if abs(diff) < 1e-9:
        return Pair(f"与{base.zh}持平", f"as {'much' if money else 'many'} as {base.en}")
    up = diff > 0
    amount = Pair(yuan_zh(abs(diff)), yuan_en(abs(diff))) if money else \
        Pair(approx(abs(diff), unit_word), f"{round(abs(diff)):,}")
    pct = f"{abs(diff) / before * 100:.1f}%"
    more = ("more" if up else "less") if money else ("more" if up else "fewer")
    return Pair(
        f"比{base.zh}{'增加' if up else '减少'}{amount.zh}"
        + (f"（{'增长' if up else '下降'}{pct}）" if before else ""),
        f"{amount.en} {more} than {base.en}" + (f" ({'up' if up else 'down'} {pct})" if before else ""))


def points(current: float, before: float | None,
           base: Pair = SAME_PERIOD) -> Pair:
    """Change of a rate in percentage points: '比上年同期提高5.3个百分点' and '5.3 points higher
    than the same period a year before'."""
    if before is None or math.isnan(before) or math.isnan(current):
        return Pair("", "")
    pp = (current - before) * 100
    if abs(pp) < 0.05:
        return Pair(f"与{base.zh}持平", f"the same as {base.en}")
    return Pair(f"比{base.zh}{'提高' if pp > 0 else '下降'}{abs(pp):.1f}个百分点",
                f"{abs(pp):.1f} points {'higher' if pp > 0 else 'lower'} than {base.en}")


def percent(value: float) -> str:
    """A rate as every text and table of the product writes it: one decimal, '89.4%'."""
    return f"{value * 100:.1f}%"
