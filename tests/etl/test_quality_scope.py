"""The rows a scoped refresh of a check reads are those of the keys a batch touched."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl import load, touched, withdraw
from etl.checks import fund_overspend
from tests.etl import change_files
from tests.etl.change_files import RELIEF_HEADER
from tests.quality_fixtures import relief, warehouse
from tests.registry import registered


def test_overspend_reads_the_touched_county_years_rows():
    """Relief of the touched county-years, read by runs of years (2010, 2012-2013: two
    date ranges), is exactly the rows a join on year(relief_date) picks."""
    con = warehouse(relief_rows=[
        relief("a", f"{y}-0{m}-05", station=s) for y in range(2009, 2016) for m in (1, 6)
        for s in ("150702001", "150402000")])
    con.execute(f"""CREATE TEMP TABLE {touched.COUNTY_YEARS} AS SELECT * FROM (VALUES
                    ('150702', 2010::SMALLINT), ('150402', 2012::SMALLINT),
                    ('150702', 2013::SMALLINT), ('150402', 2013::SMALLINT)) t(county_code, year)""")
    fund_overspend._touched_relief_rows(con)
    got = con.execute(f"SELECT county_code, relief_date FROM {fund_overspend.TOUCHED_RELIEF} "
                      "ORDER BY ALL").fetchall()
    want = con.execute(f"""SELECT county_code, relief_date FROM relief r
                           SEMI JOIN {touched.COUNTY_YEARS} t ON t.county_code = r.county_code
                            AND t.year = year(r.relief_date) ORDER BY ALL""").fetchall()
    assert len(got) == 8 and got == want
    con.execute(f"DELETE FROM {touched.COUNTY_YEARS}")  # a batch of no relief year
    fund_overspend._touched_relief_rows(con)
    assert con.execute(f"SELECT count(*) FROM {fund_overspend.TOUCHED_RELIEF}").fetchall() == [(0,)]


def test_amount_counts_follow_a_change_whose_files_replace_one_another(tmp_path):
    """The outlier check moves its rows per amount by the batch's signed change
    (amount_outliers.DELTA): one load of three files where the second corrects rows of the
    first (loaded earlier) and the third corrects the second's (a row written and replaced
    within the change counts neither way), then its withdrawal, leave the counts and every
    derived table a full refresh makes."""
    db = registered(tmp_path / "w.duckdb")
    *_, station = change_files.stations(db)

    def file(name: str, amounts: list[int]) -> Path:
        return change_files.csv(tmp_path / name, RELIEF_HEADER,
                                change_files.dated_rows(station, amounts, 0))

    load.load_files([file("a.csv", [300] * 20 + [500] * 5)], db, rejects_dir=tmp_path / "rej")
    done = load.load_files([file("b.csv", [300] * 15 + [700] * 10),
                            file("c.csv", [300] * 10 + [900] * 15)], db,
                           rejects_dir=tmp_path / "rej")
    assert _counts(db) == [(300, 10), (900, 15)]
    assert change_files.derived_differences(db, change_files.full_refresh_of(db, tmp_path)) == {}
    withdraw.withdraw(db, done.files[-1].batch_id)  # c's rows out, b's back
    assert _counts(db) == [(300, 15), (700, 10)]
    assert change_files.derived_differences(db, change_files.full_refresh_of(db, tmp_path)) == {}


def _counts(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql("SELECT amount_yuan::INTEGER, n FROM dq_amount_stratum_counts "
                       "WHERE relief_type = 'temporary' ORDER BY 1").fetchall()
    finally:
        con.close()
