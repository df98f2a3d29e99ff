"""The marts (core/marts.py, etl/marts.py) give the figures the plain definitions give over
the facts, for regions at every level, ranges, granularities, cuts and breakdowns, on the
sample; and a mart kept for the (month, county) pairs a batch touched equals a rebuild. The
median days to close, read from petitions counted by days to close, is the rows' median also
around the month 180 days before the last petition (partly counted) and after a load that
moves that month.

The plain run reads every measure from its fact table as the catalogue defines it: sums over
the rows, persons by COUNT(DISTINCT) (no monthly, season, persons or multi-site table)."""

from __future__ import annotations

import random
import shutil
from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics import derived, queries
from analytics.filters import COUNTRY, Filters
from analytics.indicators import INDICATORS, PERSONS, TABLE_DIMS
from core import engine, schema
from core.marts import BY_FACT, MARTS, QUANTILES
from etl import marts, person_index
from sample import regions as sample_regions
from tests.warehouse_diff import rows_apart

REGIONS = sample_regions.all_regions()
STATIONS = sorted(r.region_code for r in REGIONS if r.level == "station")
BY_LEVEL = {level: sorted(r.region_code for r in REGIONS if r.level == level)
            for level in ("province", "city", "county", "station")}
# Every indicator whose measures a mart holds, and a few it does not (read from the facts in
# both runs), so a view mixes both as pages do.
CODES = list(dict.fromkeys([c for c, i in INDICATORS.items() if any(
    m and (m.table, m.date_col) in BY_FACT for m in (i.numerator, i.denominator))]
    + ["relieved", "card_holders", "coverage", "festival_persons"]))
BREAKDOWNS = ["region", "county", "course", "provider", "placement_channel",
              "petition_channel", "petition_category", "mediation_level", "petition_outcome",
              "npc_kind", "benefit_kind", "station", "card_kind", "relief_type", "fund_source"]


def _views() -> list[Filters]:
    rng = random.Random(21)
    out = [Filters(region=COUNTRY, start=date(2014, 1, 1), end=date(2014, 12, 1),
                   granularity="month"),
           Filters(region="150702", start=date(2012, 1, 1), end=date(2012, 12, 1)),
           Filters(region=STATIONS[3], start=date(2011, 7, 1), end=date(2013, 6, 1),
                   granularity="quarter", fund_source="central_special")]
    for codes in BY_LEVEL.values():  # a random region, range, granularity and cuts a level
        first = date(rng.randrange(2010, 2023), rng.randrange(1, 13), 1)
        months = rng.choice([1, 3, 7, 12, 24, 40])
        last = date(first.year + (first.month - 1 + months) // 12,
                    (first.month - 1 + months) % 12 + 1, 1)
        out.append(Filters(region=rng.choice(codes), start=first, end=last,
                           granularity=rng.choice(["month", "quarter", "year"]),
                           category=rng.choice([None, "laid_off"]),
                           fund_source=rng.choice([None, None, "union_own"])))
    return out


@pytest.fixture(scope="module")
def with_marts(sample_db, tmp_path_factory):
    """A copy of the sample warehouse whose marts are made whole here (whatever the load
    made), so the comparison does not depend on the load's step."""
    path = tmp_path_factory.mktemp("marts") / "w.duckdb"
    shutil.copyfile(sample_db, path)
    con = engine.connect(str(path))
    marts.refresh(con)
    con.close()
    return path


def _figures(view: Filters) -> list:
    out = [queries.kpis(CODES, view), queries.trend(CODES, view)]
    for by in BREAKDOWNS:
        out.append(queries.breakdown(CODES, view, by))
    out.append(queries.trend(["petitions", "loans", "trained", "relieved"], view, by="region"))
    return out


def _plainly(monkeypatch) -> None:
    """Every measure from its fact table from now on, as the catalogue defines it."""
    monkeypatch.setattr(derived, "_from_mart", lambda *a: None)
    monkeypatch.setattr(derived, "summed", lambda m, by=None: m)
    monkeypatch.setattr(derived, "gap_column", lambda *a, **k: None)
    monkeypatch.setattr(derived, "season_table", lambda *a, **k: None)
    monkeypatch.setattr(derived, "multi_site_rows", lambda table: table)


def _fast_and_plain(monkeypatch, figures) -> tuple[list, list]:
    """`figures()` read as the pages read them, then from the facts only."""
    queries.clear_memo()
    fast = figures()
    with monkeypatch.context() as plain:
        _plainly(plain)
        queries.clear_memo()
        exact = figures()
    queries.clear_memo()
    return fast, exact


