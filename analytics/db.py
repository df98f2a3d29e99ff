"""The dashboard's read-only view of the warehouse: one connection per process and path.

The ETL replaces the warehouse file atomically (`os.replace`), so a reader must notice the swap.
`duckdb.connect(path, read_only=True)` may hand back a cached database of the old file while
another connection to the path is open (NOTES.md); attaching the file to a fresh in-memory
connection does not, so we do that and reopen when the file's (inode, mtime) changes.
The in-memory catalogue stays writable: helper tables (festival dates) live there.
Which file is the warehouse, and its version stamp, are core/warehouse.py's (read at call time).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from core import engine, festival, warehouse_tables
from core.messages import render
from core.warehouse import DataVersion, file_stamp, warehouse_path

T = TypeVar("T")


class Warehouse:
    """A read-only warehouse; `sql()` takes a cursor per call, so threads can share it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None

    def _file_stamp(self) -> tuple[int, int]:
        return file_stamp(self.path)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        stamp = self._file_stamp()
        with self._lock:
            if self._con is None or stamp != self._stamp:
                # The old connection is left to go, not closed: other users' queries may
                # still run on its cursors, and closing it then raised ResourceInUseException
                # on this user's page (bench_sessions with a load under 8 users). Its cursors
                # keep it alive; it is freed when the last one is done.
                self._con = _open(self.path)
                self._stamp = stamp
            return self._con

    @property
    def stamp(self) -> tuple[int, int]:
        return self._file_stamp()

    def sql(self, query: str, params: dict | list | None = None) -> pl.DataFrame:
        cur = self._connection().cursor()
        try:
            cur.execute("USE w")  # a cursor starts in the in-memory catalogue
            return cur.sql(_parsed(cur, query), params=params).pl()
        finally:
            cur.close()

    def rows(self, query: str, params: dict | list | None = None) -> list[tuple]:
        """Like `sql`, as Python tuples: no Arrow or Polars for a few dozen numbers."""
        cur = self._connection().cursor()
        try:
            cur.execute("USE w")
            return cur.execute(_parsed(cur, query), params).fetchall()
        finally:
            cur.close()

    def version(self) -> DataVersion:
        stamp = self._file_stamp()
        rows = self.sql("SELECT batch_id, loaded_at FROM load_batches ORDER BY loaded_at")
        ids = tuple(rows["batch_id"].to_list())
        last = rows["loaded_at"].max() if rows.height else None
        return DataVersion(DataVersion.token_of(stamp), last, len(ids), ids)


# The parsed form of each statement text, kept for the process: a page's 20-odd statements
# are the same texts at every view (values are bound parameters), and DuckDB's parser took a
# tenth of their time (perf, 5M relief rows). A parsed statement holds no connection: cursors,
# threads and the connection of a swapped-in file share it; each execution binds its values.
_PARSED: dict[str, object] = {}
_PARSED_SIZE = 1024


def _parsed(cur: duckdb.DuckDBPyConnection, query: str) -> object:
    """`query` parsed once per process (the text itself when it holds several statements)."""
    statement = _PARSED.get(query)
    if statement is None:
        statements = cur.extract_statements(query)
        statement = statements[0] if len(statements) == 1 else query
        if len(_PARSED) >= _PARSED_SIZE:
            _PARSED.clear()
        _PARSED[query] = statement
    return statement



def _open(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise FileNotFoundError(f"warehouse not found: {path}")
    con = engine.connect(":memory:", config={"threads": os.cpu_count() or 2})
    # ATTACH takes no bound parameter; the path is ours (env/config), quoted as a literal.
    con.sql(f"ATTACH '{engine.literal(path)}' AS w (READ_ONLY)")
    con.register("festivals_df", festival.frame())
    con.sql("CREATE TABLE memory.main.spring_festivals AS SELECT * FROM festivals_df")
    con.unregister("festivals_df")
    return con


_warehouses: dict[Path, Warehouse] = {}
_registry_lock = threading.Lock()


def warehouse(path: Path | None = None) -> Warehouse:
    """The process's shared `Warehouse` for `path` (default: `warehouse_path()`)."""
    path = path or warehouse_path()
    with _registry_lock:
        if path not in _warehouses:  # also kept under the path as given: resolving it
            # (a system call per directory) cost more than some queries, a hundred times a page
            _warehouses[path] = _warehouses.setdefault(path.resolve(), Warehouse(path.resolve()))
        return _warehouses[path]


def query(sql: str, params: dict | list | None = None) -> pl.DataFrame:
    """Run one read-only query on the current warehouse; user values go in `params` only."""
    return warehouse().sql(sql, params)


def rows(sql: str, params: dict | list | None = None) -> list[tuple]:
    """`query`'s result as tuples."""
    return warehouse().rows(sql, params)


def per_file(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn`'s results kept per warehouse file and arguments, for what only a load changes
    (regions, labels, the data range and version; which derived data a file has): a page
    asks for them at every view, and a new file (a load swaps it in) starts afresh."""
    kept: dict[tuple, T] = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args: Any) -> T:
        w = warehouse()
        key = (str(w.path), w.stamp, *args)
        with lock:
            if key in kept:
                return kept[key]
        value = fn(*args)
        with lock:
            if len(kept) > 256:
                kept.clear()
            kept[key] = value
        return value

    return wrapper


@per_file
def data_version() -> DataVersion:
    return warehouse().version()


class WarehouseOlder(ValueError):
    """The warehouse lacks tables or columns this version reads (made by an earlier one)."""


def require_current() -> None:
    """Refuse, with what to run, a warehouse an earlier version made: for what reads the
    warehouse outside the dashboard's notice (a briefing by command or subscription)."""
    what = lacking()
    if what:
        path = warehouse_path()
        words = {"n": len(what), "what": warehouse_tables.named(what), "path": path}
        raise WarehouseOlder(f"{render('app.warehouse_older_run', 'zh', **words)} / "
                             f"{render('app.warehouse_older_run', 'en', **words)}")


@per_file
def lacking() -> list[str]:
    """What the warehouse lacks that this version reads, one made by an earlier version
    (core/warehouse_tables.py); [] when nothing."""
    return warehouse_tables.lacking(rows(warehouse_tables.COLUMNS_SQL))
