"""analytics.where.render, table by table: a Filters becomes one SQL fragment and its bound
parameters (as datasette's filter tests state each filter's SQL), the fragment selects the
rows it should on a small warehouse, and no user value ever appears in the SQL text."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analytics import db
from analytics.filters import Filters
from analytics.where import days, render, years

# A deployment of its own: a province, a city, two counties; county A has a township with a
# station under it and a station of its own, county B one station.
REGIONS = [("000000", None, "country"), ("100000", "000000", "province"),
           ("100100", "100000", "city"), ("100101", "100100", "county"),
           ("100102", "100100", "county"), ("100101001000", "100101", "township"),
           ("100101001001", "100101001000", "station"), ("100101002", "100101", "station"),
           ("100102001", "100102", "station")]
A_SUBTREE = ["100101", "100101001000", "100101001001", "100101002"]
# row number, county, station, fund source, day
FACTS = [(1, "100101", "100101001001", "union", date(2012, 1, 15)),
         (2, "100101", "100101002", "central", date(2012, 6, 30)),
         (3, "100102", "100102001", "union", date(2013, 2, 1)),
         (4, "100102", None, "union", date(2011, 12, 31))]
STATION, FUND = {"station": "t.station_code"}, {"cuts": ("fund_source",)}
EVIL = "100101' OR '1'='1"

# name, filters, render's keywords, expected SQL (None: not kept), parameter names, rows
CASES = [
    ("country", Filters(), STATION, "TRUE", set(), {1, 2, 3, 4}),
    ("province", Filters(region="100000"), {}, "list_contains($scope, t.county_code)",
     {"scope"}, {1, 2, 3, 4}),
    ("county", Filters(region="100101"), STATION, "list_contains($scope, t.county_code)",
     {"scope"}, {1, 2}),
    ("county, fund cut", Filters(region="100101", fund_source="union"), FUND,
     "list_contains($scope, t.county_code) AND t.fund_source = $fund_source",
     {"scope", "fund_source"}, {1}),
    ("cut the table lacks", Filters(region="100101", fund_source="union"), {},
     "list_contains($scope, t.county_code)", {"scope"}, {1, 2}),
    ("township", Filters(region="100101001000"), STATION,
     "list_contains($scope, t.station_code)", {"scope"}, {1}),
    ("township, no stations", Filters(region="100101001000"), {}, None, None, None),
    ("station", Filters(region="100101002"), STATION, "t.station_code = $region",
     {"region"}, {2}),
    ("station, no stations", Filters(region="100101002"), {}, None, None, None),
    ("days", Filters(region="100102", start=date(2013, 1, 1), end=date(2013, 2, 1)),
     {"time": days("t.d")},
     "list_contains($scope, t.county_code) AND t.d BETWEEN $start AND $end_day",
     {"scope", "start", "end_day"}, {3}),
    ("last day of the last month", Filters(start=date(2012, 6, 1), end=date(2012, 6, 1)),
     {"time": days("t.d")}, "TRUE AND t.d BETWEEN $start AND $end_day",
     {"start", "end_day"}, {2}),
    ("years", Filters(start=date(2012, 3, 1), end=date(2012, 5, 1)),
     {"time": years("year(t.d)")},
     "TRUE AND year(t.d) BETWEEN year($start) AND year($end_day)",
     {"start", "end_day"}, {1, 2}),
    ("units", Filters(), {"units": ["100102"]}, "list_contains($scope, t.county_code)",
     {"scope"}, {3, 4}),
    ("unknown region", Filters(region="999999", scope="999999"), STATION,
     "list_contains($scope, t.county_code)", {"scope"}, set()),
    ("hostile values", Filters(region=EVIL, fund_source="x' OR 1=1 --"), FUND,
     "list_contains($scope, t.county_code) AND t.fund_source = $fund_source",
     {"scope", "fund_source"}, set()),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("where") / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE regions (region_code VARCHAR, parent_code VARCHAR, "
                "level VARCHAR, name_zh VARCHAR, name_en VARCHAR)")
    con.executemany("INSERT INTO regions VALUES (?, ?, ?, ?, ?)",
                    [(c, p, lv, c, c) for c, p, lv in REGIONS])
    con.execute("CREATE TABLE facts (n INT, county_code VARCHAR, station_code VARCHAR, "
                "fund_source VARCHAR, d DATE)")
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?)", FACTS)
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(path))
    yield path
    mp.undo()


@pytest.mark.parametrize(("name", "f", "kw", "sql", "names", "rows"), CASES,
                         ids=[c[0] for c in CASES])
def test_render(small, name, f, kw, sql, names, rows):
    where = render(f, **kw)
    if sql is None:
        assert where is None  # the table is not kept at the region's level
        return
    assert where.sql == sql
    assert set(where.params) == names
    values = [v for p in where.params.values() for v in (p if isinstance(p, list) else [p])]
    for value in values:  # user values travel as parameters only
        assert str(value) not in where.sql
    found = db.rows(f"SELECT n FROM facts t WHERE {where.sql} ORDER BY n", where.params)
    assert {n for (n,) in found} == rows


def test_parameter_values(small):
    """The values bound: the region's subtree sorted, the range's first and last day."""
    where = render(Filters(region="100101", start=date(2012, 2, 1), end=date(2012, 2, 1)),
                   time=days("t.d"))
    assert where.params == {"scope": A_SUBTREE, "start": date(2012, 2, 1),
                            "end_day": date(2012, 2, 29)}
    assert render(Filters(region="100101002"), station="t.station_code").params == {
        "region": "100101002"}
    assert render(Filters(), units=["100102", "100101"]).params == {
        "scope": ["100102", "100101"]}
