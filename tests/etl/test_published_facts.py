"""The facts published as Hive-partitioned Parquet (etl/publish.py), read by a second reader
(pyarrow.dataset, not DuckDB): the same totals per table and year as the dashboard's
analytics and the same rows as the warehouse, after loads, a correction and a withdrawal;
a change rewrites only the partitions its batch touched."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from analytics import queries
from analytics.filters import COUNTRY, Filters
from core import warehouse as paths
from etl import __main__ as cli
from etl import publish, withdraw
from tests import messy_files as mf
from tests.withdraw_history import A_ROWS, B_ROWS, load_into, row

# Indicator → (fact table, what pyarrow computes over that table's year)
KPIS = {"relieved": ("relief", "persons"), "relief_amount": ("relief", "amount_yuan"),
        "relief_count": ("relief", "rows"), "trained": ("training", "persons"),
        "petitions": ("petitions", "rows"), "loans": ("loans", "rows"),
        "loan_amount": ("loans", "amount_yuan"), "placements": ("placements", "rows"),
        "medical_discounts": ("medical_benefits", "discount_yuan")}


def _read(facts: Path, table: str) -> ds.Dataset:
    return ds.dataset(facts / table, format="parquet", partitioning="hive")


def _arrow_value(facts: Path, table: str, what: str, year: int) -> float | None:
    if not (facts / table).exists():
        return None
    rows = _read(facts, table).to_table(filter=ds.field("year") == year)
    if rows.num_rows == 0:
        return None
    if what == "rows":
        return rows.num_rows
    if what == "persons":
        return len(pc.unique(rows["person_key"]))
    return float(pc.sum(rows[what]).as_py())


def _assert_same_as_dashboard(db: Path, monkeypatch, years: list[int],
                              codes: list[str]) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    facts = paths.facts_dir(db)
    for year in years:
        queries.clear_memo()
        view = Filters(region=COUNTRY, start=date(year, 1, 1), end=date(year, 12, 1))
        shown = dict(queries.kpis(codes, view).select("code", "value").iter_rows())
        for code in codes:
            table, what = KPIS[code]
            got, want = _arrow_value(facts, table, what, year), shown[code]
            assert (got or 0) == pytest.approx(want or 0, rel=1e-9), (code, year, got, want)
    queries.clear_memo()


def _assert_same_rows(db: Path) -> None:
    """Every (table, year) pyarrow reads has the warehouse's rows, and no other."""
    facts = paths.facts_dir(db)
    with duckdb.connect(str(db), read_only=True) as con:
        for table, year in publish.FACTS.items():
            want = dict(con.execute(f"SELECT {year}, count(*) FROM {table} GROUP BY 1")
                        .fetchall())
            got: dict[int, int] = {}
            if (facts / table).exists():
                counts = _read(facts, table).to_table(columns=["year"]).group_by("year") \
                    .aggregate([("year", "count")])
                got = dict(zip(counts["year"].to_pylist(), counts["year_count"].to_pylist(),
                               strict=True))
            assert got == want, table


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_loads_a_correction_and_a_withdrawal_publish_what_they_touch(tmp_path, monkeypatch,
                                                                     caplog):
    db = tmp_path / "w.duckdb"
    earlier = mf.write_csv(tmp_path / "2011.csv", [
        row(1, mf.ID_A, "临时救助", "工会自筹", "250", "2011-06-01"),
        row(2, mf.ID_C, "临时救助", "工会自筹", "350", "2011-07-01")])
    load_into(db, earlier)
    facts = paths.facts_dir(db)
    assert facts == tmp_path / "w.duckdb.facts" and (facts / publish.SUCCESS).exists()
    y2011 = facts / "relief" / "year=2011" / publish.FILE
    before = _stat(y2011)

    load_into(db, mf.write_csv(tmp_path / "march.csv", A_ROWS))
    b = load_into(db, mf.write_csv(tmp_path / "march_corrected.csv", B_ROWS))  # a correction
    y2012 = facts / "relief" / "year=2012" / publish.FILE
    corrected = _stat(y2012)
    _assert_same_rows(db)
    _assert_same_as_dashboard(db, monkeypatch, [2011, 2012],
                              ["relieved", "relief_amount", "relief_count"])
    amounts = sorted(float(a) for a in pc.cast(
        _read(facts, "relief").to_table(filter=ds.field("year") == 2012)["amount_yuan"],
        "float64").to_pylist())
    assert amounts == sorted([100.0, 999.0, 300.0, 400.0, 500.0, 700.0, 300.0])

    withdraw.withdraw(db, b.batch_id, user="alice")
    assert _stat(y2012) != corrected  # written again: A's rows are back
    _assert_same_rows(db)
    _assert_same_as_dashboard(db, monkeypatch, [2011, 2012],
                              ["relieved", "relief_amount", "relief_count"])
    assert _read(facts, "relief").to_table(filter=ds.field("year") == 2012).num_rows == 5
    # three changes of 2012's rows: 2011's file is the one the first load wrote
    assert _stat(y2011) == before
    assert not list(facts.rglob(".*.tmp"))  # no half-written file left behind
    # published in the process whose dashboard queries hold the warehouse open (the upload
    # page's), with no warning
    assert "publishing the facts failed" not in caplog.text


