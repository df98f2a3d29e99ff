"""Golden rows → expected indicator values (rows in tests/golden_warehouse.py, worked by hand)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics import queries
from analytics.filters import Filters
from analytics.indicators import CATALOGUE
from analytics.queries_attention import attention, matching_gaps
from analytics.queries_petitions import mediation_funnel
from tests import golden_warehouse


@pytest.fixture(scope="module")
def golden_path(tmp_path_factory):
    return golden_warehouse.build(tmp_path_factory.mktemp("golden") / "w.duckdb")


@pytest.fixture(autouse=True)
def _golden(golden_path, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(golden_path))


Y2012 = Filters(region="150000", start=date(2012, 1, 1), end=date(2012, 12, 1))

# code, expected value for 内蒙古 2012, expected value a year earlier (2011)
GOLDEN = [
    ("registered", 3, 4),  # p2 exits 2012-06-30; p3 registered 2011-11
    ("relieved", 3, 3),  # 2012: p1 p2 p4 (p3's 2011-12-20 is in 2011)
    ("coverage", 1.0, 0.75),
    ("relief_amount", 2900, 1300),
    ("amount_per_person", 2900 / 3, 1300 / 3),
    ("festival_persons", 3, 1),  # season 2012 takes r4 of 2011-12-20
    ("festival_amount", 2100, 600),
    ("fund_allocated", 12000, 1000),
    ("fund_received", 10000, 800),
    ("fund_disbursed", 2900, 1300),
    ("fund_execution", 0.26, 1100 / 800),  # allocated sources only: r2, r7 (union_own) out
    ("matching_arrival", 1000 / 3000, None),
    ("trained", 2, 1),
    ("training_completion", 2 / 3, 1.0),
    ("placement_6m", 0.5, 1.0),
    ("placements", 2, 1),
    ("loans", 1, 2),
    ("loan_repayment", 0.5, None),
    ("jobs_per_loan", 3, 3),
    ("petitions", 4, 1),
    ("collective", 1, 0),
    ("skip_level_share", 0.25, 0.0),
    ("resolution_rate", 2 / 3, 1.0),
    ("days_to_close", 20, 4),
    ("union_coverage", 110 / 150, 70 / 90),
    ("bargaining_coverage", 75 / 110, 50 / 70),
    ("congress_coverage", 50 / 110, 35 / 70),
    ("harmonious_share", 84 / 110, 50 / 70),
    ("reception_days", 4, None),
    ("proposal_completion", 9 / 15, None),
    ("card_holders", 2, 1),
    ("medical_discounts", 320, None),
]


def test_every_indicator_has_a_golden_row():
    assert {c for c, *_ in GOLDEN} | {"relief_count", "loan_amount", "matching_allocated",
                                      "matching_received"} == {i.code for i in CATALOGUE}


@pytest.mark.parametrize(("code", "value", "year_ago"), GOLDEN)
def test_kpi_golden(code, value, year_ago):
    row = queries.kpis([code], Y2012).row(0, named=True)
    assert row["value"] == pytest.approx(value)
    assert (row["year_ago"] is None and year_ago in (None, 0)) or \
        row["year_ago"] == pytest.approx(year_ago)


@pytest.mark.parametrize(("region", "expected"), [
    ("000000", 3), ("150700", 2), ("150702", 2), ("150702001", 1), ("150422", 1),
    ("451030", None),
])
def test_region_filter_follows_hierarchy(region, expected):
    f = Filters(region=region, start=Y2012.start, end=Y2012.end)
    assert queries.kpis(["relieved"], f)["value"][0] == expected


def test_cuts_fund_source_and_category():
    by_source = Filters(region="000000", start=Y2012.start, end=Y2012.end,
                        fund_source="central_special")
    assert queries.kpis(["relief_amount"], by_source)["value"][0] == 1800  # r1 + r5
    by_cat = Filters(region="000000", start=Y2012.start, end=Y2012.end, category="low_income")
    # low income: p1 and p4 on file and both relieved
    assert queries.kpis(["coverage"], by_cat)["value"][0] == 1.0


def test_previous_period_is_the_range_just_before():
    f = Filters(region="150702", start=date(2012, 4, 1), end=date(2012, 6, 1))
    row = queries.kpis(["relief_amount"], f).row(0, named=True)
    assert (row["value"], row["previous"]) == (300, 800 + 800)  # Apr–Jun vs Jan–Mar


def test_trend_has_one_row_per_period_with_year_ago():
    f = Filters(region="000000", start=date(2011, 1, 1), end=date(2012, 12, 1))
    df = queries.trend(["relief_amount"], f)
    assert df["period"].to_list() == [date(2011, 1, 1), date(2012, 1, 1)]
    assert df["value"].to_list() == [1300, 2900]
    assert df["year_ago"].to_list() == [None, 1300]


def test_quarterly_trend_and_station_drill():
    f = Filters(region="150702", start=date(2012, 1, 1), end=date(2012, 6, 1),
                granularity="quarter")
    df = queries.trend(["relief_amount"], f)
    assert dict(zip(df["period"], df["value"], strict=True)) == {
        date(2012, 1, 1): 1600, date(2012, 4, 1): 300}
    stations = queries.breakdown(["relief_amount"], f, "region")
    assert dict(zip(stations["dim"], stations["value"], strict=True)) == {
        "150702001": 1100, "150702002": 800}


MONTHS_2012 = [date(2012, m, 1) for m in range(1, 13)]


def test_monthly_trend_spans_the_period_flows_zero_rates_gaps():
    """Every month of the range, first and last the filter's; a month without rows inside
    the table's data is 0 for a flow and a gap (null) for a rate; months after the table's
    last row are gaps. Relief, which help stations report month by month, is a gap in a month
    no station sent rows or a 零报告 for (tests/analytics/test_unreported_months.py)."""
    df = queries.trend(["petitions", "skip_level_share", "relief_amount"],
                       Filters(region="000000", start=date(2012, 1, 1), end=date(2012, 12, 1),
                               granularity="month"))
    by = {c: dict(zip(g["period"], g["value"], strict=True))
          for (c,), g in df.group_by("code")}
    for code in by:
        assert sorted(by[code]) == MONTHS_2012
    # petitions: x1 Feb, x2 Mar, x3 May, x4 Jun; the table runs to 2013-03
    assert [by["petitions"][m] for m in MONTHS_2012] == [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    assert [by["skip_level_share"][m] for m in MONTHS_2012] == [
        None, 0.0, 1.0, None, 0.0, 0.0, None, None, None, None, None, None]
    # relief: Jan 1600, Mar 1000, May 300; no station reported Feb or Apr (no 零报告)
    assert [by["relief_amount"][m] for m in MONTHS_2012] == [
        1600, None, 1000, None, 300, None, None, None, None, None, None, None]
    jan_2013 = queries.trend(["petitions"], Filters(region="000000", start=date(2013, 1, 1),
                                                    end=date(2013, 2, 1), granularity="month"))
    assert jan_2013["year_ago"].to_list() == [0, 1]  # 同比 against the filled months


def test_trend_of_a_table_not_kept_at_the_level_stays_empty():
    f = Filters(region="150702001", start=Y2012.start, end=Y2012.end, granularity="month")
    assert queries.trend(["petitions"], f).height == 0  # not 0 every month
    assert queries.trend(["relief_amount"], f).height == 12


def test_breakdown_by_children_of_country():
    df = queries.breakdown(["relieved"], Y2012.__class__(region="000000", start=Y2012.start,
                                                         end=Y2012.end), "region")
    assert dict(zip(df["dim"], df["value"], strict=True)) == {"150000": 3}


def test_station_level_on_a_table_without_stations_is_no_data():
    f = Filters(region="150702001", start=Y2012.start, end=Y2012.end)
    assert queries.kpis(["petitions"], f)["value"][0] is None


def test_interventions_in_scope():
    f = Filters(region="150702", start=date(2005, 1, 1), end=date(2012, 12, 1))
    assert queries.interventions(f)["intervention_id"].to_list() == ["i2", "i1"]
    g = Filters(region="451030", start=date(2005, 1, 1), end=date(2012, 12, 1))
    assert queries.interventions(g).is_empty()


def test_attention_names_funds_not_arrived():
    f = Filters(region="150400", start=Y2012.start, end=Y2012.end)
    df = attention(f)
    assert ("150422", "funds", 2000.0) in df.select("region", "reason", "value").rows()


@pytest.mark.parametrize(("coverages", "named"), [
    ({"a": 1.0, "b": 1.0, "c": 1.0}, []),  # a 重庆市 trial: 最低之一(100.0%) of three at 100%
    ({"a": 1.0, "b": 1.111}, []),  # full coverage beside more than full: no shortfall
    ({"a": 0.7, "b": 0.7, "c": 0.7}, []),  # level with everyone: not below the others
    ({"a": 0.6, "b": 0.7, "c": 0.9, "d": 0.95}, ["a", "b"]),  # below the middle unit only
    ({"a": 0.9, "b": 1.2}, ["a"]),
])
def test_lowest_coverage_is_named_only_below_the_others(coverages, named):
    from analytics.queries_attention import _lowest

    w = pl.DataFrame({"dim": list(coverages), "value_coverage": list(coverages.values())})
    low = _lowest(w, "value_coverage")
    assert low["region"].to_list() == named
    assert (low["score"] > 0).all() and (low["reason"] == "low_coverage").all()


def test_matching_gaps_name_bairin_left():
    df = matching_gaps(Y2012.__class__(region="000000", start=Y2012.start, end=Y2012.end))
    assert df.rows() == [("150422", 2012, 2000.0, 0.0, 2000.0)]


def test_mediation_funnel_counts_petitions_reaching_each_level():
    df = mediation_funnel(Filters(region="000000", start=date(2011, 1, 1), end=Y2012.end))
    assert df["value"].to_list() == [4, 3, 2, 1, 0]


def test_data_version_counts_batches():
    from analytics import db

    v = db.data_version()
    assert v.batches == 2 and v.loaded_at.year == 2013


def test_reopens_when_the_file_is_replaced(golden_path, tmp_path, monkeypatch):
    import os
    import shutil

    import duckdb

    path = tmp_path / "w.duckdb"
    shutil.copy(golden_path, path)
    monkeypatch.setenv("UNION_DASH_DB", str(path))
    assert queries.kpis(["petitions"], Y2012)["value"][0] == 4
    new = tmp_path / "new.duckdb"
    shutil.copy(golden_path, new)
    con = duckdb.connect(str(new))
    con.execute("DELETE FROM petitions WHERE petition_id = 'x1'")
    con.close()
    os.replace(new, path)
    assert queries.kpis(["petitions"], Y2012)["value"][0] == 3


def test_a_query_running_when_the_file_is_replaced_finishes_on_the_old_one(golden_path,
                                                                         tmp_path):
    """Another user's query, still being read when a load swaps the file in, is not cut off
    by this user's reopening (closing the old connection did: "No open result set", or
    ResourceInUseException while it executed)."""
    import os
    import shutil

    from analytics import db

    path, new = tmp_path / "w.duckdb", tmp_path / "new.duckdb"
    shutil.copy(golden_path, path)
    shutil.copy(golden_path, new)
    w = db.Warehouse(path)
    other = w._connection().cursor()  # a user mid-query, as Warehouse.rows has it
    other.execute("USE w")
    other.execute("SELECT petition_id FROM petitions ORDER BY petition_id")
    first = other.fetchone()
    os.replace(new, path)
    assert w.rows("SELECT count(*) FROM petitions")[0][0] > 0  # this user: the new file
    rest = other.fetchall()
    assert first is not None and len(rest) == w.rows("SELECT count(*) FROM petitions")[0][0] - 1
    other.close()


def test_attention_compares_counties_from_the_top_and_stations_in_a_county():
    top = attention(Filters(region="000000", start=Y2012.start, end=Y2012.end))
    assert top["region"][0] == "150422" and top["reason"][0] == "funds"
    assert set(top["region"]) <= {"150702", "150422"}  # counties, never provinces
    county = attention(Filters(region="150702", start=Y2012.start, end=Y2012.end))
    assert all(len(r) == 9 for r in county["region"])  # help stations
    assert attention(Filters(region="150702001", start=Y2012.start, end=Y2012.end)).is_empty()


def test_open_petitions_and_unfinished_follow_up_are_left_out():
    y2013 = Filters(region="150000", start=date(2013, 1, 1), end=date(2013, 12, 1))
    row = queries.kpis(["resolution_rate", "days_to_close", "placement_6m"], y2013)
    # x6 is still pending, t5's six months have not passed: no rate rather than a false 0
    assert row["value"].to_list() == [None, None, None]


def test_memo_shared_across_calls_gives_the_values_of_a_cold_scan():
    """A season KPI, then the seasons' trend that reuses its buckets, then an indicator whose
    measures were computed by an earlier call: the same values as each computed alone."""
    years = Filters(region="150000", start=date(2010, 1, 1), end=date(2013, 12, 1),
                    granularity="year")
    calls = [lambda: queries.kpis(["festival_persons", "festival_amount"], Y2012),
             lambda: queries.trend(["festival_persons", "festival_amount"], years),
             lambda: queries.trend(["relieved", "relief_amount"], Y2012),
             lambda: queries.trend(["amount_per_person"], Y2012),
             lambda: queries.breakdown(["coverage"], Y2012, "region")]
    shared = [call() for call in calls]
    for call, warm in zip(calls, shared, strict=True):
        queries.clear_memo()
        assert call().equals(warm)


def _counting(monkeypatch, method: str) -> list[str]:
    """The statements run through db.Warehouse.`method` from now on."""
    from analytics import db

    ran, plain = [], getattr(db.Warehouse, method)

    def counted(self, query, params=None):
        ran.append(query)
        return plain(self, query, params)

    monkeypatch.setattr(db.Warehouse, method, counted)
    return ran


def test_interventions_of_a_region_are_read_once_and_each_range_filters_them(monkeypatch):
    queries.clear_memo()
    ran = _counting(monkeypatch, "sql")
    ranges = [(date(2005, 1, 1), date(2012, 12, 1), ["i2", "i1"]),
              (date(2008, 7, 1), date(2010, 7, 1), ["i2", "i1"]),  # both first days counted
              (date(2008, 8, 1), date(2010, 6, 1), []),
              (date(2010, 7, 1), date(2012, 12, 1), ["i1"])]
    for start, end, ids in ranges:
        f = Filters(region="150702", start=start, end=end)
        assert queries.interventions(f)["intervention_id"].to_list() == ids
    assert len(ran) == 1  # one region: one query
    queries.clear_memo()  # a new view reads again
    queries.interventions(Filters(region="150702", start=date(2005, 1, 1), end=Y2012.end))
    assert len(ran) == 2


def test_in_view_asks_about_a_table_once_per_view(monkeypatch):
    from analytics import coverage

    queries.clear_memo()
    ran = _counting(monkeypatch, "rows")
    f = Filters(region="150702", start=Y2012.start, end=Y2012.end)
    first = coverage.in_view(f, ("relief", "petitions"))
    assert coverage.in_view(f, ("petitions", "relief")) == {t: first[t] for t in
                                                            ("petitions", "relief")}
    assert coverage.in_view(f, ("relief",)) == {"relief": first["relief"]}
    asked = len(ran)
    other = Filters(region="150702", start=date(2030, 1, 1), end=date(2030, 12, 1))
    assert coverage.in_view(other, ("relief",)) == {"relief": "none"}  # another range: asked
    assert len(ran) == asked + 1 and first == {"relief": "rows", "petitions": "rows"}
    queries.clear_memo()
    assert coverage.in_view(f, ("petitions", "relief")) == {"petitions": "rows",
                                                            "relief": "rows"}
    assert len(ran) == asked + 2


def test_a_statement_parsed_once_binds_each_call_s_values_on_any_cursor():
    """db keeps each statement text parsed: later calls, other threads' cursors and other
    values get their own rows; a text of two statements still runs whole."""
    from concurrent.futures import ThreadPoolExecutor

    from analytics import db

    sql = "SELECT count(*) FROM petitions WHERE received_on >= $d"
    counts = {d: db.rows(sql, {"d": d})[0][0] for d in (date(2000, 1, 1), date(2013, 1, 1))}
    assert sql in db._PARSED and counts[date(2000, 1, 1)] > counts[date(2013, 1, 1)]
    with ThreadPoolExecutor(4) as pool:
        again = list(pool.map(lambda d: db.rows(sql, {"d": d})[0][0], list(counts) * 8))
    assert again == list(counts.values()) * 8
    assert db.query(sql, {"d": date(2000, 1, 1)}).item() == counts[date(2000, 1, 1)]
    assert db.rows("SELECT 1; SELECT 2") == [(2,)]
