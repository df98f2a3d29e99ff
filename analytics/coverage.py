"""Which fact tables hold rows, and the months they speak for.

A federation starts from an empty warehouse and loads one kind of file after another, so the
filter bar's range comes from the data, not from the sample's span, and every page asks here
which of the tables it needs hold rows at all, or in the view (region and range) shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import access, db
from analytics.filters import COUNTRY, Filters, add_months
from analytics.indicators import INDICATORS, TABLE_DIMS
from analytics.reference import region_level
from analytics.where import render

# Fact table → SQL of the first and last day a row speaks for. Event dates only: planned ones
# (a loan's due date, a course's end) may lie years ahead and would stretch the range into
# months with no data. Tables kept by year speak for the whole year.
SPANS: dict[str, tuple[str, str]] = {
    "relief": ("relief_date", "relief_date"),
    "hardship_files": ("registered_on", "registered_on"),
    "fund_allocations": ("make_date(year, 1, 1)", "make_date(year, 12, 31)"),
    "loans": ("issued_on", "issued_on"),
    "training": ("start_on", "start_on"),
    "placements": ("placed_on", "placed_on"),
    "medical_cards": ("issued_on", "issued_on"),
    "medical_benefits": ("benefit_on", "benefit_on"),
    "petitions": ("received_on", "received_on"),
    "union_coverage": ("make_date(year, 1, 1)", "make_date(year, 12, 31)"),
    "npc_activities": ("activity_on", "activity_on"),
}
FACT_TABLES = tuple(SPANS)

# Fact table → WHERE clause (alias `t`) of the rows that speak for $start..$end_day: stocks
# (files on record, cards held) from before the range count, as the pages' stock measures do.
IN_RANGE: dict[str, str] = {
    **{table: f"t.{lo} BETWEEN $start AND $end_day" for table, (lo, _) in SPANS.items()},
    "hardship_files": "t.registered_on <= $end_day AND coalesce(t.exited_on, $end_day) >= $start",
    "medical_cards": "t.issued_on <= $end_day",
    "loans": "(t.issued_on BETWEEN $start AND $end_day OR t.due_on BETWEEN $start AND $end_day)",
    "fund_allocations": "t.year BETWEEN year($start) AND year($end_day)",
    "union_coverage": "t.year BETWEEN year($start) AND year($end_day)",
}


@dataclass(frozen=True)
class Coverage:
    """Rows per fact table, and the first and last month of each table that has any."""

    rows: dict[str, int]
    months: dict[str, tuple[date, date]]

    @property
    def loaded(self) -> frozenset[str]:
        return frozenset(t for t, n in self.rows.items() if n)

    @property
    def empty(self) -> bool:
        return not self.loaded

    def span(self, tables: tuple[str, ...] | list[str] | None = None) -> tuple[date, date] | None:
        """First and last month holding a row of any of `tables` (default: every fact table);
        None when none has rows."""
        spans = [self.months[t] for t in (tables or FACT_TABLES) if t in self.months]
        if not spans:
            return None
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)


@db.per_file
def coverage(scope: str = COUNTRY) -> Coverage:
    """Rows and months of every fact table, in one statement; within `scope` (a user's
    region) when it is not the country."""
    # Tested by county whatever the scope's level (a region unknown to this warehouse too).
    held = None if scope == COUNTRY else render(Filters(region=scope, scope=scope),
                                                level="county")
    where = f" WHERE {held.sql}" if held else ""
    parts = [f"SELECT '{table}' AS tbl, count(*)::BIGINT AS n, min({lo}) AS lo, max({hi}) AS hi "
             f"FROM {table} t{where}" for table, (lo, hi) in SPANS.items()]
    rows, months = {}, {}
    for table, n, lo, hi in db.rows(" UNION ALL ".join(parts), held and held.params):
        rows[table] = n
        if n:
            months[table] = (lo.replace(day=1), hi.replace(day=1))
    return Coverage(rows, months)


def data_months(today: date | None = None) -> tuple[date, date]:
    """The months the filter bar offers: those holding any fact row, or, in a warehouse with
    none yet, the current year (a range must exist for the widgets to draw)."""
    span = coverage().span()
    if span:
        return span
    year = (today or date.today()).year
    return date(year, 1, 1), date(year, 12, 1)


def months_between(first: date, last: date) -> list[date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def tables_of(code: str) -> tuple[str, ...]:
    """The fact tables an indicator reads: its numerator's, then its denominator's."""
    ind = INDICATORS[code]
    tables = [ind.numerator.table] + ([ind.denominator.table] if ind.denominator else [])
    return tuple(dict.fromkeys(tables))


def in_view(f: Filters, tables: tuple[str, ...]) -> dict[str, str]:
    """Each table → 'rows' (rows in the region and range), 'none' (rows, but none here),
    'empty' (no rows at all) or 'not_kept' (the table is not kept at a help station's level).

    Each test is an EXISTS, which stops at the first row found; the tables a view asked
    about before are not asked again (a relief view names relief in three calls)."""
    access.check(f)
    loaded = coverage().loaded
    level = region_level(f.region)
    w = db.warehouse()
    view = (str(w.path), w.stamp, f.region, f.start, f.end_day)
    out, asks, params = {}, [], {}
    for table in tables:
        station = "t.station_code" if "station" in TABLE_DIMS[table] else None
        where = render(f, station=station, time=IN_RANGE[table], level=level)
        if table not in loaded:
            out[table] = "empty"
        elif where is None:
            out[table] = "not_kept"
        elif (found := _SEEN.get((*view, table))) is not None:
            out[table] = found
        else:
            asks.append(f"SELECT '{table}', EXISTS (SELECT 1 FROM {table} t WHERE {where.sql})")
            params |= where.params
    if asks:
        rows = db.rows(" UNION ALL ".join(asks), params)
        found = {table: "rows" if any_row else "none" for table, any_row in rows}
        if len(_SEEN) > _SEEN_SIZE:
            _SEEN.clear()
        _SEEN.update({(*view, t): v for t, v in found.items()})
        out.update(found)
    return {t: out[t] for t in tables}


# in_view's answers by (file, stamp, region, first day, last day, table): the range's test
# reads only the region and the days (no cut), so that is the whole key.
_SEEN: dict[tuple, str] = {}
_SEEN_SIZE = 4096


def forget_views() -> None:
    """Forget in_view's answers (benchmarks timing a new view; a file swap needs no call)."""
    _SEEN.clear()
