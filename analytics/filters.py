"""The one filter object every query takes, and its URL form.

User values never enter SQL text: analytics.where renders a Filters into a WHERE fragment
naming bound parameters ($region, $start, ...), the one way every query reads a region, its
scope and its range. Region filters follow the hierarchy in the `regions` table, so a
province selects every county and station below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

COUNTRY = "000000"
GRANULARITIES = ("month", "quarter", "year")
# The sample's relief span: the defaults of a Filters made in code (tests, the command line).
# The dashboard's range and default view come from the data (analytics.coverage, ui.filters).
FIRST_MONTH, LAST_MONTH = date(2005, 1, 1), date(2024, 12, 1)
EVERY_MONTH = (date(1900, 1, 1), date(2999, 12, 1))  # a range that bounds nothing
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CODE = re.compile(r"^[0-9A-Za-z_]{1,32}$")


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


@dataclass(frozen=True)
class Filters:
    """Region (any level), an inclusive range of months, granularity and two optional cuts.

    `scope` is the region the user may see (their login's region, else the country): every
    analytics function refuses a `region` outside it (analytics.access). It is part of the
    object, so cached results are never shared between users of different regions."""

    region: str = COUNTRY
    start: date = FIRST_MONTH  # first day of the first month
    end: date = LAST_MONTH  # first day of the last month (inclusive)
    granularity: str = "year"
    fund_source: str | None = None
    category: str | None = None
    scope: str = COUNTRY

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {GRANULARITIES}")
        if self.start > self.end:
            raise ValueError("start after end")

    @property
    def end_day(self) -> date:
        """Last day of the range."""
        return add_months(self.end, 1) - timedelta(days=1)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def shifted(self, months: int) -> Filters:
        return replace(self, start=add_months(self.start, months), end=add_months(self.end, months))

    def year_ago(self) -> Filters:
        """The same range one year earlier (同比); a range longer than a year, as many whole
        years earlier as keep it clear of itself (one year back, 2025-2026 would be compared
        with 2024-2025, half of it the range itself)."""
        return self.shifted(-12 * -(-self.months // 12))

    def previous(self) -> Filters:
        """The range of equal length just before this one (环比)."""
        return self.shifted(-self.months)

    def all_months(self) -> Filters:
        """The same view over every month: views the range does not bound (the effects
        panel; data quality asked without a period)."""
        return replace(self, start=EVERY_MONTH[0], end=EVERY_MONTH[1])

    # --- the URL form: codes only, so a link means the same in either language ---
    def to_query(self) -> dict[str, str]:
        """Query parameters of this view (the optional cuts only when set)."""
        out = {"region": self.region, "from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}",
               "gran": self.granularity, "source": self.fund_source, "cat": self.category}
        return {k: v for k, v in out.items() if v}

    @classmethod
    def from_query(cls, q: dict[str, str], base: Filters | None = None) -> Filters:
        """Filters from query parameters; a malformed value falls back to `base`. The scope
        is `base`'s: a URL never widens it (a region outside it is refused at query time)."""
        base = base or cls()
        start, end = _month(q.get("from")) or base.start, _month(q.get("to")) or base.end
        if start > end:
            start, end = base.start, base.end
        gran = q.get("gran") if q.get("gran") in GRANULARITIES else base.granularity
        return cls(region=_code(q.get("region")) or base.region, start=start, end=end,
                   granularity=gran, fund_source=_code(q.get("source")),
                   category=_code(q.get("cat")), scope=base.scope)


def long_view(f: Filters, years: int = 10, first: date = FIRST_MONTH) -> Filters:
    """The filters by whole years: the range's years, widened back to `years` years (not
    before `first`). Series kept by year or by Spring Festival season show one point per year,
    so a one-year range would draw a single dot."""
    start = min(date(f.start.year, 1, 1), date(f.end.year - years + 1, 1, 1))
    start = max(start, date(first.year, 1, 1))
    return replace(f, start=start, end=max(start, f.end), granularity="year")


def _month(text: str | None) -> date | None:
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def _code(text: str | None) -> str | None:
    return text if text and _CODE.match(text) else None


# Every month of the whole country: the default view of entries whose callers may not bound
# the range (data quality from the command line and tests).
ALL_MONTHS = Filters(start=EVERY_MONTH[0], end=EVERY_MONTH[1])
