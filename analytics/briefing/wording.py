"""Numbers worded as the source documents word them: 803人, 6.8万元, 61万余元, 1.2亿元.

A quantity is cut (not rounded) to its leading unit and "余" says that something was cut, so
"61万余元" means 610,000–619,999 yuan, as in the documents. Below 10万 one decimal of 万 is
kept (6.8万元 = 68,000; 6.8万余元 = 68,001–68,999), from 10万 whole 万, from 1亿 one decimal
of 亿 (below 10亿), then whole 亿. Below 10,000 numbers are written in full.
"""

from __future__ import annotations

import math

WAN, YI = 10_000, 100_000_000


def _step(value: float) -> tuple[int, str]:
    """The unit a value is cut to, and that unit's word: 1000 = 0.1万, 10,000 = 万, ..."""
    if value < 10 * WAN:
        return WAN // 10, "万"
    if value < YI:
        return WAN, "万"
    return (YI // 10, "亿") if value < 10 * YI else (YI, "亿")


def approx(value: float, unit_word: str) -> str:
    """A non-negative quantity in documents' wording: '8600元', '6.8万元', '61万余元', '1.2亿余元'.

    Below 10,000 the number is written in full (money rounded to the yuan).
    """
    if math.isnan(value) or value < 0:
        raise ValueError(f"cannot word {value!r}")
    value = round(value)  # the documents count whole yuan and whole persons
    if value < WAN:
        return f"{round(value)}{unit_word}"
    step, word = _step(value)
    kept = math.floor(value / step + 1e-9) * step
    base = WAN if word == "万" else YI
    text = f"{kept / base:.1f}".removesuffix(".0")
    return f"{text}{word}{'余' if value - kept > 1e-6 else ''}{unit_word}"


def yuan_zh(value: float) -> str:
    """Money: 612,345 → '61万余元'; 68,000 → '6.8万元'; 120,000,000 → '1.2亿元'; 8,600 → '8600元'."""
    return approx(value, "元")


def persons_zh(value: float) -> str:
    """Persons: 803 → '803人'; 12,345 → '1.2万余人'."""
    return approx(value, "人")


def count_zh(value: float, unit_word: str) -> str:
    """Other counts with their measure word: 48 笔 → '48笔', 21,000 件 → '2.1万件'."""
    return approx(value, unit_word)


def yuan_en(value: float) -> str:
    """English, cut the same way: 'over 610,000 yuan', '68,000 yuan'."""
    value = round(value)
    if value < WAN:
        return f"{value:,} yuan"
    step, _ = _step(value)
    kept = math.floor(value / step + 1e-9) * step
    return f"{'over ' if value - kept > 1e-6 else ''}{kept:,} yuan"


def change_zh(current: float, before: float | None, unit_word: str = "人",
              base: str = "上年同期") -> str:
    """同比 wording: '比上年同期增加39人（增长4.6%）', '比上年减少2人', '与上年持平'."""
    if before is None or math.isnan(before):
        return ""
    diff = current - before
    if abs(diff) < 1e-9:
        return f"与{base}持平"
    verb = "增加" if diff > 0 else "减少"
    amount = yuan_zh(abs(diff)) if unit_word == "元" else approx(abs(diff), unit_word)
    pct = f"（{'增长' if diff > 0 else '下降'}{abs(diff) / before * 100:.1f}%）" if before else ""
    return f"比{base}{verb}{amount}{pct}"


def points_zh(current: float, before: float | None, base: str = "上年同期") -> str:
    """Change of a rate in percentage points: '比上年同期提高5.3个百分点'."""
    if before is None or math.isnan(before) or math.isnan(current):
        return ""
    pp = (current - before) * 100
    if abs(pp) < 0.05:
        return f"与{base}持平"
    return f"比{base}{'提高' if pp > 0 else '下降'}{abs(pp):.1f}个百分点"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"
