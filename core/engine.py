"""How this program opens DuckDB: `connect`, with the deployment's limit on its threads.

DuckDB runs each query on as many threads as the machine has cores. Where several processes
share the cores (the dashboard's processes behind deploy/serve-many.sh beside a load, or the
test suite's workers), each one spreading over every core makes them wait on each other:
UNION_DASH_DUCKDB_THREADS=N holds every database this process opens to N threads. Unset, or
not a positive whole number, DuckDB's own default stands.
"""

from __future__ import annotations

import os
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
