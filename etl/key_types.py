"""Integer keys: surrogate row ids, and the conversion of warehouses written with older keys.

A surrogate id (`relief_id`, `loan_id`, `enrolment_id`) is a 64-bit hash of the row's natural
key columns: each column's value as 64 bits (an integer as is, a date as days since 1970,
text as 64 bits of its MD5, NULL as a constant) folded in by h = (h XOR v) * K mod 2^64.
That is a few integer operations a row in Polars (`row_ids`) where the MD5 of the natural
key as text cost DuckDB 2.7 s of CPU at 10^7 rows; the same function is SQL in `row_id_sql`
and Python in `row_id`. For fixed other columns each step is one-to-one, so rows differing
only in an integer or date column never share an id (in a text column: only if 64 bits of
their MD5s agree); the load keeps natural keys unique itself.

Older warehouses are converted on their next load (`migrate`):
- until November 2026 `person_key` was the first 32 hex characters of the HMAC whose first
  64 bits it now is, and the surrogate ids the MD5 of the natural key as hex;
- then, until 24 November 2026, the ids were 64 bits of that MD5.
Every person keeps their identity; `row_replacements.natural_key` gets the person's part
converted too (the data-quality checks find a corrected row's first arrival by it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

import duckdb
import polars as pl

from core import schema
from core.messages import register
from etl import mappings, rollups
from etl.extract import FileError

SURROGATE_IDS = {"relief": "relief_id", "loans": "loan_id", "training": "enrolment_id"}
_SEED, _K = 0xCBF29CE484222325, 0x9E3779B97F4A7C15  # FNV offset; an odd multiplier
_NULL = 0x5851F42D4C957F2D  # an empty key column
_MASK = 2**64 - 1
_EPOCH = dt.date(1970, 1, 1)


def row_id(values: Sequence[object]) -> int:
    """The surrogate id of a row whose natural key columns hold `values` (int, date, str
    or None), as `row_ids` and `row_id_sql` compute it."""
    h = _SEED
    for v in values:
        h = ((h ^ _part(v)) * _K) & _MASK
    return h


def _part(v: object) -> int:
    if v is None:
        return _NULL
    if isinstance(v, dt.date):
        return (v - _EPOCH).days & _MASK
    if isinstance(v, str):
        return _md5_64(v)
    return int(v) & _MASK


def _md5_64(text: str) -> int:
    """64 bits of the MD5 of text: DuckDB's `md5_number(text) & (2^64 - 1)`."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little")


def row_ids(rows: pl.DataFrame, key: Sequence[str]) -> pl.Series:
    """The surrogate id of each row from its natural key columns (UInt64 arithmetic wraps
    mod 2^64). Text is hashed once per distinct value."""
    h = pl.lit(_SEED, dtype=pl.UInt64)
    for column in key:
        h = (h ^ _parts(rows[column]).fill_null(_NULL)) * pl.lit(_K, dtype=pl.UInt64)
    return rows.select(h.alias("id")).to_series()


def _parts(values: pl.Series) -> pl.Series:
    if isinstance(values.dtype, pl.Enum):  # a checked code: hash the codes, not the rows
        codes = values.dtype.categories.to_list()
        hashed = pl.Series([_md5_64(v) for v in codes], dtype=pl.UInt64)
        return hashed.gather(values.to_physical())
    if values.dtype == pl.String:
        distinct = values.drop_nulls().unique()
        hashed = pl.Series([_md5_64(v) for v in distinct.to_list()], dtype=pl.UInt64)
        return hashed.gather(values.cast(pl.Enum(distinct)).to_physical())
    if values.dtype == pl.UInt64:
        return values
    if values.dtype == pl.Date:
        values = values.cast(pl.Int32)
    return values.cast(pl.Int64).reinterpret(signed=False)  # two's complement, as mod 2^64


def row_id_sql(columns: Sequence[tuple[str, str]]) -> str:
    """SQL of the surrogate id (`row_id`) from the natural key columns as (SQL expression,
    DuckDB type) pairs."""
    h = f"{_SEED}::UBIGINT"
    for expr, sql_type in columns:
        h = f"((xor({h}, coalesce({_part_sql(expr, sql_type)}, {_NULL}::UBIGINT))" \
            f"::UHUGEINT * {_K}) & {_MASK})::UBIGINT"
    return h


def _part_sql(expr: str, sql_type: str) -> str:
    if sql_type == "VARCHAR":
        return f"(md5_number({expr}) & {_MASK}::UHUGEINT)::UBIGINT"
    if sql_type == "DATE":
        expr = f"({expr} - DATE '1970-01-01')"
    return f"({expr}::HUGEINT & {_MASK})::UBIGINT"


def row_id_of_text_sql(natural_key: str, table: str) -> str:
    """SQL of the surrogate id of a natural key written as text (`row_replacements`: the key
    columns as text with '|' between, '' for NULL)."""
    return row_id_sql([(f"TRY_CAST(nullif(split_part({natural_key}, '|', {i}), '') AS {t})", t)
                       for i, (_, t) in enumerate(key_sql(table), start=1)])


