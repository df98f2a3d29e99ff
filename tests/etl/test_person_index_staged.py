"""After a batch, etl/person_index.refresh_staged derives the touched persons' columns from
their staged rows (etl/touched.stage) instead of reading relief again: the columns come out
as a rebuild makes them, only the rows whose columns change are written and returned (for the
rollups), and a pending row of a person not staged leaves the table to `refresh`."""

from __future__ import annotations

import random

import duckdb
import pytest

from core import schema
from core.schema import PENDING
from etl import derived, person_index
from tests import golden_warehouse
from tests.etl import person_rows
from tests.warehouse_diff import rows_apart

STAGED, PERSONS, FOLLOWING, KNOWN = ("_staged_relief", "_staged_persons", "_following",
                                     "_known_last")


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    """A warehouse of a first load's rows, a later load's rows written (pending), and the
    rebuild of both loads' rows."""
    rng = random.Random(7)
    first = person_rows.relief_rows(rng, 200, 1500)
    later = person_rows.relief_rows(rng, 260, 400, first_id=1500)
    root = tmp_path_factory.mktemp("staged")
    person_rows.build(root / "all.duckdb", first + later, [], 260)
    person_rows.build(root / "first.duckdb", first, [], 260)
    return root, later


def _loaded(root, later, tmp_path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "inc.duckdb"
    path.write_bytes((root / "first.duckdb").read_bytes())
    con = duckdb.connect(str(path))
    golden_warehouse.insert(con, "relief", later)
    con.execute(f"ATTACH '{root / 'all.duckdb'}' AS a (READ_ONLY)")
    return con


def _stage(con: duckdb.DuckDBPyConnection, persons: str, following: str = "SELECT NULL") -> None:
    """Every row of `persons` staged, and the persons of `following` (persons whose new rows
    follow their last ones) apart: etl/touched.stage's tables."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PERSONS} AS SELECT DISTINCT * FROM ({persons}) "
                "t(person_key)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FOLLOWING} AS SELECT person_key FROM ("
                f"{following}) t(person_key) WHERE person_key IS NOT NULL")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {STAGED} AS SELECT rowid AS row_id, *
                    FROM relief WHERE person_key IN (SELECT person_key FROM {PERSONS})""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {KNOWN} AS "
                f"{person_index.read_last('relief', f'SELECT person_key FROM {PERSONS}')}")


def _refresh(con: duckdb.DuckDBPyConnection):
    return person_index.refresh_staged(con, "relief", STAGED, PERSONS, FOLLOWING, KNOWN)


def test_staged_persons_get_the_columns_of_a_rebuild(loads, tmp_path):
    root, later = loads
    con = _loaded(root, later, tmp_path)
    # the pending persons and a few others, whose columns stand
    _stage(con, f"SELECT person_key FROM relief WHERE {PENDING} UNION SELECT 1 UNION SELECT 2")
    columns = schema.derived_columns("relief")
    before = con.sql("SELECT * FROM relief ORDER BY relief_id").pl()
    changed = _refresh(con)
    assert changed is not None
    order = "ORDER BY relief_id"
    after = con.sql(f"SELECT * FROM relief {order}").pl()
    assert after.equals(con.sql(f"SELECT * FROM a.relief {order}").pl())
    # exactly the rows whose columns differ from the staged ones are written and returned
    differ = " OR ".join(f"s.{c} IS DISTINCT FROM r.{c}" for c in columns)
    moved = {rid for (rid,) in con.sql(f"SELECT s.row_id FROM {STAGED} s JOIN relief r "
                                       f"ON r.rowid = s.row_id WHERE {differ}").fetchall()}
    assert set(changed["rid"]) == moved
    assert len(moved) > len(later)  # the new rows and some of their persons' older rows
    assert changed["rid"].is_sorted()
    untouched = before.filter(~before["relief_id"].is_in(
        con.sql(f"SELECT relief_id FROM {STAGED}").pl()["relief_id"].implode()))
    assert untouched.height > 0
    assert untouched.equals(after.filter(after["relief_id"].is_in(
        untouched["relief_id"].implode())))


def test_a_pending_person_not_staged_is_left_to_refresh(loads, tmp_path):
    root, later = loads
    con = _loaded(root, later, tmp_path)
    _stage(con, f"SELECT min(person_key) FROM relief WHERE {PENDING}")
    pending = con.sql(f"SELECT count(*) FROM relief WHERE {PENDING}").fetchall()[0][0]
    assert pending == len(later)
    assert _refresh(con) is None
    assert con.sql(f"SELECT count(*) FROM relief WHERE {PENDING}").fetchall()[0][0] == pending
    person_index.refresh(con)
    order = "ORDER BY relief_id"
    assert con.sql(f"SELECT * FROM relief {order}").pl().equals(
        con.sql(f"SELECT * FROM a.relief {order}").pl())


def test_new_rows_after_their_persons_last_take_the_columns_of_a_rebuild(tmp_path):
    """Rows that come after every row of their persons (a monthly file in date order) get
    their columns from the persons' last rows (schema.PERSON_LAST), not from their history:
    the same columns and last rows as a rebuild, the persons' older rows not even staged."""
    rng = random.Random(11)
    rows = person_rows.relief_rows(rng, 160, 1100)  # persons 120-159 new in the later rows
    first = [r for r in rows[:900] if r[1] < 120]
    later = [(*r[:4], r[4].replace(year=2015), *r[5:]) for r in rows[900:]]
    person_rows.build(tmp_path / "all.duckdb", first + later, [], 160)
    person_rows.build(tmp_path / "inc.duckdb", first, [], 160)
    con = duckdb.connect(str(tmp_path / "inc.duckdb"))
    golden_warehouse.insert(con, "relief", later)
    con.execute(f"ATTACH '{tmp_path / 'all.duckdb'}' AS a (READ_ONLY)")
    # persons in one place, or in two before: new rows there keep them as they were
    places = """SELECT person_key FROM relief GROUP BY person_key
                HAVING bool_or({p}) AND count(DISTINCT station_code) FILTER (WHERE NOT {p})
                       = count(DISTINCT station_code) OR count(DISTINCT station_code)
                       FILTER (WHERE NOT {p}) >= 2""".format(p=f"({PENDING})")
    _stage(con, f"SELECT person_key FROM relief WHERE {PENDING}", places)
    con.execute(f"DELETE FROM {STAGED} WHERE person_key IN (SELECT person_key FROM {FOLLOWING})"
                f" AND NOT ({PENDING})")  # their older rows are not needed
    following = con.sql(f"SELECT count(*) FROM {FOLLOWING}").fetchall()[0][0]
    assert 80 < following < con.sql(f"SELECT count(*) FROM {PERSONS}").fetchall()[0][0]
    changed = _refresh(con)
    order = "ORDER BY relief_id"
    assert con.sql(f"SELECT * FROM relief {order}").pl().equals(
        con.sql(f"SELECT * FROM a.relief {order}").pl())
    last = schema.PERSON_LAST["relief"]
    assert rows_apart(con, last, f"a.{last}") == (0, 0)
    assert set(changed["rid"]) >= set(con.sql(
        "SELECT rowid FROM relief WHERE relief_id >= 900").pl()["rowid"])


def _with_last_kept(loads, tmp_path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A copy of the rebuilt warehouse, its relief_person_last kept aside as `made`."""
    root, _ = loads
    path = tmp_path / "old.duckdb"
    path.write_bytes((root / "all.duckdb").read_bytes())
    con = duckdb.connect(str(path))
    last = schema.PERSON_LAST["relief"]
    con.execute(f"CREATE TEMP TABLE made AS FROM {last}")
    return con, last


def test_an_older_warehouse_gets_its_persons_last_rows(loads, tmp_path):
    """A warehouse whose rows were derived before relief_person_last existed (empty, or not
    there at all) gets it at its next load (`migrate`), a share of the persons at a time, as
    the derivation makes it."""
    con, last = _with_last_kept(loads, tmp_path)
    assert con.sql("SELECT count(*) FROM made").fetchall()[0][0] > 200
    con.execute(f"DELETE FROM {last}")
    person_index.migrate(con)
    assert rows_apart(con, last, "made") == (0, 0)
    person_index._rebuild_last(con, "relief", chunk_rows=400)  # in 5 shares
    assert rows_apart(con, last, "made") == (0, 0)
    con.execute(f"DROP TABLE {last}")  # one older still, or a copy of its tables
    person_index.migrate(con)
    assert rows_apart(con, last, "made") == (0, 0)


def test_a_full_refresh_of_an_older_warehouse_makes_its_persons_last_rows(loads, tmp_path):
    """`python -m etl refresh` (derived.refresh_all) on a warehouse from before the table."""
    con, last = _with_last_kept(loads, tmp_path)
    con.execute(f"DROP TABLE {last}")
    derived.refresh_all(con)
    assert rows_apart(con, last, "made") == (0, 0)
