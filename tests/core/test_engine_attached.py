"""core/engine.attached: a database file read through the process's kept in-memory DuckDB,
as a read-only connection of its own reads it: the file as it is now, and released at the
end."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from core import engine


def _made(path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])


def test_reads_the_file_as_it_is_now_and_lets_it_go(tmp_path):
    db = tmp_path / "w.duckdb"
    _made(db, 1)
    with engine.attached(db) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't' "
                           "AND database_name = current_database()").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):  # read only
            con.execute("INSERT INTO t VALUES (2)")
    other = tmp_path / "other.duckdb"
    _made(other, 2)
    os.replace(other, db)  # a swap: the next reader sees the new file
    with engine.attached(db) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [(2,)]
    _made(db, 3)  # detached: writable again in this process
    with engine.attached(db) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [(3,)]


def test_holds_the_file_as_a_read_only_connection_does(tmp_path):
    db = tmp_path / "w.duckdb"
    _made(db, 1)
    write = [sys.executable, "-c", f"import duckdb; duckdb.connect({str(db)!r}).close()"]
    with engine.attached(db):
        assert subprocess.run(write, capture_output=True).returncode != 0
    assert subprocess.run(write, capture_output=True).returncode == 0


def test_a_missing_file_is_an_error_and_the_next_reader_works(tmp_path):
    with pytest.raises(duckdb.Error):
        with engine.attached(tmp_path / "none" / "w.duckdb"):
            pass
    db = tmp_path / "w.duckdb"
    _made(db, 4)
    with engine.attached(db) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [(4,)]
