"""Two warehouse files compared table by table: the rows of each not in the other (EXCEPT ALL,
so duplicates count). The withdrawal tests compare a warehouse with its state before a load;
the incremental-refresh tests compare a scoped refresh with a full one; the mart tests compare
two tables of one connection (`rows_apart`).

The counts are EXCEPT ALL's, computed as one GROUP BY over both sides (each row +1 from the
first, -1 from the second; a row group summing to d > 0 has d more copies in the first):
DuckDB's EXCEPT ALL numbers the duplicates with a window first, 4-6 times slower on the
sample's million-row tables, and it had to run once each way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

_SIDE = "__warehouse_diff_side"


def rows_apart(con: duckdb.DuckDBPyConnection, a: str, b: str) -> tuple[int, int]:
    """(rows of table a not in table b, rows of b not in a), as EXCEPT ALL counts them: the
    columns matched by position, NULLs equal to NULLs, each duplicate counted."""
    names = ", ".join('"' + c.replace('"', '""') + '"'
                      for c in con.sql(f"SELECT * FROM {a} LIMIT 0").columns)
    (first, second), = con.sql(f"""
        SELECT coalesce(sum(d) FILTER (WHERE d > 0), 0), coalesce(-sum(d) FILTER (WHERE d < 0), 0)
        FROM (SELECT sum({_SIDE}) AS d
              FROM (SELECT *, 1 AS {_SIDE} FROM {a} UNION ALL SELECT *, -1 FROM {b})
              GROUP BY {names})""").fetchall()
    return int(first), int(second)


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
            counts = rows_apart(con, f"a.{t}", f"b.{t}")
            if counts != (0, 0):
                found[t] = counts
        return found
    finally:
        con.close()
