"""etl/warehouse.prepare skips the tables and migrations where this same code brought the
warehouse up to date before (its `deployment` row 'prepared'), and runs them all when the
code, the kinds' keys or the warehouse's tables differ from what the stamp recorded."""

from __future__ import annotations

import duckdb
import pytest

from etl import warehouse
from tests.registry import registered


@pytest.fixture
def ran(monkeypatch) -> list[int]:
    runs: list[int] = []
    up_to_date = warehouse._up_to_date
    monkeypatch.setattr(warehouse, "_up_to_date", lambda con: (runs.append(1), up_to_date(con)))
    return runs


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(registered(tmp_path / "w.duckdb"))) as con:
        yield con


def _stamp(con) -> str | None:
    rows = con.execute("SELECT value FROM deployment WHERE key = ?",
                       [warehouse.PREPARED]).fetchall()
    return rows[0][0] if rows else None


def test_a_prepared_warehouse_is_prepared_once(con, ran):
    warehouse.prepare(con)  # the registry's load left its stamp
    assert ran == [] and _stamp(con)
    warehouse.prepare(con)
    assert ran == []


def test_a_column_gone_is_made_again(con, ran):
    con.execute("ALTER TABLE load_batches DROP COLUMN loaded_by")
    warehouse.prepare(con)
    assert ran == [1]
    assert con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'load_batches'"
                       " AND column_name = 'loaded_by'").fetchall() == [(1,)]
    warehouse.prepare(con)
    assert ran == [1]


def test_other_code_or_keys_run_it_all(con, ran, monkeypatch):
    monkeypatch.setattr(warehouse, "_code_digest", lambda: "0123456789abcdef")
    warehouse.prepare(con)
    assert ran == [1] and _stamp(con).startswith("0123456789abcdef:")
    warehouse.prepare(con)
    assert ran == [1]


def test_without_its_sources_every_prepare_runs_it_all(con, ran, monkeypatch):
    monkeypatch.setattr(warehouse, "_sources", lambda: None)
    warehouse.prepare(con)
    warehouse.prepare(con)
    assert ran == [1, 1]


def test_the_digest_follows_the_kinds_natural_keys(monkeypatch):
    from etl import mappings

    before = warehouse._code_digest()
    kinds = mappings.kinds()
    relief = kinds["relief"]
    changed = {**kinds, "relief": relief.__class__(
        **{**relief.__dict__, "natural_key": relief.natural_key[:-1]})}
    monkeypatch.setattr(mappings, "kinds", lambda: changed)
    assert warehouse._code_digest() != before


def test_a_new_deployment_runs_it_all(tmp_path, ran):
    db = tmp_path / "new.duckdb"
    warehouse.init(db, ["150702"])
    assert ran == [1]
    with duckdb.connect(str(db)) as con:
        scope = con.execute("SELECT value FROM deployment WHERE key = 'scope'").fetchall()
        assert scope == [("150702",)] and _stamp(con)
