"""Briefing periods as the command line takes them: 2012, 2012Q3, 2012-05."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from analytics.filters import COUNTRY, Filters, add_months
from core.messages import Pair, pick

_FORMS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
)
_QUARTER_ZH = "一二三四"


@dataclass(frozen=True)
class Period:
    """A year, quarter or month: its first and last month and how to name it."""

    text: str
    granularity: str  # year | quarter | month
    start: date  # first day of the first month
    end: date  # first day of the last month

    def label(self, lang: str = "zh") -> str:
        """'2012年', '2012年第三季度', '2012年5月' (or '2012', '2012 Q3', 'May 2012')."""
        s, q = self.start, (self.start.month - 1) // 3
        return pick(({"year": f"{s.year}年", "quarter": f"{s.year}年第{_QUARTER_ZH[q]}季度",
                      "month": f"{s.year}年{s.month}月"},
                     {"year": f"{s.year}", "quarter": f"{s.year} Q{q + 1}",
                      "month": f"{s:%B %Y}"}), lang)[self.granularity]

    def base(self) -> Pair:
        """What 同比 compares with: 上年 for a year, 上年同期 otherwise (and in English)."""
        if self.granularity == "year":
            return Pair("上年", "the year before")
        return Pair("上年同期", "the same period a year before")

    def filters(self, region: str, scope: str = COUNTRY) -> Filters:
        return Filters(region=region, start=self.start, end=self.end,
                       granularity=self.granularity, scope=scope)

    def history(self, region: str, years: int = 8, scope: str = COUNTRY) -> Filters:
        """The years before and including this period, for trend charts (yearly points for a
        year, monthly points over two years for a month or quarter)."""
        if self.granularity == "year":
            return Filters(region=region, start=date(self.start.year - years + 1, 1, 1),
                           end=self.end, granularity="year", scope=scope)
        return Filters(region=region, start=add_months(self.end, -23), end=self.end,
                       granularity="month", scope=scope)


def parse_period(text: str) -> Period:
    """Period from '2012', '2012Q3' or '2012-05'; ValueError for anything else."""
    text = text.strip()
    for pattern, granularity in _FORMS:
        m = pattern.match(text)
        if not m:
            continue
        year = int(m.group(1))
        if granularity == "year":
            return Period(text, granularity, date(year, 1, 1), date(year, 12, 1))
        if granularity == "quarter":
            first = date(year, 3 * int(m.group(2)) - 2, 1)
            return Period(text, granularity, first, add_months(first, 2))
        first = date(year, int(m.group(2)), 1)
        return Period(text, granularity, first, first)
    raise ValueError(f"period {text!r}: use YYYY, YYYYQn or YYYY-MM (e.g. 2012, 2012Q3, 2012-05)")
