"""Integer keys: a warehouse with the old text keys is converted keeping every person's
identity, a person_key collision refuses the file, surrogate ids are `row_id` of the
natural key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import duckdb
import polars as pl
import pytest

from core import engine, schema
from etl import key_types, load, mappings, parse, pseudonym, staging, warehouse
from tests import messy_files as mf
from tests.registry import registered

KEY = "keys-test-key"
X, Y, Z = mf.ID_A, mf.ID_B, mf.ID_D  # three persons
STATION = "150702001"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("UNION_DASH_KEY", KEY)


def _pk(id18: str) -> int:
    return pseudonym.person_key(id18, KEY.encode())


def _masked(id18: str) -> str:
    return id18[:6] + "*" * 8 + id18[14:]


def _relief_csv(path, *rows, station=STATION):
    """A relief roster of (ID, relief type, date, amount) rows at one station."""
    return mf.write_csv(path, [mf._row(n, pid, station, kind, "工会自筹", amount, date)
                               for n, (pid, kind, date, amount) in enumerate(rows, start=1)])


def _load(db, path) -> load.LoadReport:
    return load.load_files([path], registered(db), rejects_dir=db.parent / "rej")


def _query(db, sql: str) -> list[tuple]:
    with engine.attached(db) as con:  # ~5 ms of CPU a read, against ~20 for a connection
        return con.sql(sql).fetchall()


def _case(expr: str, mapping: dict) -> str:
    return f"CASE {expr} " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items()) + " END"


def _to_old_keys(db, ids: list[str]) -> None:
    """Store the keys as the code before the integer keys did: person_key the first 32 hex
    characters of the HMAC, relief_id the MD5 (hex) of the natural key holding that text,
    which row_replacements holds too."""
    old = {str(_pk(i)): hmac.new(KEY.encode(), i.encode(), hashlib.sha256).hexdigest()[:32]
           for i in ids}
    con = duckdb.connect(str(db))
    try:
        for table in schema.LOADED:  # the archives of replaced rows came after these keys
            con.sql(f"DROP TABLE {schema.archive(table)}")
        for table, column in con.sql(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE column_name IN "
                "('person_key', 'relief_id', 'loan_id', 'enrolment_id') "
                "ORDER BY column_name <> 'person_key'").fetchall():
            if column == "person_key":
                using = _case("CAST(person_key AS VARCHAR)", old)
            elif table == "relief":
                using = f"md5({staging.natural_key_sql(mappings.kinds()['relief'].natural_key)})"
            else:
                using = f"CAST({column} AS VARCHAR)"
            con.sql(f"ALTER TABLE {table} ALTER {column} TYPE VARCHAR USING {using}")
        first = _case("split_part(natural_key, '|', 1)", old)
        con.sql(f"UPDATE row_replacements SET natural_key = {first} "
                "|| substr(natural_key, strpos(natural_key, '|'))")
    finally:
        con.close()


def _relief_ids_and_row_ids(db) -> tuple[list[int], list[int]]:
    """Each relief row's relief_id, and row_id of its natural key computed here."""
    rows = _query(db, "SELECT relief_id, person_key, relief_date, relief_type, station_code "
                      "FROM relief ORDER BY relief_id")
    return ([r[0] for r in rows],
            [key_types.row_id((pk, day, kind, station))
             for _, pk, day, kind, station in rows])


def test_old_warehouse_is_converted_keeping_each_persons_identity(tmp_path):
    db = tmp_path / "w.duckdb"
    x_march = (X, "临时救助", "2012-03-01", "300")
    assert _load(db, _relief_csv(tmp_path / "old.csv", x_march,
                                 (Y, "两节慰问", "2012-03-02", "300"))).exit_code == 0
    _to_old_keys(db, [X, Y])
    assert _query(db, "SELECT DISTINCT typeof(person_key), length(person_key), "
                      "length(relief_id) FROM relief") == [("VARCHAR", 32, 32)]

    new = _load(db, _relief_csv(tmp_path / "new.csv", x_march, (X, "临时救助", "2012-04-01", "300"),
                                (Z, "临时救助", "2012-04-01", "300"))).files[0]

    # X's March row, sent again unchanged, matched its converted row
    assert (new.status, new.rows_inserted, new.rows_updated, new.rows_unchanged) == (
        "loaded", 2, 0, 1)
    assert _query(db, "SELECT DISTINCT data_type FROM duckdb_columns() WHERE column_name IN "
                      "('person_key', 'relief_id', 'loan_id', 'enrolment_id')") == [("UBIGINT",)]
    assert sorted(_query(db, "SELECT person_key, id_masked FROM persons")) == sorted(
        (_pk(i), _masked(i)) for i in (X, Y, Z))
    assert sorted(_query(db, "SELECT person_key, count(*) FROM relief GROUP BY ALL")) == sorted(
        [(_pk(X), 2), (_pk(Y), 1), (_pk(Z), 1)])
    # every row finds its person, with the person's number
    assert _query(db, "SELECT count(*) FROM relief r JOIN persons p USING (person_key) "
                      "WHERE r.person_no = p.person_no") == [(4,)]
    ids, expected = _relief_ids_and_row_ids(db)
    assert ids == expected


