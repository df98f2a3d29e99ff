"""Warehouses written before the keys were integers get them on their next load.

Until November 2026 `person_key` was the first 32 hex characters of the same HMAC whose
first 64 bits it now is, and the surrogate ids (`relief_id`, ...) were the MD5 of the
natural key as hex. Both were converted to UBIGINT because DuckDB spent about a second per
column compressing 10^7 32-character strings (the relief insert: 5.8 -> 3.7 s for the two).
The conversion keeps every person's identity: a person loaded before and after it has one
key. `row_replacements.natural_key` gets the person's part converted too: the data-quality
checks find a corrected row's first arrival by the id of its natural key.
"""

from __future__ import annotations

import hashlib

import duckdb

from etl import mappings, staging
from etl.extract import FileError

SURROGATE_IDS = {"relief": "relief_id", "loans": "loan_id", "training": "enrolment_id"}


def row_id_sql(natural_key: str) -> str:
    """SQL of a row's surrogate id from its natural key (SQL text): 64 bits of MD5 as
    UBIGINT, stable across versions and cheap to store; `row_id` in Python. The value of
    DuckDB's `md5_number_upper`, which goes through a bit string (10^7 rows: 4 s, not 0.6)."""
    return f"(md5_number({natural_key}) & {2**64 - 1}::UHUGEINT)::UBIGINT"


def row_id(natural_key: str) -> int:
    """The surrogate id the load gives a row with this natural key (`row_id_sql`)."""
    return int.from_bytes(hashlib.md5(natural_key.encode()).digest()[:8], "little")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Convert text keys to the integers the load now writes, in place."""
    text = {(t, c) for t, c in con.sql(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
        "AND data_type = 'VARCHAR' AND column_name IN ('person_key', 'relief_id', 'loan_id', "
        "'enrolment_id') AND table_name IN (SELECT table_name FROM duckdb_tables())"
    ).fetchall()}
    for table, column in sorted(text):
        if column == "person_key":
            con.sql(f"ALTER TABLE {table} ALTER person_key TYPE UBIGINT "
                    "USING ('0x' || left(person_key, 16))::UBIGINT")
    natural_keys = {k.table_name: k.natural_key for k in mappings.kinds().values()}
    if text:
        _convert_lineage(con, [t for t, key in natural_keys.items() if "person_key" in key])
    for table, column in sorted(text):
        if column != "person_key" and SURROGATE_IDS.get(table) == column:
            key = staging.natural_key_sql(natural_keys[table])
            con.sql(f"ALTER TABLE {table} ALTER {column} TYPE UBIGINT USING {row_id_sql(key)}")


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
    clash = con.sql(f"""
        SELECT count(*) FROM (
            SELECT person_key FROM {file_persons} GROUP BY person_key HAVING count(*) > 1
            UNION ALL
            SELECT person_key FROM {file_persons} s JOIN persons p USING (person_key)
            WHERE p.id_masked <> s.id_masked
               OR p.birth_year IS DISTINCT FROM s.birth_year)""").fetchall()[0][0]
    if clash:
        raise FileError(
            f"{clash} 个身份证号的匿名编号与其他人的相同（极少见的哈希碰撞），文件未载入；"
            "请联系系统管理员更换匿名密钥后重建数据仓库",
            f"{clash} ID numbers got the same person_key as another person (a very rare "
            "hash collision); the file was not loaded. Ask the administrator to change the "
            "pseudonym key and rebuild the warehouse")
