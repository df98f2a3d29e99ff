"""core/engine.connect: UNION_DASH_DUCKDB_THREADS holds every database the process opens to
its threads; unset or nonsense, DuckDB's default (a thread per core) stands."""

from __future__ import annotations

import duckdb
import pytest

from core import engine
from tests.served import _deployed


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT current_setting('threads')").fetchall()[0][0]


def _default() -> int:
    with duckdb.connect() as con:
        return _threads(con)


@pytest.mark.parametrize("given, expected", [("1", 1), ("3", 3), (" 2 ", 2)])
def test_the_limit_holds_file_and_memory_databases(monkeypatch, tmp_path, given, expected):
    monkeypatch.setenv(engine.THREADS_ENV, given)
    with engine.connect(str(tmp_path / "w.duckdb")) as con:
        assert _threads(con) == expected
    with engine.connect(":memory:", config={"threads": 8}) as con:  # the limit wins
        assert _threads(con) == expected
    with engine.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert _threads(con) == expected


@pytest.mark.parametrize("given", ["", "0", "-1", "two", "1.5"])
def test_without_a_positive_whole_number_duckdb_decides(monkeypatch, given):
    monkeypatch.setenv(engine.THREADS_ENV, given)
    assert engine.threads() is None
    with engine.connect() as con:
        assert _threads(con) == _default()
    with engine.connect(config={"threads": 1}) as con:  # the caller's own config stands
        assert _threads(con) == 1


def test_served_dashboards_run_as_deployed():
    """The suite's workers run one thread each (tests/conftest.py); a served dashboard does
    not inherit the limit."""
    env = _deployed({engine.THREADS_ENV: "1", "UNION_DASH_DB": "w.duckdb"})
    assert env == {"UNION_DASH_DB": "w.duckdb"}
