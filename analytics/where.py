"""The one rendering of a Filters into SQL: its region, scope, cuts and range as one WHERE
fragment over a table's alias `t`, with the bound parameters that fragment uses.

Every query that filters by region goes through `render` (scans, coverage, interventions,
data quality, the effects panel), so a region means the same rows everywhere. User values
never enter the SQL text: the fragment names parameters ($region, $scope, $start, ...) and
`Where.params` holds their values. The region's subtree is a bound list ($scope) tested per
row with `list_contains`, ten times faster at 10M rows than a semi-join to a recursive CTE,
whose unknown size makes DuckDB build its hash table on the fact rows.

Rendering checks nothing: each public analytics entry checks the filters' scope once
(analytics.access) before it renders or reads a cached result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analytics.filters import COUNTRY, Filters
from analytics.reference import region_level, scope_codes

CUTS = ("fund_source", "category")  # the Filters' optional cuts, by the column they test


@dataclass(frozen=True)
class Where:
    """A WHERE fragment (conditions joined by AND) and the values of the parameters it names."""

    sql: str
    params: dict[str, object]


def days(column: str) -> str:
    """The range's condition on a date column: the day lies in the range."""
    return f"{column} BETWEEN $start AND $end_day"


def years(column: str) -> str:
    """The range's condition on a year column: the year meets the range."""
    return f"{column} BETWEEN year($start) AND year($end_day)"


def region_sql(level: str, county: str | None, station: str | None) -> str | None:
    """The condition selecting $region's rows, for a region of `level`; None when the table
    does not record the level (a help station or township in a table kept by county)."""
    if level == "station":
        return f"{station} = $region" if station else None
    if level == "township":  # a township's stations: $scope holds them
        return f"list_contains($scope, {station})" if station else None
    if level == "country":
        return "TRUE"
    return f"list_contains($scope, {county})" if county else None


def render(f: Filters, *, county: str | None = "t.county_code", station: str | None = None,
           time: str | None = None, cuts: Iterable[str] = (), level: str | None = None,
           units: Sequence[str] | None = None) -> Where | None:
    """`f` as a WHERE fragment over the table whose region columns are `county` and
    `station` (SQL expressions; None: not recorded), or None when the table is not kept at
    the region's level.

    time: the range's condition ($start, $end_day; see `days`, `years`), None where the range
    enters otherwise (a scan's buckets). cuts: the columns of CUTS the table records (a cut
    the table lacks is ignored, as the pages' measures do). level: the region's level, when
    the caller has it. units: regions to read instead of f.region (the counties of an effects
    panel; `county` is tested against them as listed)."""
    if units is not None:
        parts, values = [f"list_contains($scope, {county})"], {"scope": list(units)}
    else:
        region = region_sql(level or _level(f.region), county, station)
        if region is None:
            return None
        parts, values = [region], {"region": f.region}
        if "$scope" in region:
            values["scope"] = scope_codes(f.region)
    values |= {"start": f.start, "end_day": f.end_day}
    for column in CUTS:
        if getattr(f, column) and column in set(cuts):
            parts.append(f"t.{column} = ${column}")
            values[column] = getattr(f, column)
    if time:
        parts.append(time)
    sql = " AND ".join(parts)
    return Where(sql, used(values, sql))


def _level(code: str) -> str:
    """The region's level; a region this warehouse does not know (an empty one, a user bound
    to a region not loaded yet) is tested by its code as it stands: no rows."""
    try:
        return region_level(code)
    except KeyError:
        return "country" if code == COUNTRY else "county"


def used(params: dict, sql: str) -> dict:
    """The parameters `sql` names (DuckDB rejects named parameters a statement does not use)."""
    names = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in names}