def test_a_failed_publish_warns_and_the_next_load_repairs_it(tmp_path, monkeypatch, caplog):
    db = tmp_path / "w.duckdb"
    load_into(db, mf.write_csv(tmp_path / "march.csv", A_ROWS))
    facts = paths.facts_dir(db)

    def broken(*_a, **_k):
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(publish, "_table", broken)  # a table's years, or one year alone
        m.setattr(publish, "_partition", broken)
        b = load_into(db, mf.write_csv(tmp_path / "march_corrected.csv", B_ROWS))
    assert b.status == "loaded"  # the load stands
    assert "publishing the facts failed" in caplog.text
    assert not (facts / publish.SUCCESS).exists()  # known not to match
    # the next change (any partition) rebuilds every partition
    load_into(db, mf.write_csv(tmp_path / "2011.csv", [
        row(1, mf.ID_A, "临时救助", "工会自筹", "250", "2011-06-01")]))
    assert (facts / publish.SUCCESS).exists()
    _assert_same_rows(db)


def test_publish_facts_on_the_sample_gives_the_dashboards_totals(sample_db, tmp_path,
                                                                  monkeypatch):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(sample_db, db)
    # with the facts the build published beside it (publish_all, as publish-facts writes
    # them), as a deployed warehouse has them: the command below writes every partition
    # again; publishing the whole sample twice here cost ~2.5 s of CPU more
    shutil.copytree(paths.facts_dir(sample_db), paths.facts_dir(db))
    facts = paths.facts_dir(db)
    with duckdb.connect(str(db)) as con:
        (first, last) = con.execute("SELECT (SELECT min(year(received_on)) FROM petitions), "
                                    "(SELECT max(year(relief_date)) FROM relief)").fetchall()[0]
        # a year gone from the warehouse is gone from the files at the next full publish
        con.execute("DELETE FROM petitions WHERE year(received_on) = ?", [first])
    assert (facts / "petitions" / f"year={first}").exists()
    assert cli.main(["publish-facts", "--db", str(db)]) == 0
    assert not (facts / "petitions" / f"year={first}").exists()
    _assert_same_rows(db)
    _assert_same_as_dashboard(db, monkeypatch, [last - 1, last], list(KPIS))
    # no person's ID number, name or phone: persons (id_masked) is not published
    assert not (facts / "persons").exists()
    names = {f.name for t in publish.FACTS for f in _read(facts, t).schema}
    assert not names & {"id_masked", "id_number", "name", "phone", "person_no"}


def test_publishing_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(publish.ENABLED_ENV, "0")
    db = tmp_path / "w.duckdb"
    load_into(db, mf.write_csv(tmp_path / "march.csv", A_ROWS))
    assert not paths.facts_dir(db).exists()
    monkeypatch.setenv(paths.FACTS_ENV, str(tmp_path / "elsewhere"))  # read at call time
    assert cli.main(["publish-facts", "--db", str(db)]) == 0
    assert (tmp_path / "elsewhere" / "relief" / "year=2012" / publish.FILE).exists()
    _assert_same_rows(db)


def test_a_year_written_as_several_files_is_written_again_as_one(tmp_path, monkeypatch):
    """publish_all writes a table's years in one statement; a year DuckDB split over several
    files (here forced by a file size limit) is written again alone: one data.parquet per
    year, the warehouse's rows, no hidden folder left."""
    db = tmp_path / "w.duckdb"
    load_into(db, mf.write_csv(tmp_path / "2011.csv", [
        row(1, mf.ID_A, "临时救助", "工会自筹", "250", "2011-06-01"),
        row(2, mf.ID_C, "临时救助", "工会自筹", "350", "2011-07-01")]))
    load_into(db, mf.write_csv(tmp_path / "march.csv", A_ROWS))
    with duckdb.connect(str(db)) as con:  # 2012's rows many times: row groups of their own
        con.execute("INSERT INTO relief SELECT relief.* REPLACE (hash(relief_id, range) AS relief_id) "
                    "FROM relief, range(1, 2000) WHERE year(relief_date) = 2012")
    alone, original = [], publish._partition
    monkeypatch.setattr(publish, "WHOLE_TABLE",
                        publish.WHOLE_TABLE + ", ROW_GROUP_SIZE 2048, FILE_SIZE_BYTES 1")
    monkeypatch.setattr(publish, "_partition", lambda con, target, table, year: alone.append(
        (table, year)) or original(con, target, table, year))
    with duckdb.connect(str(db), read_only=True) as con:
        years = sum(con.execute(f"SELECT count(DISTINCT {year}) FROM {table}").fetchone()[0]
                    for table, year in publish.FACTS.items())
    assert publish.publish_all(db) == years
    assert ("relief", 2012) in alone
    facts = paths.facts_dir(db)
    assert {p.name for p in (facts / "relief").rglob("*") if p.is_file()} == {publish.FILE}
    assert not list(facts.glob(".*"))
    _assert_same_rows(db)
