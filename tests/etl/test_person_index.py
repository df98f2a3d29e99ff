"""Counting persons through the derived per-person columns (etl/person_index.py) gives what
COUNT(DISTINCT person) gives, under every region level, cut, breakdown and bucket kind, and an
incremental refresh leaves the same columns as a rebuild."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import derived, queries
from analytics.filters import Filters
from etl import person_index
from tests import golden_warehouse
from tests.etl import person_rows


@pytest.fixture(scope="module")
def people_db(tmp_path_factory):
    rng = random.Random(11)
    path = tmp_path_factory.mktemp("pi") / "w.duckdb"
    person_rows.build(path, person_rows.relief_rows(rng, 300, 4000),
                      person_rows.cards(rng, 300), 300)
    return path


def _exact(monkeypatch) -> None:
    """Make every persons measure use COUNT(DISTINCT person_no) and every sum read the fact
    rows, not the monthly or season sums."""
    monkeypatch.setattr(derived, "gap_column", lambda *a, **k: None)
    monkeypatch.setattr(derived, "summed", lambda m, by=None: m)
    monkeypatch.setattr(derived, "season_table", lambda *a, **k: None)


VIEWS = [
    Filters(region="000000", start=date(2011, 1, 1), end=date(2012, 12, 1), granularity="month"),
    Filters(region="150000", start=date(2011, 3, 1), end=date(2013, 2, 1), granularity="quarter"),
    Filters(region=person_rows.STATIONS[0][:4] + "00", start=date(2010, 1, 1),
            end=date(2013, 12, 1)),
    Filters(region=person_rows.STATIONS[0][:6], start=date(2012, 1, 1), end=date(2012, 12, 1),
            granularity="month", fund_source="central_special"),
    Filters(region=person_rows.STATIONS[1], start=date(2011, 1, 1), end=date(2013, 12, 1),
            category="laid_off"),
    Filters(region="000000", start=date(2012, 1, 1), end=date(2012, 12, 1),
            fund_source="donation", category="illness"),
]
CODES = ["relieved", "festival_persons", "card_holders", "amount_per_person", "relief_count",
         "fund_execution", "festival_amount"]


@pytest.mark.parametrize("view", VIEWS, ids=range(len(VIEWS)))
def test_fast_person_counts_equal_distinct_counts(people_db, monkeypatch, view):
    monkeypatch.setenv("UNION_DASH_DB", str(people_db))
    results = []
    for exact in (False, True):
        queries.clear_memo()
        if exact:
            _exact(monkeypatch)
        got = [queries.kpis(CODES, view), queries.trend(CODES, view)]
        for by in ("region", "relief_type", "recipient_group", "category", "fund_source",
                   "card_kind"):
            got.append(queries.breakdown(["relieved", "card_holders", "relief_amount"], view, by))
        got.append(queries.trend(["festival_persons", "festival_amount"], view, by="region"))
        got.append(queries.breakdown(["festival_persons", "festival_amount"], view, "county"))
        results.append(got)
    queries.clear_memo()
    fast, exact = results
    assert sum(frame.height for frame in exact) > 20
    assert any(frame["value"].sum() > 0 for frame in exact)
    for a, b in zip(fast, exact, strict=True):  # counts exact; sums of money as doubles
        assert_frame_equal(a, b, check_exact=False, rel_tol=1e-9)


def test_incremental_refresh_equals_rebuild(tmp_path):
    rng = random.Random(5)
    first = person_rows.relief_rows(rng, 200, 1500)
    later = person_rows.relief_rows(rng, 260, 600, first_id=1500)
    person_rows.build(tmp_path / "inc.duckdb", first, [], 260)
    con = duckdb.connect(str(tmp_path / "inc.duckdb"))
    golden_warehouse.insert(con, "relief", later)  # a later load: new rows of old and new persons
    person_index.refresh(con)
    person_rows.build(tmp_path / "all.duckdb", first + later, [], 260)
    con.execute(f"ATTACH '{tmp_path / 'all.duckdb'}' AS a")
    order = "ORDER BY relief_id"
    inc = con.sql(f"SELECT * FROM relief {order}").pl()
    full = con.sql(f"SELECT * FROM a.relief {order}").pl()
    assert inc.height == 2100 and inc["multi_site"].sum() > 0
    assert inc.equals(full)
    assert inc.filter(pl.col("person_no").is_null()).is_empty()


def test_a_warehouse_without_the_derived_columns_is_counted_the_slow_way(tmp_path, monkeypatch):
    rows = person_rows.relief_rows(random.Random(3), 120, 900)
    cards = person_rows.cards(random.Random(3), 120)
    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    for path in (new, old):
        person_rows.build(path, rows, cards, 120)
    con = duckdb.connect(str(old))  # as if written before the load derived anything
    con.execute("UPDATE relief SET person_no = NULL, multi_site = NULL, prev_gap = NULL")
    con.execute("DELETE FROM relief_monthly")
    con.execute("DELETE FROM relief_seasons")
    con.close()
    got = []
    for path in (new, old):
        monkeypatch.setenv("UNION_DASH_DB", str(path))
        queries.clear_memo()
        got.append(queries.kpis(CODES, VIEWS[1]))
    assert "persons:relief" not in derived.ready()
    assert got[0]["value"].sum() > 0
    assert_frame_equal(got[1], got[0], check_exact=False, rel_tol=1e-9)
