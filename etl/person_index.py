"""Per-person columns of the fact tables, derived after a load (see schema.PERSON_INDEX).

Counting distinct persons over ten million rows needs a hash table of every person in range,
for every bucket and cut; the dashboard does it dozens of times a page. With the days since
a person's previous row (`prev_gap`), the persons with a row in [s, e] are simply the rows in
[s, e] whose previous row falls before s: a filtered COUNT(*). That holds within any region
for persons whose rows all lie in one place (`multi_site` false); the few others are counted
the exact way (analytics.queries). Cuts by a dimension use the gap to the previous row with
the same value of that dimension.

Only persons with rows this run wrote (derived columns still NULL) are recomputed, over
all their rows, so a small load into a large warehouse costs what its persons' histories
cost. Rows stay where the load put them; the columns are updated in place.
"""

from __future__ import annotations

import duckdb

from etl import rollups, schema

# Breaks ties between a person's rows on the same day, so a rebuild is deterministic.
TIEBREAK = {"relief": ("relief_id",), "training": ("enrolment_id",),
            "medical_cards": ("kind", "county_code")}


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the derived columns for every person with a row whose columns are still NULL."""
    for table in schema.PERSON_INDEX:
        _refresh_table(con, table)


def _refresh_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    pending = con.sql(f"SELECT count(*) FROM {table} WHERE person_no IS NULL").fetchall()[0][0]
    if not pending:
        return
    con.sql(f"""CREATE OR REPLACE TEMP TABLE _touched AS
                SELECT DISTINCT person_key FROM {table} WHERE person_no IS NULL""")
    # The windows run over a narrow projection and the result is written back by row id:
    # sorting whole rows (32-character ids and keys) through them took four times as long.
    con.sql(f"""CREATE OR REPLACE TEMP TABLE _derived AS
                SELECT t.rowid AS rid, {_derived_select(table)} FROM {table} t
                LEFT JOIN persons p USING (person_key)
                WHERE t.person_key IN (SELECT person_key FROM _touched)""")
    columns = schema.derived_columns(table)
    con.sql(f"UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in columns)} "
            f"FROM _derived d WHERE {table}.rowid = d.rid")
    con.sql("DROP TABLE _derived")
    con.sql("DROP TABLE _touched")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Give a warehouse written before these columns existed the columns and their values."""
    for table in ("persons", *schema.PERSON_INDEX):
        for column in schema.derived_columns(table):
            con.sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} "
                    f"{schema.derived_type(column)}")
    con.sql("""UPDATE persons SET person_no = n.no FROM (
                   SELECT person_key, (SELECT coalesce(max(person_no), 0) FROM persons)
                          + row_number() OVER (ORDER BY person_key) AS no
                   FROM persons WHERE person_no IS NULL) n
               WHERE persons.person_key = n.person_key""")
    refresh(con)
    for rollup, *_ in schema.EVENT_ROLLUPS.values():
        if not con.sql(f"SELECT count(*) FROM {rollup}").fetchall()[0][0]:
            rollups.refresh(con)


def _derived_select(table: str) -> str:
    """The derived columns, computed over each person's rows."""
    date_col, sites, dims = schema.PERSON_INDEX[table]
    order = ", ".join([f"t.{date_col}", *(f"hash(t.{c})" for c in TIEBREAK[table])])
    person = "PARTITION BY p.person_no"  # an integer partitions faster than the 32-char key
    multi = " OR ".join(f"min(t.{c}) OVER ({person}) <> max(t.{c}) OVER ({person})"
                        for c in sites)
    gaps = [f"t.{date_col} - lag(t.{date_col}) OVER ({person} ORDER BY {order}) AS prev_gap"]
    gaps += [f"t.{date_col} - lag(t.{date_col}) OVER ({person}, t.{d} ORDER BY {order}) "
             f"AS prev_gap_{d}" for d in dims]
    return f"p.person_no, ({multi}) AS multi_site, {', '.join(gaps)}"
