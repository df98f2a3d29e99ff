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
from etl import person_index
from tests import golden_warehouse
from tests.etl import person_rows

STAGED = "_staged_relief"


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


def _stage(con: duckdb.DuckDBPyConnection, persons: str) -> None:
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {STAGED} AS SELECT rowid AS row_id, *
                    FROM relief WHERE person_key IN ({persons})""")


def test_staged_persons_get_the_columns_of_a_rebuild(loads, tmp_path):
    root, later = loads
    con = _loaded(root, later, tmp_path)
    # the pending persons and a few others, whose columns stand
    _stage(con, f"SELECT person_key FROM relief WHERE {PENDING} UNION SELECT 1 UNION SELECT 2")
    columns = schema.derived_columns("relief")
    before = con.sql("SELECT * FROM relief ORDER BY relief_id").pl()
    changed = person_index.refresh_staged(con, "relief", STAGED)
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
    assert person_index.refresh_staged(con, "relief", STAGED) is None
    assert con.sql(f"SELECT count(*) FROM relief WHERE {PENDING}").fetchall()[0][0] == pending
    person_index.refresh(con)
    order = "ORDER BY relief_id"
    assert con.sql(f"SELECT * FROM relief {order}").pl().equals(
        con.sql(f"SELECT * FROM a.relief {order}").pl())
