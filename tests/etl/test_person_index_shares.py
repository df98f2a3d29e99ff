"""A refresh of many pending rows derives the per-person columns a share of persons at a
time (etl/person_index.py `_refresh_in_shares`), so its memory follows a share, not the
warehouse: the columns must be those derived from all the rows at once."""

from __future__ import annotations

import random

import polars as pl
import pytest

from etl import person_index
from tests import golden_warehouse
from tests.etl import person_rows

PERSONS = 300  # rows name 320 persons: 20 are not in `persons` (no person_no, one group)


def _columns(path, chunk_rows: int | None) -> dict[str, pl.DataFrame]:
    rng = random.Random(17)
    con = golden_warehouse.empty(path)
    golden_warehouse.add_rows(con, "persons", [(p, "x", None, None, "b1", p + 1)
                                               for p in range(PERSONS)])
    golden_warehouse.insert(con, "relief", person_rows.relief_rows(rng, PERSONS + 20, 3000))
    golden_warehouse.insert(con, "medical_cards", person_rows.cards(rng, PERSONS + 20))
    if chunk_rows is None:
        person_index.refresh(con)
    else:
        person_index.refresh(con, chunk_rows=chunk_rows)
    keys = {"relief": "relief_id", "medical_cards": "person_key, kind, county_code"}
    got = {t: con.sql(f"SELECT * FROM {t} ORDER BY {k}").pl() for t, k in keys.items()}
    con.close()
    return got


@pytest.fixture(scope="module")
def at_once(tmp_path_factory):
    return _columns(tmp_path_factory.mktemp("shares") / "once.duckdb", None)


def test_columns_derived_in_shares_equal_those_derived_at_once(at_once, tmp_path, monkeypatch):
    calls = []
    derive = person_index.derive
    monkeypatch.setattr(person_index, "derive",
                        lambda rows, table: calls.append((table, rows.height))
                        or derive(rows, table))
    shared = _columns(tmp_path / "shares.duckdb", chunk_rows=250)
    relief = [n for t, n in calls if t == "relief"]
    assert len(relief) == 12 and sum(relief) == 3000 and max(relief) < 3000
    assert [t for t, _ in calls].count("medical_cards") == 2  # 320 rows: two shares
    relief = at_once["relief"]
    assert relief.height == 3000 and relief["multi_site"].sum() > 0
    assert relief["person_no"].null_count() > 0  # the persons not in `persons` are covered
    assert relief["month_key"].null_count() == 0
    for table, frame in at_once.items():
        assert shared[table].equals(frame), table
