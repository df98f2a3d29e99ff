"""DuckDB's share of memory follows the batch (etl/memory.py): a monthly file's load and
withdrawal refresh what they touched under the small share, a big file under the whole one,
and UNION_DASH_LOAD_MEMORY, when set, is the share of everything."""

from __future__ import annotations

import duckdb
import pytest

from etl import derived, memory, withdraw
from tests import messy_files as mf
from tests.withdraw_history import A_ROWS, load_into


def _shown(limit: str) -> str:
    """How DuckDB reports a memory limit once set (e.g. 700MB -> 667.5 MiB)."""
    con = duckdb.connect()
    try:
        con.sql(f"SET memory_limit = '{limit}'")
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def limits_seen(monkeypatch) -> list[str]:
    """The memory limit in force each time derived tables are refreshed."""
    seen: list[str] = []
    refresh = derived.refresh

    def watched(con, change):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return refresh(con, change)

    monkeypatch.setattr(derived, "refresh", watched)
    return seen


def test_share_follows_rows(monkeypatch):
    monkeypatch.delenv("UNION_DASH_LOAD_MEMORY", raising=False)
    assert memory.share(2_000) == memory.share(memory.SMALL_ROWS - 1) == memory.SMALL
    assert memory.share(memory.SMALL_ROWS) == memory.share() == memory.WHOLE
    monkeypatch.setenv("UNION_DASH_LOAD_MEMORY", "900MB")  # the administrator's, for all
    assert memory.share(2_000) == memory.share() == "900MB"


def test_small_batches_hold_the_small_share_and_big_ones_the_whole(tmp_path, limits_seen,
                                                                   monkeypatch):
    monkeypatch.delenv("UNION_DASH_LOAD_MEMORY", raising=False)
    db, march = tmp_path / "w.duckdb", mf.write_csv(tmp_path / "march.csv", A_ROWS)
    withdraw.withdraw(db, load_into(db, march).batch_id)
    # the file, its withdrawal, and the station registry's load when tests/registry.py
    # made the warehouse here rather than copied one it made before
    assert limits_seen[-2:] == [_shown(memory.SMALL)] * 2
    assert set(limits_seen) == {_shown(memory.SMALL)}
    monkeypatch.setattr(memory, "SMALL_ROWS", len(A_ROWS))  # its five rows count as big
    withdraw.withdraw(db, load_into(db, march).batch_id)
    assert limits_seen[-2:] == [_shown(memory.WHOLE)] * 2
