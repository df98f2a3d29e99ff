"""DuckDB's share of memory in a load, a withdrawal or a refresh: what the work needs.

A first load of millions of rows wants 2 GB (its joins and sorts hold the whole stage, and
spilling them doubles the time), and so do a full refresh and the one-off migrations of an
older warehouse. A monthly file needs far less, but DuckDB fills whatever limit it has with
cached blocks of the warehouse: under 2 GB, a 2,000-row file's load into 40M rows peaked at
2.16 GB, and at 0.9 GB under 700 MB in the same time (bench/RESULTS.md). So a batch of fewer
than `SMALL_ROWS` rows gets the small share. DuckDB spills past either share rather than fail.

`UNION_DASH_LOAD_MEMORY`, when set, is the share of all of them (read at call time).
"""

from __future__ import annotations

import os

import duckdb

WHOLE = "2GB"  # a first load, a full refresh, a migration
SMALL = "700MB"  # a batch of fewer than SMALL_ROWS rows
SMALL_ROWS = 200_000


def share(rows: int | None = None) -> str:
    """DuckDB's memory limit for work on `rows` rows (None: the whole warehouse)."""
    if configured := os.environ.get("UNION_DASH_LOAD_MEMORY"):
        return configured
    return SMALL if rows is not None and rows < SMALL_ROWS else WHOLE


def hold(con: duckdb.DuckDBPyConnection, rows: int | None = None) -> None:
    """Limit DuckDB on `con` to the share of work on `rows` rows."""
    con.execute(f"SET memory_limit = '{share(rows)}'")
