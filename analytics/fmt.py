"""Numbers and dates as Chinese readers expect them (万元, one-decimal %, 2012年5月), or English.

Values arrive in base units: yuan, fractions for rates, plain counts.
"""

from __future__ import annotations

import math
from datetime import date

_UNIT_ZH = {"persons": "人", "days": "天", "yuan_per_person": "元/人", "per_loan": "人次/笔",
            "count": ""}
_UNIT_EN = {"persons": "", "days": " days", "yuan_per_person": " yuan/person",
            "per_loan": " jobs/loan", "count": ""}


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, unit: str, lang: str = "zh", *, compact: bool = False) -> str:
    """A value with its unit: '1,234人', '61.2万元', '12.3%', '20天' (or English).

    `compact` drops the "per ..." part of a unit ('1,766元' for 元/人) where the indicator's
    name already says it and space is short (KPI cards).
    """
    if missing(value):
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "yuan":
        return yuan(value, lang)
    if unit in ("yuan_per_person", "per_loan"):
        digits = 1 if unit == "per_loan" else 0
        text = f"{value:,.{digits}f}"
    else:
        text = f"{value:,.0f}"
    suffix = (_UNIT_EN if lang == "en" else _UNIT_ZH).get(unit, "")
    return text + (suffix.split("/")[0] if compact else suffix)


def yuan(value: float, lang: str = "zh") -> str:
    """Money: 亿元 from a hundred million (two decimals), 万元 from ten thousand (one decimal
    below ten million, none above: '2,715万元' fits a card), else 元; English in yuan."""
    if lang == "en":
        if abs(value) >= 1e6:
            return f"¥{value / 1e6:,.2f}m"
        return f"¥{value:,.0f}"
    if abs(value) >= 1e8:
        return f"{value / 1e8:,.2f}亿元"
    if abs(value) >= 1e7:
        return f"{value / 1e4:,.0f}万元"
    if abs(value) >= 1e4:
        return f"{value / 1e4:,.1f}万元"
    return f"{value:,.0f}元"


def delta(current: float | None, before: float | None, unit: str, lang: str = "zh", *,
          compact: bool = False) -> str | None:
    """Change against a comparison value: percentage points for rates, else relative %.

    `compact` writes 百分点 for 个百分点 (a KPI card's delta has room for about ten glyphs).
    """
    if missing(current) or missing(before):
        return None
    if unit == "ratio":
        pp = (current - before) * 100
        if lang == "en":
            return f"{pp:+.1f} pp"
        return f"{pp:+.1f}{'百分点' if compact else '个百分点'}"
    if before == 0:
        return None
    return f"{(current - before) / abs(before) * 100:+.1f}%"


def period(d: date, granularity: str, lang: str = "zh") -> str:
    """'2012年5月', '2012年第3季度', '2012年', '2012年春节' (or 'May 2012', '2012 Q3', ...)."""
    q = (d.month - 1) // 3 + 1
    if lang == "en":
        return {"month": f"{d:%b %Y}", "quarter": f"{d.year} Q{q}", "year": f"{d.year}",
                "season": f"Spring Festival {d.year}"}[granularity]
    return {"month": f"{d.year}年{d.month}月", "quarter": f"{d.year}年第{q}季度",
            "year": f"{d.year}年", "season": f"{d.year}年春节"}[granularity]


def month_range(start: date, end: date, lang: str = "zh") -> str:
    a, b = period(start, "month", lang), period(end, "month", lang)
    return a if a == b else (f"{a}–{b}" if lang == "en" else f"{a}至{b}")


def scale(unit: str, lang: str = "zh") -> tuple[float, str]:
    """(factor, axis unit) for plotting: yuan in 万元 for Chinese readers, rates in %."""
    if unit == "yuan":
        return (1e-4, "万元") if lang != "en" else (1.0, "yuan")
    if unit == "ratio":
        return 100.0, "%"
    label = (_UNIT_EN if lang == "en" else _UNIT_ZH).get(unit, "").strip()
    return 1.0, label
