"""Writing a file's staged rows into the warehouse: new rows inserted, changed rows replaced
(their old content archived, so a withdrawal can restore it), identical rows left; and the
persons the file names, each once.

Set-based SQL over the stage (etl/staging.py), inside the load's transaction.
"""

from __future__ import annotations

from core import schema
from etl import key_types, memory, person_index, staging, touched

SURROGATE_IDS = key_types.SURROGATE_IDS
STAGE = staging.VIEW  # one file's checked rows


def table_columns(con, table: str) -> list[tuple[str, str]]:
    """The table's columns that files supply (not those the load derives)."""
    derived = set(schema.derived_columns(table))
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in derived]


def upsert(con, table: str, key: tuple[str, ...], batch: str):
    """Insert new rows, replace changed ones, leave identical ones; (inserted, updated, same).

    Set-based: a join on the natural key finds the rows already there, an anti-join inserts
    the rest. No index: the load keeps natural keys unique itself."""
    columns = [c for c, _ in table_columns(con, table)]
    surrogate = SURROGATE_IDS.get(table)
    values = ", ".join("$batch" if c == "batch_id" else c for c in columns)
    into = f"{table} ({', '.join(columns)})"  # derived columns stay NULL: person_index fills them
    total = _one(con, f"SELECT count(*) FROM {STAGE}")[0]
    if _one(con, f"SELECT count(*) FROM {table}")[0] == 0:
        _insert_all(con, table, columns, values, batch, total)
        return total, 0, 0
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in key)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in columns
                        if c not in ("batch_id", surrogate))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _matched AS
                SELECT t.rowid AS rid, s._nk, t.batch_id AS old_batch, ({same}) AS same
                FROM {table} t JOIN {STAGE} s ON {on}""")
    # A file of new rows matches none: the statements for replaced or unchanged rows would
    # write nothing (five statements, ~1 ms of CPU each in every such load).
    updated, unchanged, replacing, keeping = _one(
        con, "SELECT count(DISTINCT _nk) FILTER (NOT same), "
        "count(DISTINCT _nk) FILTER (same), count(*) FILTER (NOT same), "
        "count(*) FILTER (same) FROM _matched")
    if table in schema.PERSON_LAST:  # with their derived columns, for etl/touched.py
        touched.keep_replaced(con, "SELECT rid FROM _matched WHERE NOT same" if replacing
                              else None)
    if replacing:
        # The replaced rows' content is kept, so a withdrawal of this batch can restore it.
        con.execute(f"""INSERT INTO {schema.archive(table)} BY NAME
                        SELECT {', '.join(columns)}, $batch AS replaced_by FROM {table}
                        WHERE rowid IN (SELECT rid FROM _matched WHERE NOT same)""",
                    {"batch": batch})
        con.execute(f"DELETE FROM {table} "
                    "WHERE rowid IN (SELECT rid FROM _matched WHERE NOT same)")
    con.execute(f"""INSERT INTO {into} SELECT {values} FROM {STAGE}
                    ANTI JOIN (SELECT _nk FROM _matched WHERE same) USING (_nk)""",
                {"batch": batch})
    if replacing:
        con.execute("""INSERT INTO row_replacements
                       SELECT DISTINCT ?, ?, _nk, old_batch FROM _matched WHERE NOT same""",
                    [batch, table])
    if keeping:
        con.execute("""INSERT INTO unchanged_rows SELECT ?, ?, old_batch, count(DISTINCT _nk)
                       FROM _matched WHERE same GROUP BY old_batch""", [batch, table])
    con.execute("DROP TABLE _matched")
    return total - updated - unchanged, updated, unchanged


def _insert_all(con, table: str, columns: list[str], values: str, batch: str,
                rows: int) -> None:
    """The stage into an empty table; per-person columns computed on the way in (all rows of
    every person are in the stage), so person_index.refresh has nothing left to do."""
    if table not in schema.PERSON_INDEX:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {STAGE}",
                    {"batch": batch})
        return
    derived = schema.derived_columns(table)
    # DuckDB gives back its cached blocks while Polars sorts the persons' rows, so the two
    # do not hold memory at once (10M rows: peak 4.5 GB otherwise).
    con.execute(f"SET memory_limit = '{staging.STAGE_MEMORY_LIMIT}'")
    try:
        frame = person_index.for_insert(con, STAGE, table)
    finally:
        memory.hold(con, rows)
    con.register("_derived", frame)
    # The hash table on the narrow side as written: the optimiser, misled by the estimate
    # after the stage's anti-join, built it on the whole stage (10M rows: +6 s).
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        con.execute(f"""INSERT INTO {table} ({', '.join([*columns, *derived])})
                        SELECT {values}, {', '.join(f'd.{c}' for c in derived)}
                        FROM {STAGE} JOIN _derived d ON _i = d.rid""", {"batch": batch})
    finally:
        con.execute("SET disabled_optimizers = ''")
        con.unregister("_derived")


def upsert_persons(con, batch: str, genders: bool) -> None:
    """The same person from two stations is one row; the first batch that saw them keeps it,
    with the gender its file gives on their first row, else the ID's (the ID's details are
    one per person: `staging.PERSONS`; only a file with a gender column needs its rows
    grouped by person). An anti-join, not a primary key: an ART index on 10^6 keys costs
    more than the load."""
    gender, rows = "p.gender", ""
    if genders:
        gender = "coalesce(f.gender, p.gender)"
        rows = f"""JOIN (SELECT person_key, arg_min_null(_p_gender, _i) AS gender
                         FROM {STAGE} GROUP BY person_key) f USING (person_key)"""
    # Numbered on from the last person in key order; into an empty table, every person is
    # new and the stage's numbers are those (no sort: 10^6 persons, 0.2 s less).
    number, new = "p._no", ""
    if _one(con, "SELECT count(*) FROM persons")[0]:
        number = ("(SELECT max(person_no) FROM persons) "
                  "+ row_number() OVER (ORDER BY person_key)")
        new = "ANTI JOIN persons USING (person_key)"
    con.execute(f"""INSERT INTO persons
                   SELECT person_key, p.id_masked, {gender}, p.birth_year, ?, {number}
                   FROM {staging.PERSONS} p {new} {rows}""", [batch])


def _one(con, query: str, params: list | None = None) -> tuple | None:
    """The first row of a query, reading the result whole (DuckDB 2.0 blocks otherwise)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None