def _assert_same(fast: list, exact: list) -> None:
    assert sum(f.height for f in exact) > 0
    for a, b in zip(fast, exact, strict=True):  # counts exact; money as doubles
        assert_frame_equal(a, b, check_exact=False, rel_tol=1e-9)


@pytest.mark.parametrize("view", _views(), ids=lambda v: f"{v.region}-{v.start}-{v.end}")
def test_marts_give_the_plain_definitions_figures(with_marts, monkeypatch, view):
    monkeypatch.setenv("UNION_DASH_DB", str(with_marts))
    assert {f"mart:{m.name}" for m in MARTS} | {"people:training", "multi:relief"} <= \
        derived.ready()
    _assert_same(*_fast_and_plain(monkeypatch, lambda: _figures(view)))


def _days_figures(view: Filters) -> list:
    """The median days to close as pages show it: KPI, trend, and by region and county."""
    return [queries.kpis(["days_to_close"], view), queries.trend(["days_to_close"], view),
            *(queries.breakdown(["days_to_close"], view, by) for by in ("region", "county"))]


def _late_views(last: date, seed: int) -> list[Filters]:
    """Views ending at the last petition's month, starting before the month 180 days
    earlier (partly counted), at the country and a random province, city and county."""
    rng = random.Random(seed)
    first = date(last.year - 1, last.month, 1)
    end = date(last.year, last.month, 1)
    return [Filters(region=region, start=first, end=end, granularity=granularity)
            for region, granularity in [(COUNTRY, "month"), *(
                (rng.choice(BY_LEVEL[level]), rng.choice(["month", "quarter", "year"]))
                for level in ("province", "city", "county"))]]


def _days_fast_and_plain(db, monkeypatch, seed: int) -> tuple[list, list]:
    """The median days to close of `_late_views` on warehouse `db`, as the pages read it
    (from petition_days_mart: checked) and from the facts."""
    con = engine.connect(str(db), read_only=True)
    last = con.sql("SELECT max(received_on) FROM petitions").fetchall()[0][0]
    con.close()
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    calls = []
    monkeypatch.setattr(derived, "quantile_sql", lambda *a, _f=derived.quantile_sql:
                        calls.append(a) or _f(*a))
    views = _late_views(last, seed)
    fast, exact = _fast_and_plain(monkeypatch, lambda: [
        f for v in views for f in _days_figures(v)])
    assert calls
    _assert_same(fast, exact)
    return fast, exact


def test_the_median_from_counts_is_the_rows_median(with_marts, monkeypatch):
    """Near the last petition on file (a month partly counted, later months not at all), at
    every level, even counts interpolated: the median from petition_days_mart is MEDIAN's
    over the rows, and is read from that mart."""
    fast, exact = _days_fast_and_plain(with_marts, monkeypatch, 21)
    values = pl.concat([f.select(pl.col("value").cast(pl.Float64)) for f in exact
                        if "value" in f.columns])["value"].drop_nulls()
    assert (values % 1 == 0.5).any() and (values % 1 == 0).any()  # even and odd counts
    trend = exact[1].filter(pl.col("code") == "days_to_close")
    assert trend["value"].is_null().any() and trend["value"].is_not_null().any()


def test_the_sample_views_read_the_marts(with_marts, monkeypatch):
    """The marts are read (not silently skipped): every sum of a table with a mart is read
    from it, and the median of days to close from the counts by days to close."""
    monkeypatch.setenv("UNION_DASH_DB", str(with_marts))
    measures = {m for i in INDICATORS.values() for m in (i.numerator, i.denominator)
                if m and (m.table, m.date_col) in BY_FACT and m.expr != PERSONS and not m.where}
    assert len(measures) >= 21
    for m in measures:
        got = derived.by_county(m, None, "country") or derived.summed(m, None)
        quantile = QUANTILES.get((m.table, m.date_col, m.expr))
        assert got.table == (quantile.mart if quantile else BY_FACT[(m.table, m.date_col)]
                             ).name, m
    view = Filters(region="150702", start=date(2012, 1, 1), end=date(2012, 12, 1))
    queries.clear_memo()
    assert queries.kpis(["petitions", "placement_6m", "loans"], view)["value"].is_not_null().all()


