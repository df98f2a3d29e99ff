"""The tables derived from the facts, made again after every change: the per-person columns
(etl/person_index.py), the monthly and season tables (etl/rollups.py, season_rollup.py), the
marts the pages sum from (etl/marts.py) and the data-quality findings (etl/quality.py).

After a load or a withdrawal only what the batches touched is recomputed (etl/touched.py
records it; each derived table's scope says what depends on it), with the same tables as a
full refresh; `python -m etl refresh` makes them all again from the facts (after a change of
code, or to check), under the same lock, copy and swap as a load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core import schema, warehouse_tables
from etl import marts, memory, person_index, quality, rollups, swap, touched


@dataclass(frozen=True)
class Change:
    """The batches of a change, whether their refresh can be scoped (`capture`) and whether
    they added rows (a load) rather than took them out (a withdrawal)."""
    batches: tuple[str, ...]
    scoped: bool
    added: bool = False


# A change of more relief rows than this (and than a quarter of them all), such as the first
# load of a federation's history, is refreshed whole: scoping would copy most rows aside.
BULK_ROWS = 100_000


def capture(con: duckdb.DuckDBPyConnection, batches: Sequence[str],
            added: bool = False) -> Change:
    """Record what `batches` touch: after a load's rows are in (`added`), before a
    withdrawal's go."""
    batches = tuple(b for b in batches if b)
    # a warehouse an earlier version made: every derived table made again, in this version's
    # shape (a scoped refresh writes into the tables as they are)
    scoped = not (touched.full_refresh_needed(con, batches) or warehouse_tables.lacking(
        con.execute(warehouse_tables.COLUMNS_SQL).fetchall()))
    if scoped:
        touched.capture(con, batches)
        changed, rows = con.execute(f"SELECT (SELECT count(*) FROM {touched.RELIEF}), "
                                    "(SELECT count(*) FROM relief)").fetchall()[0]
        scoped = changed <= max(BULK_ROWS, rows / 4)
    if scoped:
        marts.scope(con, batches)  # the (month, county) pairs and persons' counties
        if not added:  # whose withdrawn rows follow their other rows, while they are there
            touched.recede(con, batches)
    return Change(batches, scoped, added)


def refresh(con: duckdb.DuckDBPyConnection, change: Change) -> None:
    """Make the derived tables again after `change`: what it touched, or all."""
    if not change.scoped:
        person_index.refresh(con)
        rollups.refresh(con)
        marts.refresh(con)
        quality.refresh(con)
        return
    touched.stage(con, change.added)  # before person_index: the rollups compare its columns
    # the persons with rows the change wrote or disturbed: relief's from the staged rows,
    # the other tables' (and relief's, if a pending person was not staged) from the tables
    derived = person_index.refresh_staged(con, "relief", touched.PERSON_RELIEF,
                                          touched.PERSONS, touched.FOLLOWING, touched.LAST)
    person_index.refresh(con)
    rollups.refresh(con, scoped=rollups.scope(con, derived))
    marts.refresh(con, scoped=True)  # the pages' sums by month and place (etl/marts.py)
    quality.refresh(con, scoped=True)
    touched.drop(con)


def refresh_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every derived table from the facts: the per-person columns of every row, every rollup,
    every finding."""
    person_index.create_last(con)  # a warehouse from before them
    for table in schema.PERSON_INDEX:
        con.execute(f"UPDATE {table} SET month_key = NULL")  # PENDING: made again
    person_index.refresh(con)
    rollups.refresh(con)
    marts.refresh(con)
    quality.refresh(con)


def refresh_warehouse(db_path: Path) -> None:
    """`refresh_all` on the warehouse at `db_path`, swapped in whole. DuckDB is held to the
    whole warehouse's share of memory (etl/memory.py) and spills past it: by default it would
    take 80% of the machine's."""
    def change(con: duckdb.DuckDBPyConnection) -> None:
        memory.hold(con)
        refresh_all(con)

    swap.rewrite(Path(db_path), change)