def key_sql(table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of the table's natural key, for `row_id_sql`."""
    types = column_types(table)
    return [(c, types[c]) for c in natural_key_of(table)]


def natural_key_of(table: str) -> tuple[str, ...]:
    return next(k.natural_key for k in mappings.kinds().values() if k.table_name == table)


def column_types(table: str) -> dict[str, str]:
    """Column → DuckDB type, as core/schema.py defines the table."""
    return dict(re.findall(r"(\w+) (DECIMAL\(\d+,\d+\)|\w+)", schema.TABLES[table]))


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Convert older keys (text, or ids of the former hash) to what the load now writes, in
    place."""
    text = {(t, c) for t, c in con.sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
        "AND data_type = 'VARCHAR' AND column_name IN ('person_key', 'relief_id', 'loan_id', "
        "'enrolment_id') AND table_name IN (SELECT table_name FROM duckdb_tables())"
    ).fetchall()}
    for table in sorted({t for t, _ in text if t.startswith("dq_")}):
        # findings under the old keys: dropped, so the next refresh makes them all again
        # (etl/quality.py refreshes whole when a kept table is missing)
        con.sql(f"DROP TABLE {table}")
    text = {(t, c) for t, c in text if not t.startswith("dq_")}
    for table, column in sorted(text):
        if column == "person_key":
            con.sql(f"ALTER TABLE {table} ALTER person_key TYPE UBIGINT "
                    "USING ('0x' || left(person_key, 16))::UBIGINT")
    if text:
        _convert_lineage(con, [k.table_name for k in mappings.kinds().values()
                               if "person_key" in k.natural_key])
    for table, column in SURROGATE_IDS.items():
        ids = row_id_sql(key_sql(table))
        if (table, column) in text:
            con.sql(f"ALTER TABLE {table} ALTER {column} TYPE UBIGINT USING {ids}")
        elif con.sql(f"SELECT count(*) FROM (FROM {table} LIMIT 1) WHERE {column} <> {ids}"
                     ).fetchall()[0][0]:
            _renumber(con, table, column, ids)


def _renumber(con: duckdb.DuckDBPyConnection, table: str, column: str, ids: str) -> None:
    """New ids for every row. The per-person columns order a person's rows of one day by
    their id, so they are made again, and so are the monthly tables made from them (an
    empty rollup table is rebuilt whole: `rollups.migrate`)."""
    present = {r[0] for r in con.sql(f"DESCRIBE {table}").fetchall()}
    derived = [c for c in schema.derived_columns(table) if c in present]
    con.sql(f"UPDATE {table} SET " + ", ".join([f"{column} = {ids}",
                                                 *(f"{c} = NULL" for c in derived)]))
    for rollup in rollups.tables():
        con.sql(f"DELETE FROM {rollup}")


def _convert_lineage(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Natural keys in `row_replacements` that begin with a hex person_key (every kind
    with persons puts it first) get the integer key instead."""
    con.execute(r"""UPDATE row_replacements
                    SET natural_key = ('0x' || left(natural_key, 16))::UBIGINT::VARCHAR
                                      || substr(natural_key, 33)
                    WHERE list_contains($tables, table_name)
                      AND regexp_matches(natural_key, '^[0-9a-f]{32}\|')""",
                {"tables": tables})


def refuse_collisions(con: duckdb.DuckDBPyConnection, file_persons: str) -> None:
    """Refuse a file (FileError) if two persons share a person_key (64 bits of a keyed
    hash: about n²/2^65 for n persons), in the file or with a person already in the
    warehouse, rather than count them as one. `file_persons` (person_key, id_masked,
    birth_year) has a row per distinct full ID of the file (`validate.PersonIds.persons`);
    with the warehouse they are told apart by masked ID and birth year, which the same ID
    always has alike."""
    clash = con.execute(f"""
        SELECT count(*) FROM (
            SELECT person_key FROM {file_persons} GROUP BY person_key HAVING count(*) > 1
            UNION ALL
            SELECT person_key FROM {file_persons} s JOIN persons p USING (person_key)
            WHERE p.id_masked <> s.id_masked
               OR p.birth_year IS DISTINCT FROM s.birth_year)""").fetchall()[0][0]
    if clash:
        raise FileError("etl.key_types.collision", n=clash)


register("etl.key_types", {
    "collision": ("{n} 个身份证号的匿名编号与其他人的相同（极少见的哈希碰撞），文件未载入；"
                  "请联系系统管理员更换匿名密钥后重建数据仓库",
                  "{n} ID numbers got the same person_key as another person (a very rare "
                  "hash collision); the file was not loaded. Ask the administrator to change "
                  "the pseudonym key and rebuild the warehouse"),
})