def test_every_mart_keeps_the_cuts_its_table_records():
    """A filter-bar cut (fund_source, category) the table records must be in every grouping
    set, or a cut view would read sums of other values."""
    for m in MARTS:
        cuts = {TABLE_DIMS[m.table][c] for c in ("fund_source", "category")
                if c in TABLE_DIMS[m.table]}
        assert cuts <= set(m.cuts), m.name


# The petition marts: where a test asks only whether these changed, only these are kept and
# compared (relief_mart alone holds 408k of the sample's 765k mart rows).
PETITION_MARTS = ("petitions_mart", "petition_days_mart")


def _keep(con, tag: str, only: tuple[str, ...] | None = None) -> None:
    """The marts (or those of `only`) as they are now, in temporary tables `<tag>_<mart>`."""
    for t in only or marts.tables():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {tag}_{t} AS FROM {t}")


def _kept_in(con, path, tag: str) -> None:
    """The marts of the warehouse file at `path` (the copied one, unchanged) as `_keep` keeps
    them, as views of it: nothing copied."""
    con.execute(f"ATTACH '{path}' AS {tag}_file (READ_ONLY)")
    for t in marts.tables():
        con.execute(f"CREATE TEMP VIEW {tag}_{t} AS FROM {tag}_file.{t}")


def _changed(con, tag: str, only: tuple[str, ...] | None = None) -> dict[str, tuple[int, int]]:
    """The marts (or those of `only`, kept as `tag`) whose rows differ from those kept as
    `tag` (EXCEPT ALL both ways, in SQL: the marts hold 765k rows, slow to fetch and sort in
    Python)."""
    apart = {t: rows_apart(con, t, f"{tag}_{t}") for t in only or marts.tables()}
    return {t: n for t, n in apart.items() if n != (0, 0)}


def test_a_scoped_refresh_equals_a_rebuild(with_marts, tmp_path):
    """New rows, replaced rows (archived) and a withdrawal, each followed by the refresh of
    the pairs touched: the marts as a rebuild makes them, and only those pairs rewritten."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(with_marts, path)
    con = engine.connect(str(path))
    # a batch: petitions of one county copied into a new month, and some replaced
    con.execute("""CREATE TEMP TABLE new_rows AS SELECT * REPLACE (petition_id || '~n' AS
                   petition_id, received_on + INTERVAL 3 YEAR AS received_on, 'bn' AS batch_id)
                   FROM petitions WHERE county_code = '150702' AND year(received_on) = 2015""")
    con.execute("INSERT INTO petitions SELECT * FROM new_rows")
    archive = schema.archive("petitions")
    con.execute(f"""INSERT INTO {archive} SELECT *, 'bn' FROM petitions
                    WHERE county_code = '150422' AND year(received_on) = 2013
                    AND month(received_on) = 5""")
    con.execute("""UPDATE petitions SET outcome = 'resolved', channel = 'hotline',
                   batch_id = 'bn' WHERE county_code = '150422' AND year(received_on) = 2013
                   AND month(received_on) = 5""")
    _keep(con, "before", PETITION_MARTS)
    marts.scope(con, ["bn"])
    scope = con.sql(f"SELECT count(*) FROM {marts.SCOPE} WHERE mart = 'petitions_mart'"
                    ).fetchall()[0][0]
    assert 1 < scope <= 13
    marts.refresh(con, scoped=True)
    assert set(PETITION_MARTS) <= set(_changed(con, "before", PETITION_MARTS))
    # the withdrawal: scope first, then the rows out and the replaced ones back
    marts.scope(con, ["bn"])
    con.execute("DELETE FROM petitions WHERE batch_id = 'bn'")
    con.execute(f"INSERT INTO petitions SELECT * EXCLUDE (replaced_by) FROM {archive} "
                "WHERE replaced_by = 'bn'")
    con.execute(f"DELETE FROM {archive} WHERE replaced_by = 'bn'")
    marts.refresh(con, scoped=True)
    assert not set(PETITION_MARTS) & set(_changed(con, "before", PETITION_MARTS))
    con.execute("INSERT INTO petitions SELECT * FROM new_rows")  # and in again, rebuilt
    marts.scope(con, ["bn"])
    marts.refresh(con, scoped=True)
    _keep(con, "scoped")
    marts.refresh(con)
    assert _changed(con, "scoped") == {}
    con.close()


def _scoped_as_rebuilt(con: duckdb.DuckDBPyConnection, before: str) -> None:
    """The scoped refresh changes petition_days_mart from `before` (kept: that mart at least)
    and leaves the marts as a rebuild makes them."""
    marts.refresh(con, scoped=True)
    assert "petition_days_mart" in _changed(con, before, ("petition_days_mart",))
    _keep(con, "scoped")
    marts.refresh(con)
    assert _changed(con, "scoped") == {}


def test_a_load_that_moves_the_last_petition_is_counted_as_the_rows_say(with_marts, tmp_path,
                                                                        monkeypatch):
    """Petitions received 75 days after the last on file: the month 180 days before the
    last one moves on, so months the batch did not touch count now. The scoped refresh of
    petition_days_mart equals a rebuild, the medians are the rows' (in a copy), and the
    withdrawal's scoped refresh equals a rebuild again."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(with_marts, path)
    con = engine.connect(str(path))
    _keep(con, "before", ("petition_days_mart",))
    con.execute("""INSERT INTO petitions SELECT * REPLACE (petition_id || '~l' AS petition_id,
                   (received_on + INTERVAL 75 DAY)::DATE AS received_on,
                   (closed_on + INTERVAL 75 DAY)::DATE AS closed_on, 'bl' AS batch_id)
                   FROM petitions WHERE received_on > (SELECT max(received_on) - 10
                                                       FROM petitions)""")
    marts.scope(con, ["bl"])
    _scoped_as_rebuilt(con, "before")
    con.close()
    shutil.copyfile(path, tmp_path / "read.duckdb")
    _days_fast_and_plain(tmp_path / "read.duckdb", monkeypatch, 5)
    con = engine.connect(str(path))
    _keep(con, "loaded", ("petition_days_mart",))
    marts.scope(con, ["bl"])  # withdrawn
    con.execute("DELETE FROM petitions WHERE batch_id = 'bl'")
    _scoped_as_rebuilt(con, "loaded")
    con.close()


