"""Which fact tables hold rows, and the months they speak for.

A federation starts from an empty warehouse and loads one kind of file after another, so the
filter bar's range comes from the data, not from the sample's span, and every page asks here
which of the tables it needs hold rows at all, or in the view (region and range) shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import access, db, derived
from analytics.filters import COUNTRY, Filters, add_months
from analytics.indicators import INDICATORS, TABLE_DIMS
from analytics.reference import region_level
from analytics.where import render
from core.schema import SUM_ROLLUPS

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

# Fact tables help stations send month by month, a month with nothing to report declared by a
# 零报告 (etl/zero_reports.KINDS): table → (its kind in zero_reports, the date its measures
# place rows by). A month in which no station of a region sent either is unknown there, not
# 0: its files have not come yet, or were withdrawn (analytics.queries leaves it empty).
REPORTED: dict[str, tuple[str, str]] = {"relief": ("relief", "relief_date"),
                                         "loans": ("loan", "issued_on")}


@dataclass(frozen=True)
class Coverage:
    """Rows per fact table, and the first and last month of each table that has any (or,
    for a table of REPORTED, any 零报告)."""

    rows: dict[str, int]
    months: dict[str, tuple[date, date]]

    @property
    def loaded(self) -> frozenset[str]:
        return frozenset(t for t, n in self.rows.items() if n)

    @property
    def empty(self) -> bool:
        return not self.loaded

    def span(self, tables: tuple[str, ...] | list[str] | None = None) -> tuple[date, date] | None:
        """First and last month holding a row (or a 零报告) of any of `tables` (default: every
        fact table); None when none has any."""
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
    if _has_zero_reports():  # the months stations declared nothing for speak for them too
        parts += [f"SELECT 'zero:{table}', 0, min(t.month), max(t.month) FROM zero_reports t"
                  f"{where}{' AND' if held else ' WHERE'} t.kind = '{kind}'"
                  for table, (kind, _) in REPORTED.items()]
    rows, months, declared = {}, {}, {}
    for table, n, lo, hi in db.rows(" UNION ALL ".join(parts), held and held.params):
        if table.startswith("zero:"):
            if lo is not None:
                declared[table[5:]] = (lo, hi)
            continue
        rows[table] = n
        if n:
            months[table] = (lo.replace(day=1), hi.replace(day=1))
    for table, (lo, hi) in declared.items():
        was = months.get(table, (lo, hi))
        months[table] = (min(lo, was[0]), max(hi, was[1]))
    return Coverage(rows, months)


@db.per_file
def _has_zero_reports() -> bool:
    """Whether the warehouse has the 零报告 table (one an earlier version made has not)."""
    return db.rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'zero_reports'"
                   )[0][0] > 0


def reported_months(f: Filters, table: str) -> frozenset[date]:
    """The months (first days) in which some help station in f.region sent rows of `table`
    (a table of REPORTED), of any fund or category, or a 零报告 for it: the months the
    stations speak for there. One query per warehouse file, region and table."""
    access.check(f)
    return _reported(f.region, table)


@db.per_file
def _reported(region: str, table: str) -> frozenset[date]:
    kind, day = REPORTED[table]
    source, month = table, f"date_trunc('month', t.{day})"
    if table in SUM_ROLLUPS and f"rollup:{table}" in derived.ready():
        source, month = SUM_ROLLUPS[table][0], "t.month"  # its monthly sums: far fewer rows
    where = render(Filters(region=region, scope=region), station="t.station_code")
    if where is None:
        return frozenset()
    parts = [f"SELECT DISTINCT {month}::DATE FROM {source} t WHERE {where.sql}"]
    if _has_zero_reports():
        parts.append(f"SELECT t.month FROM zero_reports t WHERE {where.sql} AND t.kind = $kind")
    return frozenset(m for (m,) in db.rows(" UNION ".join(parts),
                                           {**where.params, "kind": kind}
                                           if len(parts) > 1 else where.params))


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
    """Each table → 'rows' (rows in the region and range, or for a table of REPORTED a
    零报告 of a month in it: stations said there was nothing, a real 0), 'none' (rows, but
    none here), 'empty' (no rows at all) or 'not_kept' (the table is not kept at a help
    station's level).

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
        elif table in REPORTED and any(f.start <= m <= f.end
                                       for m in reported_months(f, table)):
            out[table] = "rows"
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
