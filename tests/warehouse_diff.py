"""Two warehouse files compared table by table: the rows of each not in the other (EXCEPT ALL,
so duplicates count). The withdrawal tests compare a warehouse with its state before a load;
the incremental-refresh tests compare a scoped refresh with a full one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb


def differences(a: Path, b: Path, compared: Callable[[set[str]], set[str]] | None = None
                ) -> dict[str, tuple[int, int]]:
    """Per table, (rows of a not in b, rows of b not in a), for the tables that differ. Both
    files must hold the same tables; `compared` picks which of them to compare (default:
    all but `dq_meta`, which holds only the time the findings were computed)."""
    con = duckdb.connect()
    try:
        con.sql(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.sql(f"ATTACH '{b}' AS b (READ_ONLY)")
        names = {d: {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [d]).fetchall()}
            for d in "ab"}
        assert names["a"] == names["b"]
        tables = compared(names["a"]) if compared else names["a"] - {"dq_meta"}
        found = {}
        for t in sorted(tables):
            counts = tuple(con.sql(f"SELECT count(*) FROM (FROM {x}.{t} EXCEPT ALL FROM {y}.{t})"
                                   ).fetchall()[0][0] for x, y in ("ab", "ba"))
            if counts != (0, 0):
                found[t] = counts
        return found
    finally:
        con.close()
