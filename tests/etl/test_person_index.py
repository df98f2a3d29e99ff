"""Counting persons through the derived per-person columns (etl/person_index.py) gives what
COUNT(DISTINCT person) gives, under every region level, cut, breakdown and bucket kind, and an
incremental refresh leaves the same columns as a rebuild."""

from __future__ import annotations

import random
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import derived, queries
from analytics.filters import Filters
from etl import person_index, rollups
from sample import regions as sample_regions
from tests import golden_warehouse

STATIONS = [r.region_code for r in sample_regions.all_regions() if r.level == "station"]
TYPES = ["festival_condolence", "temporary", "medical", "education", "living"]
GROUPS = ["hardship_worker", "model_worker", "temporary_relief"]
SOURCES = ["central_special", "provincial_special", "local_matching", "union_own", "donation"]
CATEGORIES = ["low_income", "laid_off", "illness", None]


def _relief_rows(rng: random.Random, persons: int, rows: int, first_id: int = 0) -> list[tuple]:
    homes = {p: rng.choice(STATIONS) for p in range(persons)}
    out = []
    for i in range(rows):
        p = rng.randrange(persons)
        # One person in ten also gets relief elsewhere (moved, or entered by two stations).
        station = rng.choice(STATIONS[:12]) if p % 10 == 0 else homes[p]
        day = date(2010, 1, 1) + timedelta(days=rng.randrange(365 * 4))
        out.append((first_id + i, p, station[:6], station, day, rng.choice(TYPES),
                    rng.choice(GROUPS), rng.choice(SOURCES), rng.randrange(100, 2000),
                    rng.choice(CATEGORIES), "b1"))
    return out


def _cards(rng: random.Random, persons: int) -> list[tuple]:
    counties = sorted({s[:6] for s in STATIONS})[:6]
    return [(p, rng.choice(counties), kind,
             date(2009, 1, 1) + timedelta(days=rng.randrange(365 * 5)), "b1")
            for p in range(0, persons, 2) for kind in rng.sample(["pharmacy", "hospital"], 2)]


def _build(path, rows: list[tuple], cards: list[tuple], persons: int) -> None:
    con = golden_warehouse.empty(path)
    con.executemany("INSERT INTO persons VALUES (?, 'x', NULL, NULL, 'b1', ?)",
                    [(p, p + 1) for p in range(persons)])
    golden_warehouse.insert(con, "relief", rows)
    golden_warehouse.insert(con, "medical_cards", cards)
    person_index.refresh(con)
    rollups.refresh(con)
    con.close()


@pytest.fixture(scope="module")
def people_db(tmp_path_factory):
    rng = random.Random(11)
    path = tmp_path_factory.mktemp("pi") / "w.duckdb"
    _build(path, _relief_rows(rng, 300, 4000), _cards(rng, 300), 300)
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
    Filters(region=STATIONS[0][:4] + "00", start=date(2010, 1, 1), end=date(2013, 12, 1)),
    Filters(region=STATIONS[0][:6], start=date(2012, 1, 1), end=date(2012, 12, 1),
            granularity="month", fund_source="central_special"),
    Filters(region=STATIONS[1], start=date(2011, 1, 1), end=date(2013, 12, 1),
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
    first, later = _relief_rows(rng, 200, 1500), _relief_rows(rng, 260, 600, first_id=1500)
    _build(tmp_path / "inc.duckdb", first, [], 260)
    con = duckdb.connect(str(tmp_path / "inc.duckdb"))
    golden_warehouse.insert(con, "relief", later)  # a later load: new rows of old and new persons
    person_index.refresh(con)
    _build(tmp_path / "all.duckdb", first + later, [], 260)
    con.execute(f"ATTACH '{tmp_path / 'all.duckdb'}' AS a")
    order = "ORDER BY relief_id"
    inc = con.sql(f"SELECT * FROM relief {order}").pl()
    full = con.sql(f"SELECT * FROM a.relief {order}").pl()
    assert inc.height == 2100 and inc["multi_site"].sum() > 0
    assert inc.equals(full)
    assert inc.filter(pl.col("person_no").is_null()).is_empty()


def test_a_warehouse_without_the_derived_columns_is_counted_the_slow_way(tmp_path, monkeypatch):
    rows, cards = _relief_rows(random.Random(3), 120, 900), _cards(random.Random(3), 120)
    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    for path in (new, old):
        _build(path, rows, cards, 120)
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