def test_conversion_keeps_the_first_arrival_of_corrected_rows(tmp_path):
    """A row corrected before the conversion keeps its first arrival: row_replacements
    links the correction to the earlier batch by the natural key's row_id."""
    db = tmp_path / "w.duckdb"
    _load(db, _relief_csv(tmp_path / "march.csv", (X, "临时救助", "2012-03-05", "300")))
    fixed = _load(db, _relief_csv(tmp_path / "fixed.csv", (X, "临时救助", "2012-03-05", "400")))
    assert fixed.files[0].rows_updated == 1
    con = duckdb.connect(str(db))
    con.execute("UPDATE load_batches SET loaded_at = CASE file_name WHEN 'march.csv' "
                "THEN TIMESTAMP '2012-04-10' ELSE TIMESTAMP '2012-09-01' END")
    con.close()
    _to_old_keys(db, [X])

    _load(db, _relief_csv(tmp_path / "other.csv", (Z, "临时救助", "2012-03-06", "300"),
                          station="150702002"))

    assert _query(db, "SELECT status, first_loaded_at FROM dq_station_months WHERE "
                      f"station_code = '{STATION}' AND month = DATE '2012-03-01'") == [
        ("reported", dt.datetime(2012, 4, 10))]


@pytest.fixture
def y_hashed_as_x(monkeypatch):
    """Y gets X's person_key: two persons, one key."""
    real = pseudonym.person_keys
    monkeypatch.setattr(pseudonym, "person_keys",
                        lambda ids, key=None, **kw: real(ids.replace(Y, X), key, **kw))


def _refused(report: load.LoadReport) -> bool:
    f = report.files[0]
    return (report.exit_code == 2 and f.status == "failed" and f.rows_inserted == 0
            and "哈希碰撞" in f.message_zh and "collision" in f.message_en)


def test_two_persons_with_one_key_in_a_file_refuse_it(tmp_path, y_hashed_as_x):
    db = tmp_path / "w.duckdb"
    report = _load(db, _relief_csv(tmp_path / "both.csv", (X, "临时救助", "2012-03-01", "300"),
                                   (Y, "临时救助", "2012-03-01", "300"),
                                   (Z, "临时救助", "2012-03-01", "300")))
    assert _refused(report)
    assert _query(db, "SELECT (SELECT count(*) FROM relief), (SELECT count(*) FROM persons), "
                      "(SELECT count(*) FROM load_batches WHERE table_name <> 'help_stations')"
                  ) == [(0, 0, 0)]


def test_ids_alike_but_for_the_birth_day_sharing_a_key_refuse_the_file(tmp_path, monkeypatch):
    """Same region, last four digits and birth year, so the same masked ID: told apart
    in the file by the full ID."""
    first, second = parse.make_id("15070219800101123"), parse.make_id("15070219800128123")
    real = pseudonym.person_keys
    monkeypatch.setattr(pseudonym, "person_keys",
                        lambda ids, key=None, **kw: real(ids.replace(second, first), key, **kw))
    db = tmp_path / "w.duckdb"
    assert _refused(_load(db, _relief_csv(tmp_path / "f.csv",
                                          (first, "临时救助", "2012-03-01", "300"),
                                          (second, "临时救助", "2012-03-01", "300"))))


def test_a_new_person_with_a_known_persons_key_is_refused(tmp_path, y_hashed_as_x):
    db = tmp_path / "w.duckdb"
    assert _load(db, _relief_csv(tmp_path / "a.csv", (X, "临时救助", "2012-03-01", "300"))
                 ).exit_code == 0
    rows = "SELECT * FROM relief ORDER BY ALL", "SELECT * FROM persons ORDER BY ALL"
    before = [_query(db, sql) for sql in rows]

    assert _refused(_load(db, _relief_csv(tmp_path / "b.csv",
                                          (Y, "临时救助", "2012-04-01", "300"))))
    assert [_query(db, sql) for sql in rows] == before
    # X again is the same person, not a collision
    again = _load(db, _relief_csv(tmp_path / "c.csv", (X, "临时救助", "2012-05-01", "300")))
    assert again.exit_code == 0
    assert _query(db, "SELECT person_key, id_masked FROM persons") == [(_pk(X), _masked(X))]


