"""The tables and columns this version of the program reads and writes: the warehouse contract
as a file (warehouse_tables.json beside this module), so that every layer can tell a warehouse
an earlier version made (`lacking`) without making one.

The file is what `etl.warehouse.made_tables` finds in an empty warehouse the ETL makes
(`python -m etl.warehouse` writes it again); tests/core/test_warehouse_tables.py fails when
the two differ, so a change to a table cannot ship without it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path

RECORDED = Path(__file__).with_name("warehouse_tables.json")

# The (table, column) pairs of a warehouse's own tables, in the connection's current
# catalogue: what `lacking` compares with the recorded ones.
COLUMNS_SQL = ("SELECT table_name, column_name FROM duckdb_columns() "
               "WHERE database_name = current_database() AND schema_name = 'main'")


@functools.cache
def recorded() -> frozenset[tuple[str, str]]:
    """The (table, column) pairs of this version's warehouse."""
    tables = json.loads(RECORDED.read_text(encoding="utf-8"))
    return frozenset((t, c) for t, columns in tables.items() for c in columns)


def as_json(pairs: Iterable[tuple[str, str]]) -> str:
    """The recorded file's text for `pairs`: tables and their columns in name order."""
    tables: dict[str, list[str]] = {}
    for t, c in sorted(pairs):
        tables.setdefault(t, []).append(c)
    return json.dumps(tables, ensure_ascii=False, indent=1) + "\n"


def named(what: list[str], first: int = 3) -> str:
    """The first few of `lacking`'s items, as a notice or a command line names them."""
    return ", ".join(what[:first]) + ("…" if len(what) > first else "")


def lacking(have: Iterable[tuple[str, str]]) -> list[str]:
    """What a warehouse with the (table, column) pairs `have` lacks that this version reads:
    "table" for a missing table, "table.column" for a column of one it has; [] when none."""
    have = set(have)
    tables = {t for t, _ in have}
    missing = sorted(recorded() - have)
    return list(dict.fromkeys(t if t not in tables else f"{t}.{c}" for t, c in missing))
