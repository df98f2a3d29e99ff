"""Two warehouse files compared table by table: the rows of each not in the other (EXCEPT ALL,
so duplicates count). The withdrawal tests compare a warehouse with its state before a load;
the incremental-refresh tests compare a scoped refresh with a full one; the mart tests compare
two tables of one connection (`rows_apart`).

The counts are EXCEPT ALL's, computed as one GROUP BY over both sides (each row +1 from the
first, -1 from the second; a row group summing to d > 0 has d more copies in the first):
DuckDB's EXCEPT ALL numbers the duplicates with a window first, 4-6 times slower on the
sample's million-row tables, and it had to run once each way.

`differences` counts every table in one query, on one connection kept for the process (one
DuckDB thread; the files attached read-only for the call): a query and a connection per table
took 0.15 CPU-s a call on a registered warehouse's 39 derived tables, this 0.06."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

_SIDE = "__warehouse_diff_side"
_CON: list[duckdb.DuckDBPyConnection] = []


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(a: str, b: str, names: list[str]) -> str:
    """SELECT of (rows of a not in b, rows of b not in a) over the columns `names` (quoted)."""
    return f"""
        SELECT coalesce(sum(d) FILTER (WHERE d > 0), 0), coalesce(-sum(d) FILTER (WHERE d < 0), 0)
        FROM (SELECT sum({_SIDE}) AS d
              FROM (SELECT *, 1 AS {_SIDE} FROM {a} UNION ALL SELECT *, -1 FROM {b})
              GROUP BY {", ".join(names)})"""


def rows_apart(con: duckdb.DuckDBPyConnection, a: str, b: str) -> tuple[int, int]:
    """(rows of table a not in table b, rows of b not in a), as EXCEPT ALL counts them: the
    columns matched by position, NULLs equal to NULLs, each duplicate counted."""
    names = [_quoted(c) for c in con.sql(f"SELECT * FROM {a} LIMIT 0").columns]
    (first, second), = con.sql(_counts(a, b, names)).fetchall()
    return int(first), int(second)


def differences(a: Path, b: Path, compared: Callable[[set[str]], set[str]] | None = None
                ) -> dict[str, tuple[int, int]]:
    """Per table, (rows of a not in b, rows of b not in a), for the tables that differ. Both
    files must hold the same tables; `compared` picks which of them to compare (default:
    all but `dq_meta`, which holds only the time the findings were computed)."""
    if not _CON:
        _CON.append(duckdb.connect(config={"threads": 1}))
    con = _CON[0]
    con.sql(f"ATTACH '{a}' AS a (READ_ONLY)")
    try:
        con.sql(f"ATTACH '{b}' AS b (READ_ONLY)")
        try:
            return _differences(con, compared)
        finally:
            con.sql("DETACH b")
    finally:
        con.sql("DETACH a")


def _differences(con: duckdb.DuckDBPyConnection, compared: Callable[[set[str]], set[str]] | None
                 ) -> dict[str, tuple[int, int]]:
    names = {d: {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [d]).fetchall()}
        for d in "ab"}
    assert names["a"] == names["b"]
    tables = sorted(compared(names["a"]) if compared else names["a"] - {"dq_meta"})
    columns: dict[str, list[str]] = {}
    for t, c in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                            "WHERE database_name = 'a' ORDER BY table_name, column_index"
                            ).fetchall():
        columns.setdefault(t, []).append(_quoted(c))
    if not tables:
        return {}
    counts = " UNION ALL ".join(f"SELECT {n} AS t, * FROM ({_counts(f'a.{t}', f'b.{t}', columns[t])})"
                                for n, t in enumerate(tables))
    return {tables[n]: (int(first), int(second))
            for n, first, second in sorted(con.execute(counts).fetchall())
            if (first, second) != (0, 0)}
