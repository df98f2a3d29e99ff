"""Marts: fact tables summed at load by month, place and the dimensions a page cuts by, so a
page's sums read a table whose size follows the regions, months and categories it shows, not
the rows loaded (etl/marts.py writes them, analytics/derived.py reads them).

A mart keeps one grouping set per breakdown: `dim` = '' holds the sums by month and place
(and the filter bar's cuts the table records), `dim` = a column's name the same sums cut by
that column too. A measure is answered from a mart only where the catalogue's aggregate is
one of the mart's columns, word for word (`measures`), so the mart cannot drift from the
definition it stands for; the plain definition over the facts stays the reference
(tests/etl/test_marts.py compares both). Only sums and row counts are kept: distinct persons
cannot be added across months or places, and are never read from here. A median cannot be
added either, but the rows counted per value can: a quantile (`Quantile`) is read from such
counts, cumulated in the value's order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mart:
    name: str  # the mart table
    table: str  # the fact table it sums
    date_col: str  # the fact's date placing a row in its month
    places: tuple[str, ...]  # county_code, and station_code where the table keeps it
    cuts: tuple[str, ...]  # columns every grouping set keeps (the filter bar's cuts)
    dims: tuple[str, ...]  # columns a page breaks down by: one grouping set each
    measures: tuple[tuple[str, str], ...]  # (mart column, aggregate over fact rows `t`)
    # More grouping columns of every set: (name, SQL over the fact row `t`)
    keys: tuple[tuple[str, str], ...] = ()
    # Catalogue aggregates read otherwise than as the sum of a column of `measures` (a
    # condition on the whole table): catalogue aggregate → aggregate over the mart
    reads: tuple[tuple[str, str], ...] = ()

    def read(self, expr: str) -> str | None:
        """The aggregate over the mart's rows `t` giving the catalogue's aggregate `expr`."""
        found = dict(self.reads).get(expr)
        column = next((c for c, e in self.measures if e == expr), None)
        return found or (f"SUM(t.{column})" if column else None)


@dataclass(frozen=True)
class Quantile:
    """A quantile of a value of each row, over the rows dated `lag_days` or more before the
    last date on file, read from `mart`: rows counted by month, place and value (its one key,
    NULL for a row the quantile leaves out), with the last date on file (`last_on`). A month
    is wholly in or out but the month `lag_days` before the last date, which is read from
    the facts' rows of that month (analytics/derived.quantile_sql)."""
    mart: Mart
    q: float  # 0.5: the median, interpolated between the two middle values as MEDIAN is
    lag_days: int

    @property
    def value(self) -> tuple[str, str]:
        """(mart column, SQL over the fact row `t`) of the value."""
        return self.mart.keys[0]


def _counts(name: str, table: str, date_col: str, value: tuple[str, str]) -> Mart:
    """A mart of rows counted by month, county and `value` (name, SQL over the fact row), for
    one quantile (COUNTED), without breakdowns: a breakdown's quantile reads the facts."""
    return Mart(name, table, date_col, COUNTY, (), (),
                (("rows", "COUNT(*)"), ("last_on", f"max(t.{date_col})")), keys=(value,))


COUNTY = ("county_code",)
# petitions counted by days to close (NULL while open): rows by month, county and number of
# days, whatever the petitions (61k for the sample's 68k, as for a 10M replication's 1.8M)
_CLOSE_DAYS = "t.closed_on - t.received_on"
_PETITION_DAYS = _counts("petition_days_mart", "petitions", "received_on",
                         ("days", _CLOSE_DAYS))
# analytics/indicators.py's median days to close, word for word, made of the same parts
_DAYS_LAG = 180
_DAYS = (f"MEDIAN({_CLOSE_DAYS}) FILTER (WHERE t.closed_on IS NOT NULL AND "
         f"t.received_on + INTERVAL {_DAYS_LAG} DAY <= (SELECT max(received_on) FROM petitions))")