def test_a_warehouse_from_before_a_mart_gets_it_at_its_next_load(with_marts, tmp_path):
    """A warehouse made before petition_days_mart existed (a deployed file) has it made whole
    by the next load's scoped refresh, whatever the batch touched."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(with_marts, path)
    con = engine.connect(str(path))
    _kept_in(con, with_marts, "made")
    con.execute("DROP TABLE petition_days_mart")
    marts.scope(con, ["a batch of no petitions"])
    marts.refresh(con, scoped=True)
    assert _changed(con, "made") == {}
    con.close()


def test_persons_of_a_batch_are_made_again_in_every_county_they_have_rows(with_marts, tmp_path):
    """Training rows of known persons in another county: those persons are in two places now,
    so their rows leave the one-place persons of their first county too, and enter the
    multi-site rows; a scoped refresh gives what a rebuild gives, and so does the withdrawal."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(with_marts, path)
    con = engine.connect(str(path))
    _kept_in(con, with_marts, "before")
    nulls = ", ".join(f"NULL AS {c}" for c in schema.derived_columns("training"))
    con.execute(f"""INSERT INTO training SELECT * REPLACE (hash(enrolment_id, 7) AS
                    enrolment_id, '150422' AS county_code, (start_on + INTERVAL 40 DAY)::DATE
                    AS start_on, 'bt' AS batch_id, {nulls})
                    FROM training WHERE county_code = '150702' AND year(start_on) = 2013
                    AND month(start_on) = 4""")
    person_index.refresh(con)
    moved = con.sql("SELECT count(*) FROM training WHERE multi_site").fetchall()[0][0]
    assert moved > 0
    marts.scope(con, ["bt"])
    assert {r[0] for r in con.sql(f"SELECT county_code FROM {marts.PLACES}").fetchall()} == {
        "150702", "150422"}
    marts.refresh(con, scoped=True)
    _keep(con, "scoped")
    assert con.sql("SELECT count(*) FROM training_multi").fetchall()[0][0] == moved
    assert "training_persons" in _changed(con, "before", ("training_persons",))
    marts.refresh(con)
    assert _changed(con, "scoped") == {}
    marts.scope(con, ["bt"])  # withdrawn: the scope is taken before the rows go
    con.execute("""UPDATE training SET person_no = NULL WHERE batch_id <> 'bt' AND person_key
                   IN (SELECT person_key FROM training WHERE batch_id = 'bt')""")
    con.execute("DELETE FROM training WHERE batch_id = 'bt'")
    person_index.refresh(con)
    marts.refresh(con, scoped=True)
    assert _changed(con, "before") == {}
    con.close()
