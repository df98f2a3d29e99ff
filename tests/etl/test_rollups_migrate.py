"""etl/rollups.migrate, run by `prepare`: the rollups are made again when one is empty while
its facts are not (a warehouse from before it), and left alone when its facts are empty too (a
warehouse of the registry alone: every load made them again)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from etl import rollups, warehouse
from tests.registry import registered


@pytest.fixture
def calls(monkeypatch) -> list[int]:
    made: list[int] = []
    refresh = rollups.refresh
    monkeypatch.setattr(rollups, "refresh", lambda con, **kw: (made.append(1), refresh(con, **kw)))
    return made


def test_a_warehouse_without_facts_keeps_its_empty_rollups(tmp_path, calls):
    db = registered(tmp_path / "w.duckdb")
    calls.clear()  # the registry's first load, if this process made it
    with duckdb.connect(str(db)) as con:
        warehouse.prepare(con)
        assert calls == []
        assert all(not con.sql(f"SELECT count(*) FROM {r}").fetchall()[0][0]
                   for r in rollups.tables())


def test_a_rollup_missing_beside_loaded_facts_is_made(tmp_path, loaded, calls):
    """A warehouse from before `relief_monthly`: the table made, and filled."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(loaded["dir"] / "after_a.duckdb", db)
    with duckdb.connect(str(db)) as con:
        before = {r: con.sql(f"SELECT * FROM {r} ORDER BY ALL").fetchall()
                  for r in rollups.tables()}
        assert before["relief_monthly"]
        con.execute("DROP TABLE relief_monthly")
        warehouse.prepare(con)
        assert calls == [1]
        assert {r: con.sql(f"SELECT * FROM {r} ORDER BY ALL").fetchall()
                for r in rollups.tables()} == before


def test_every_rollup_has_its_facts():
    assert sorted(rollups.tables()) == sorted(
        r for made in rollups.sources().values() for r in made)
    assert set(rollups.sources()) == {"relief", "hardship_files"}