# analytics/indicators.py's fiscal sources, word for word (its ALLOCATED_SOURCES)
_ALLOCATED = "('central_special', 'provincial_special', 'local_matching')"
# analytics/indicators.py's condition of placements within six months, word for word
_SEEN = "t.end_on + INTERVAL 6 MONTH <= (SELECT max(start_on) FROM training)"
MARTS: tuple[Mart, ...] = (
    # Relief by county, without the help station (relief_monthly keeps it): a sixth of its
    # rows; views of a station, or by station, read relief_monthly.
    Mart("relief_mart", "relief", "relief_date", COUNTY, ("fund_source", "category"),
         ("relief_type", "recipient_group"),
         (("payments", "COUNT(*)"), ("amount_yuan", "SUM(t.amount_yuan)"),
          ("allocated_paid", f"SUM(t.amount_yuan) FILTER (WHERE t.fund_source IN {_ALLOCATED})"))),
    Mart("petitions_mart", "petitions", "received_on", COUNTY, (),
         ("channel", "category", "mediation_level", "outcome"),
         (("rows", "COUNT(*)"), ("last_received", "max(t.received_on)"),
          ("collective", "COUNT(*) FILTER (WHERE t.collective)"),
          ("skip_level", "COUNT(*) FILTER (WHERE t.skip_level)"),
          ("resolved", "COUNT(*) FILTER (WHERE t.outcome = 'resolved')"),
          ("settled", "COUNT(*) FILTER (WHERE t.closed_on IS NOT NULL AND "
                      "t.outcome <> 'withdrawn')"))),
    # Placement within six months counts courses ended six months before the last course
    # start on file: the day a course's outcome counts from (`seen_on`) is a key, and the
    # last start a column, so the condition is tested on the mart's rows.
    Mart("training_mart", "training", "start_on", COUNTY, (), ("course", "provider"),
         (("rows", "COUNT(*)"), ("completed", "COUNT(*) FILTER (WHERE t.completed)"),
          ("placed", "COUNT(*) FILTER (WHERE t.completed AND t.placed_within_6m)"),
          ("followed", "COUNT(*) FILTER (WHERE t.completed AND t.placed_within_6m IS NOT NULL)"),
          ("last_start", "max(t.start_on)")),
         keys=(("seen_on", "CASE WHEN t.completed AND t.placed_within_6m IS NOT NULL "
                           "THEN (t.end_on + INTERVAL 6 MONTH)::DATE END"),),
         reads=tuple((f"COUNT(*) FILTER (WHERE t.completed AND {cond} AND {_SEEN})",
                      f"SUM(CASE WHEN t.seen_on <= (SELECT max(last_start) FROM "
                      f"training_mart) THEN t.{col} ELSE 0 END)")  # 0, as COUNT gives
                     for col, cond in (("placed", "t.placed_within_6m"),
                                       ("followed", "t.placed_within_6m IS NOT NULL")))),
    Mart("placements_mart", "placements", "placed_on", COUNTY, (), ("channel",),
         (("rows", "COUNT(*)"),)),
    Mart("loans_mart", "loans", "issued_on", ("county_code", "station_code"), (), (),
         (("rows", "COUNT(*)"), ("amount_yuan", "SUM(t.amount_yuan)"),
          ("jobs", "SUM(t.jobs_created)"))),
    Mart("loans_due_mart", "loans", "due_on", ("county_code", "station_code"), (), (),
         (("rows", "COUNT(*)"), ("repaid", "COUNT(*) FILTER (WHERE t.repaid_on IS NOT NULL)"))),
    Mart("medical_benefits_mart", "medical_benefits", "benefit_on", COUNTY, (), ("kind",),
         (("discount_yuan", "SUM(t.discount_yuan)"),)),
    _PETITION_DAYS,
    Mart("npc_activities_mart", "npc_activities", "activity_on", COUNTY, (), ("kind",),
         (("reception_days", "SUM(t.count) FILTER (WHERE t.kind = 'reception_day')"),
          ("proposals", "SUM(t.count) FILTER (WHERE t.kind = 'proposal')"),
          ("proposals_done", "SUM(t.completed) FILTER (WHERE t.kind = 'proposal')"))),
)
# Catalogue aggregates read as quantiles of counts: (fact table, date column, aggregate word
# for word, made of the quantile's parts: the value, NULL where the filter leaves a row out,
# and the lag) → the quantile (MEDIAN: 0.5).
QUANTILES: dict[tuple[str, str, str], Quantile] = {
    ("petitions", "received_on", _DAYS): Quantile(_PETITION_DAYS, 0.5, _DAYS_LAG),
}
COUNTED = {q.mart.name: q for q in QUANTILES.values()}  # the marts of counts by value
BY_FACT: dict[tuple[str, str], Mart] = {(m.table, m.date_col): m for m in MARTS
                                        if m.name not in COUNTED}

# Persons counted once each: the one-place persons from monthly tables by the month of each
# person's previous row (as schema.PERSON_ROLLUPS does for relief), for fact tables the
# rollups do not keep: fact table → (mart, its columns besides the place: PERSON_INDEX's).
PERSON_MARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "training": ("training_persons", ("course", "provider")),
}
# The rows of persons with rows in several places (90 of the sample's 394k relief rows):
# every persons count adds their exact distinct count, and reads it here, not from the facts.
MULTI_SITE: dict[str, str] = {"relief": "relief_multi", "training": "training_multi",
                              "medical_cards": "medical_cards_multi"}
