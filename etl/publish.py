"""The facts published as Hive-partitioned Parquet beside the warehouse, for engines beyond one
machine (Spark, Trino, pyarrow) to read as they are: `<facts dir>/<table>/year=<Y>/data.parquet`
(core/warehouse.py's `facts_dir`).

After a load or a withdrawal is swapped in (etl/swap.py), only the (table, year) partitions
its batches touched are written again, from the new warehouse, still under the load's lock
(two changes never publish out of order). Each file is written under a hidden name (`.`:
Spark, Trino's Hive connector and pyarrow skip it) and renamed into place, so a reader sees
the old file or the new. `_SUCCESS` (Hadoop's marker) stands while the files match the
warehouse: it is removed before a change's files are written and put back after, so a publish
that failed half-way, or a directory from before this feature, is rebuilt whole by the next
change or by `python -m etl publish-facts`. A failure to publish is a logged warning and an
audit event, never a failed load: the warehouse is already swapped in.

Published are the columns of the schema's contract (core/schema.py), not the per-person
columns the load derives; `persons` (its `id_masked`, a masked ID number) is not published:
facts carry `person_key`, the keyed pseudonym, and nothing else about a person.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from core import audit, engine, schema
from core import warehouse as paths

_log = logging.getLogger(__name__)

# Fact table → the expression of its year (a `year` column, else the year of its date).
FACTS: dict[str, str] = {
    "relief": "year(relief_date)", "hardship_files": "year(registered_on)",
    "fund_allocations": "year", "loans": "year(issued_on)", "training": "year(start_on)",
    "placements": "year(placed_on)", "medical_cards": "year(issued_on)",
    "medical_benefits": "year(benefit_on)", "petitions": "year(received_on)",
    "union_coverage": "year", "npc_activities": "year(activity_on)",
}
# "0" turns the publishing after loads off (a deployment that no engine beyond the dashboard
# reads); `python -m etl publish-facts` still writes them all. Read at call time.
ENABLED_ENV = "UNION_DASH_PUBLISH_FACTS"
SUCCESS = "_SUCCESS"
FILE = "data.parquet"
# A table's years in one COPY (`_table`): a folder per year, its file named data<N>.parquet
WHOLE_TABLE = "FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year), FILENAME_PATTERN 'data'"

Partition = tuple[str, int]  # (table, year)


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of `table` less those the load derives per person and less `year` (the
    partition's directory holds it: a reader adds it back from `year=<Y>`)."""
    skip = {*schema.derived_columns(table), "year"}
    return [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
        "AND database_name = current_database() AND schema_name = 'main' "
        "ORDER BY column_index", [table]).fetchall() if c not in skip]


