"""How this program opens DuckDB: `connect`, with the deployment's limit on its threads.

DuckDB runs each query on as many threads as the machine has cores. Where several processes
share the cores (the dashboard's processes behind deploy/serve-many.sh beside a load, or the
test suite's workers), each one spreading over every core makes them wait on each other:
UNION_DASH_DUCKDB_THREADS=N holds every database this process opens to N threads. Unset, or
not a positive whole number, DuckDB's own default stands.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

THREADS_ENV = "UNION_DASH_DUCKDB_THREADS"


def threads() -> int | None:
    """The thread limit the environment sets, or None (DuckDB's default: one per core)."""
    text = os.environ.get(THREADS_ENV, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def connect(database: str = ":memory:", read_only: bool = False,
            config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, with the thread limit of UNION_DASH_DUCKDB_THREADS when it is set."""
    config = dict(config or {})
    limit = threads()
    if limit is not None:
        config["threads"] = limit
    return duckdb.connect(database, read_only=read_only, config=config)


def literal(text: str | Path) -> str:
    """`text` as an SQL string literal's body (quotes doubled): for what takes no bound
    parameter (ATTACH, COPY TO, read_parquet of a path); the text is a path of ours."""
    return str(text).replace("'", "''")


# One in-memory DuckDB per process and thread limit that `attached` reads files through:
# opening a file on a connection of its own costs ~12-15 ms of CPU (even to :memory:),
# attaching it to a live instance and detaching it ~3 (a load's publishing, a withdrawal's
# listing, every load and withdrawal).
_READERS: dict[tuple[int, int | None], duckdb.DuckDBPyConnection] = {}
_READERS_LOCK = threading.Lock()
_ALIASES = itertools.count()


@contextlib.contextmanager
def attached(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that reads the database file at `path` as its current database, as a
    read-only `connect` of it does: the same shared lock on the file, held until the end,
    and the file as it is now (attached anew each time, even after a swap replaced it).
    The file is detached at the end; the instance is kept for the next caller. Each caller
    has a cursor of its own (a connection of the instance) and a name of its own for the
    file, so threads of one process do not meet; catalog queries name the database they
    read (`current_database()`), as other callers' files are attached to the same
    instance meanwhile."""
    key = (os.getpid(), threads())  # a forked child makes its own
    with _READERS_LOCK:
        base = _READERS.get(key)
        if base is None:
            base = _READERS[key] = connect()
        con = base.cursor()
    alias = f"_attached_{next(_ALIASES)}"
    try:
        con.execute(f"ATTACH '{literal(path)}' AS {alias} (READ_ONLY)")
        try:
            con.execute(f"USE {alias}")
            yield con
        finally:
            try:
                con.execute("USE memory")
                con.execute(f"DETACH {alias}")
            except duckdb.Error:  # never keep the file open: drop the instance whole
                with _READERS_LOCK:
                    if _READERS.get(key) is base:
                        del _READERS[key]
                base.close()
    finally:
        con.close()
