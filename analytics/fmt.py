"""Numbers and dates as Chinese readers expect them (万元, one-decimal %, 2012年5月), or English.

Values arrive in base units: yuan, fractions for rates, plain counts. A form that differs by
language is a pair chosen with core.messages.pick, or a message of the "fmt" domain.
"""

from __future__ import annotations

import math
from datetime import date

from core.messages import pick, register, render

register("fmt", {"pp": ("{pp}个百分点", "{pp} pp"),
                 "pp_short": ("{pp}百分点", "{pp} pp"),  # a KPI card's room
                 "range": ("{a}至{b}", "{a}–{b}"),
                 # a change that rounds to 0.0: as the briefing words it, no sign to read
                 "flat": ("持平", "unchanged")})

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
    if compact and unit == "yuan_per_person":
        # '¥1,766' in English, the money form of the cards beside it ('¥1.50m'): '1,766 yuan'
        # was cut to '1,766 …' on a card of a 1,400-px-wide window
        return pick((f"{text}元", f"¥{text}"), lang)
    suffix = pick((_UNIT_ZH, _UNIT_EN), lang).get(unit, "")
    return text + (suffix.split("/")[0] if compact else suffix)


def yuan(value: float, lang: str = "zh") -> str:
    """Money: 亿元 from a hundred million (two decimals), 万元 from ten thousand (one decimal
    below ten million, none above: '2,715万元' fits a card), else 元; English in yuan."""
    return pick((_yuan_zh, _yuan_en), lang)(value)


def _yuan_en(value: float) -> str:
    if abs(value) >= 1e6:
        return f"¥{value / 1e6:,.2f}m"
    return f"¥{value:,.0f}"


def _yuan_zh(value: float) -> str:
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
    A change that rounds to 0.0 is 持平 (FLAT), as the briefing says, not '+0.0' with an arrow.
    """
    if missing(current) or missing(before):
        return None
    if unit == "ratio":
        pp = (current - before) * 100
        if abs(pp) < 0.05:
            return render("fmt.flat", lang)
        return render("fmt.pp_short" if compact else "fmt.pp", lang, pp=f"{pp:+.1f}")
    if before == 0:
        return None
    pct = (current - before) / abs(before) * 100
    return render("fmt.flat", lang) if abs(pct) < 0.05 else f"{pct:+.1f}%"


def is_flat(change: str | None, lang: str = "zh") -> bool:
    """Whether `change` (from `delta`) says 持平: a card shows it without arrow or colour."""
    return change == render("fmt.flat", lang)


def period(d: date, granularity: str, lang: str = "zh") -> str:
    """'2012年5月', '2012年第3季度', '2012年', '2012年春节' (or 'May 2012', '2012 Q3', ...)."""
    q = (d.month - 1) // 3 + 1
    return pick(({"month": f"{d.year}年{d.month}月", "quarter": f"{d.year}年第{q}季度",
                  "year": f"{d.year}年", "season": f"{d.year}年春节"},
                 {"month": f"{d:%b %Y}", "quarter": f"{d.year} Q{q}", "year": f"{d.year}",
                  "season": f"Spring Festival {d.year}"}), lang)[granularity]


def month_range(start: date, end: date, lang: str = "zh") -> str:
    a, b = period(start, "month", lang), period(end, "month", lang)
    return a if a == b else render("fmt.range", lang, a=a, b=b)


def in_wan(unit: str, lang: str = "zh") -> bool:
    """Whether figures of `unit` are shown in 万元: money, to Chinese readers (fits a card)."""
    return scale(unit, lang)[1] == "万元"


def column_format(unit: str, lang: str = "zh") -> str:
    """A table column's number format (st.column_config.NumberColumn) for values scaled by
    `scale`: one-decimal % for rates, one decimal of 万元 for Chinese money, else localized."""
    if unit == "ratio":
        return "%.1f%%"
    return "%.1f" if in_wan(unit, lang) else "localized"


def scale(unit: str, lang: str = "zh") -> tuple[float, str]:
    """(factor, axis unit) for plotting: yuan in 万元 for Chinese readers, rates in %."""
    if unit == "yuan":
        return pick(((1e-4, "万元"), (1.0, "yuan")), lang)
    if unit == "ratio":
        return 100.0, "%"
    label = pick((_UNIT_ZH, _UNIT_EN), lang).get(unit, "").strip()
    return 1.0, label