def touched(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> set[Partition]:
    """The (table, year) partitions `batches` touch: the rows they wrote and the rows they
    replaced or bring back. Run on the working copy where derived.capture runs (a load: after
    its rows are in; a withdrawal: before they go)."""
    if not batches:
        return set()
    # one statement for every table (one each cost ~0.8 ms of CPU, 11 in every load)
    query = " UNION ALL ".join(
        f"SELECT '{table}', y FROM (SELECT {year} AS y FROM {table} "
        f"WHERE list_contains($b, batch_id) UNION SELECT {year} FROM {schema.archive(table)} "
        "WHERE list_contains($b, replaced_by))" for table, year in FACTS.items())
    return {(table, int(y)) for table, y in con.execute(query, {"b": list(batches)}).fetchall()
            if y is not None}


def after_change(db_path: Path, parts: Iterable[Partition], *, user: str | None = None) -> None:
    """Publish the partitions a swapped-in change touched (all, when the published files are
    not known to match the warehouse); a failure is a warning and an audit event."""
    if os.environ.get(ENABLED_ENV, "1") == "0":
        return
    parts = set(parts)
    try:
        target = paths.facts_dir(db_path)
        if not (target / SUCCESS).exists():
            publish_all(db_path)
        elif parts:
            _publish(db_path, target, parts)
    except Exception as exc:  # noqa: BLE001 - the change is in; the next one repairs this
        _log.warning("publishing the facts failed (the next load or `python -m etl "
                     "publish-facts` rebuilds them): %s", exc)
        audit.record("publish_facts", user=user, object=str(db_path), outcome="error",
                     details={"error": str(exc)[:500], "partitions": len(parts)},
                     warehouse=db_path)


def publish_all(db_path: Path) -> int:
    """Every partition of every fact table written again, and partitions of years no longer
    in the warehouse removed; the number of partitions written."""
    target = paths.facts_dir(db_path)
    stale = {(p.parent.name, int(p.name.removeprefix("year=")))
             for p in target.glob("*/year=*") if p.parent.name in FACTS}
    return _publish(db_path, target, stale, every=True)


def _publish(db_path: Path, target: Path, parts: set[Partition], every: bool = False) -> int:
    """Write `parts`, and with `every` every partition the warehouse has, a table at a time,
    all read through one attachment of the file (core/engine.attached); a partition of
    `parts` with no rows left is removed."""
    target.mkdir(parents=True, exist_ok=True)
    (target / SUCCESS).unlink(missing_ok=True)  # not known to match until this is done
    written = 0
    with engine.attached(db_path) as con:
        filled = _filled(con) if every else set()
        for table in FACTS:
            asked = {y for t, y in parts if t == table}
            if not (asked or table in filled):
                continue
            if len(asked) == 1 and not every:  # a monthly file's: one COPY costs ~10 ms less
                written += _partition(con, target, table, *asked)
                continue
            years = _table(con, target, table, None if every else asked)
            written += len(years)
            for gone in sorted(asked - years):
                _partition(con, target, table, gone)  # no rows left: removed
    stamp = paths.DataVersion.token_of(paths.file_stamp(db_path))
    (target / SUCCESS).write_text(f"warehouse {db_path.name} {stamp}\n", encoding="utf-8")
    return written


def _filled(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The fact tables with a row, in one statement: a COPY of an empty table cost ~2 ms of
    CPU, 11 in every publish of a new warehouse."""
    query = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (FROM {t})" for t in FACTS)
    return {t for (t,) in con.execute(query).fetchall()}


def _table(con: duckdb.DuckDBPyConnection, target: Path, table: str,
           years: set[int] | None) -> set[int]:
    """`years` of `table` (None: all it has) in one statement (DuckDB's PARTITION_BY, into a
    hidden folder), each year's file then renamed into place; the years written. One
    statement per year cost ~9 ms of CPU each (242 in the sample's build) and read the table
    once per year (10M rows in 14 years: 5.4 s, 3.6 s in one). A year DuckDB wrote as more
    than one file (past its limit of open files) is written again alone."""
    temp = target / f".{table}.{os.getpid()}.tmp"
    shutil.rmtree(temp, ignore_errors=True)
    year = FACTS[table]
    which = f"{year} IS NOT NULL" if years is None else f"list_contains($years, {year})"
    try:
        con.execute(f"COPY (SELECT {', '.join(columns(con, table))}, {year} AS year FROM {table} "
                    f"WHERE {which}) TO '{engine.literal(temp)}' ({WHOLE_TABLE})",
                    None if years is None else {"years": sorted(years)})
        written = set()
        for folder in temp.glob("year=*"):
            y = int(folder.name.removeprefix("year="))
            files = list(folder.glob("*.parquet"))
            if len(files) == 1:
                final = target / table / folder.name / FILE
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(files[0], final)
            else:
                _partition(con, target, table, y)
            written.add(y)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _partition(con: duckdb.DuckDBPyConnection, target: Path, table: str, year: int) -> int:
    """Write one partition under a hidden name and rename it into place (or remove it when
    the year has no rows left); 1 when written."""
    folder = target / table / f"year={int(year)}"
    final = folder / FILE
    where = f"{FACTS[table]} = {int(year)}"
    (n,) = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0]
    if not n:
        final.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{FILE}.{os.getpid()}.tmp"
    try:
        con.execute(f"COPY (SELECT {', '.join(columns(con, table))} FROM {table} WHERE {where}) "
                    f"TO '{engine.literal(temp)}' (FORMAT parquet, COMPRESSION zstd)")
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return 1