def test_a_person_whose_rows_are_all_rejected_is_not_stored(tmp_path):
    """Persons come from the file's valid IDs, but only those with a row loaded count."""
    db = tmp_path / "w.duckdb"
    report = _load(db, _relief_csv(tmp_path / "f.csv", (X, "临时救助", "2012-03-01", "300"),
                                   (Y, "临时救助", "2012-03-01", "-5"),
                                   (Y, "没有这种救助", "2012-04-01", "300")))
    assert report.exit_code == 3 and report.files[0].rows_rejected == 2
    assert _query(db, "SELECT person_key FROM persons") == [(_pk(X),)]


def test_relief_ids_are_row_ids_of_the_natural_key(tmp_path):
    db = tmp_path / "w.duckdb"
    _load(db, mf.bom_csv(tmp_path))  # into an empty table
    _load(db, mf.station_csv(tmp_path, "s.csv", "150702002", Z, "2012-06-01"))  # upsert
    ids, expected = _relief_ids_and_row_ids(db)
    assert len(set(ids)) == len(ids) == 4 and ids == expected


def test_ids_of_the_former_hash_are_made_again_with_the_per_person_columns(tmp_path):
    """A warehouse whose ids are 64 bits of the MD5 of the natural key text (the scheme
    before the ids were hashed from the columns) gets new ids on its next load; the
    per-person columns, which order one person's rows of a day by id, are made again, and
    the monthly tables from them. A corrected row still finds its first arrival."""
    db = tmp_path / "w.duckdb"
    _load(db, _relief_csv(tmp_path / "march.csv", (X, "临时救助", "2012-03-05", "300"),
                          (X, "两节慰问", "2012-03-05", "200"), (Y, "临时救助", "2012-03-06", "300")))
    fixed = _load(db, _relief_csv(tmp_path / "fixed.csv", (X, "临时救助", "2012-03-05", "400")))
    assert fixed.files[0].rows_updated == 1
    con = duckdb.connect(str(db))
    try:
        natural_key = staging.natural_key_sql(mappings.kinds()["relief"].natural_key)
        con.sql(f"UPDATE relief SET relief_id = (md5_number({natural_key}) & {2**64 - 1}"
                "::UHUGEINT)::UBIGINT, prev_gap = -999")
        con.sql("DELETE FROM relief_persons")
        # as that version left it: without this version's stamp (etl/warehouse.PREPARED)
        con.sql(f"DELETE FROM deployment WHERE key = '{warehouse.PREPARED}'")
    finally:
        con.close()

    _load(db, _relief_csv(tmp_path / "april.csv", (Z, "临时救助", "2012-04-01", "300")))

    ids, expected = _relief_ids_and_row_ids(db)
    assert len(ids) == 4 and ids == expected
    assert _query(db, "SELECT count(*) FROM relief WHERE prev_gap = -999"
                  ) == [(0,)]
    assert _query(db, "SELECT count(*) FROM relief_persons") != [(0,)]
    assert _query(db, "SELECT count(*) FROM row_replacements") == [(1,)]


def test_row_ids_agree_in_polars_sql_and_python():
    """One id function in three places: Polars at load, SQL for conversions and for natural
    keys as text, Python."""
    rows = pl.DataFrame(
        {"person_key": [2**64 - 5, 7, None], "relief_date": [dt.date(2012, 5, 4),
                                                            dt.date(1960, 1, 1), None],
         "relief_type": ["temporary", None, "medical"], "station_code": ["150702001"] * 3},
        schema={"person_key": pl.UInt64, "relief_date": pl.Date, "relief_type": pl.String,
                "station_code": pl.String})
    key = mappings.kinds()["relief"].natural_key
    python = [key_types.row_id(r) for r in rows.select(key).rows()]
    con = duckdb.connect()
    con.register("rows", rows)
    sql = [r[0] for r in con.sql("SELECT " + key_types.row_id_sql(key_types.key_sql("relief"))
                                 + " FROM rows").fetchall()]
    as_text = [r[0] for r in con.sql(
        "SELECT " + key_types.row_id_of_text_sql(staging.natural_key_sql(key), "relief")
        + " FROM rows").fetchall()]
    assert len(set(python)) == 3
    assert key_types.row_ids(rows, key).to_list() == python
    assert sql == as_text == python


@pytest.mark.parametrize("table", sorted(key_types.SURROGATE_IDS))
def test_every_surrogate_id_of_the_sample_is_its_row_id(sample_db, table):
    """Loans and enrolments as well as relief: the id loaded is the SQL id of the row's key
    columns, so a warehouse is never renumbered without need."""
    column = key_types.SURROGATE_IDS[table]
    ids = key_types.row_id_sql(key_types.key_sql(table))
    rows, differ = _query(sample_db, f"SELECT count(*), count(*) FILTER ({column} <> {ids}) "
                                     f"FROM {table}")[0]
    assert rows > 0 and differ == 0
