"""What a batch touched: the keys a load or a withdrawal changed, so the derived tables
(per-person columns, rollups, season tables, the dq_* findings) are refreshed for those keys
only (etl/derived.py) and come out as a full refresh makes them.

`capture` records, in temporary tables of the working copy, the rows the batches wrote and
the rows they replaced or bring back (a load: after its rows are in; a withdrawal: before
they go, when both are still there) and their keys: persons, (county, year); the checks and
rollups take stations, months and strata from the rows themselves. A 零报告 batch touches
no row: the completeness grid, made whole at every refresh, reads zero_reports itself. `stage` then copies the touched persons' current rows, which
the person-partitioned checks read instead of the whole tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from core import schema

# Rows the batches wrote, replaced or (withdrawn) bring back, and the keys they touch.
# relief_id, person_key, station_code, county_code, type, date, amount, batch_id, and
# `archived`: the row is one a batch replaced (from the archive), not one a batch wrote
RELIEF = "_touched_relief"
BATCHES = "_touched_batches"  # batch_id: the batches of the change
HARDSHIP = "_touched_hardship"  # person_key, station_code
PERSONS = "_touched_persons"  # person_key: relief or hardship rows changed
COUNTY_YEARS = "_touched_county_years"  # county_code, year: relief or allocations changed
# The touched persons' rows as they are after the change (`stage`); relief's with `row_id`.
PERSON_RELIEF = "_touched_person_relief"
PERSON_HARDSHIP = "_touched_person_hardship"

# Batches of these tables change what every check reads (the regions, stations' closing
# dates): the refresh after them is a full one.
WHOLE = frozenset({"help_stations"})


def capture(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> None:
    """The rows and keys `batches` touch, into the temporary tables above."""
    b = {"b": list(batches)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCHES} AS "
                "SELECT unnest($b::VARCHAR[]) AS batch_id", b)
    relief_cols = ("relief_id, person_key, station_code, county_code, relief_type, "
                   "relief_date, amount_yuan, batch_id")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {RELIEF} AS
                    {_changed('relief', relief_cols, archived=True)}""", b)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {HARDSHIP} AS
                    {_changed('hardship_files', 'person_key, station_code')}""", b)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PERSONS} AS
                    SELECT person_key FROM {RELIEF} UNION SELECT person_key FROM {HARDSHIP}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {COUNTY_YEARS} AS
                    SELECT county_code, year(relief_date)::SMALLINT AS year FROM {RELIEF} UNION
                    SELECT county_code, year FROM ({_changed('fund_allocations',
                                                             'county_code, year')})""", b)


def _changed(table: str, columns: str, archived: bool = False) -> str:
    """Rows of `table` the batches $b wrote, and the rows they replaced (kept in the archive
    until they are withdrawn); with `archived`, a column saying which of the two a row is."""
    wrote, replaced = (", false AS archived", ", true AS archived") if archived else ("", "")
    return (f"SELECT {columns}{wrote} FROM {table} WHERE list_contains($b, batch_id) "
            f"UNION ALL SELECT {columns}{replaced} FROM {schema.archive(table)} "
            "WHERE list_contains($b, replaced_by)")


def stage(con: duckdb.DuckDBPyConnection) -> None:
    """The touched persons' relief and hardship rows as they are now (after the change).

    Their relief rows are read once, whole: the checks read the facts, etl/person_index.py
    derives the persons' columns from them (by `row_id`, relief's rowid) and etl/rollups.py
    compares those with the columns as they were. A person's rows are spread over the whole
    table, so every read of them decompresses most of its row groups. Of the hardship rows
    only the columns the checks read (etl/checks/not_on_file.py, relief_after_exit.py)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PERSON_RELIEF} AS
                    SELECT rowid AS row_id, * FROM relief
                    WHERE person_key IN (SELECT person_key FROM {PERSONS})""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PERSON_HARDSHIP} AS
                    SELECT person_key, registered_on, exited_on FROM hardship_files
                    WHERE person_key IN (SELECT person_key FROM {PERSONS})""")


def full_refresh_needed(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> bool:
    """Whether a batch is of a table every check reads (WHOLE)."""
    tables = {t for (t,) in con.execute(
        "SELECT DISTINCT table_name FROM load_batches WHERE list_contains($b, batch_id)",
        {"b": list(batches)}).fetchall()}
    return bool(tables & WHOLE)


def drop(con: duckdb.DuckDBPyConnection) -> None:
    for name in (RELIEF, BATCHES, HARDSHIP, PERSONS, COUNTY_YEARS, PERSON_RELIEF,
                 PERSON_HARDSHIP):
        con.execute(f"DROP TABLE IF EXISTS {name}")
