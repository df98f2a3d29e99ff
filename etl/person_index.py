"""Per-person columns of the fact tables, derived after a load (see schema.PERSON_INDEX).

Counting distinct persons over ten million rows needs a hash table of every person in range,
for every bucket and cut; the dashboard does it dozens of times a page. With the days since
a person's previous row (`prev_gap`), the persons with a row in [s, e] are simply the rows in
[s, e] whose previous row falls before s: a filtered COUNT(*). That holds within any region
for persons whose rows all lie in one place (`multi_site` false); the few others are counted
the exact way (analytics.queries). Cuts by a dimension use the gap to the previous row with
the same value of that dimension.

Only persons with rows this run wrote (derived columns still NULL) are recomputed: their rows
are read, given the new columns, deleted and written back in date order, so a small load into
a large warehouse costs what its persons' histories cost, and a first load leaves the table in
date order (zone maps then skip row groups outside a date range).
"""

from __future__ import annotations

import duckdb

from etl import schema

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
    con.sql(f"""CREATE OR REPLACE TEMP TABLE _redo AS
                SELECT {_derived_select(table)} FROM {table} t
                LEFT JOIN persons p USING (person_key)
                WHERE t.person_key IN (SELECT person_key FROM _touched)""")
    con.sql(f"DELETE FROM {table} WHERE person_key IN (SELECT person_key FROM _touched)")
    was = con.sql("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.sql("SET preserve_insertion_order = true")  # the load turns it off; here order counts
    try:
        con.sql(f"INSERT INTO {table} SELECT * FROM _redo "
                f"ORDER BY {schema.PERSON_INDEX[table][0]}")
    finally:
        con.sql(f"SET preserve_insertion_order = {bool(was)}")
    con.sql("DROP TABLE _redo")
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


def _derived_select(table: str) -> str:
    """t.* with the derived columns computed over each person's rows."""
    date_col, sites, dims = schema.PERSON_INDEX[table]
    order = ", ".join(f"t.{c}" for c in (date_col, *TIEBREAK[table]))
    person = "PARTITION BY t.person_key"
    multi = " OR ".join(f"min(t.{c}) OVER ({person}) <> max(t.{c}) OVER ({person})"
                        for c in sites)
    gaps = [f"t.{date_col} - lag(t.{date_col}) OVER ({person} ORDER BY {order}) AS prev_gap"]
    gaps += [f"t.{date_col} - lag(t.{date_col}) OVER ({person}, t.{d} ORDER BY {order}) "
             f"AS prev_gap_{d}" for d in dims]
    return (f"t.* REPLACE (p.person_no AS person_no, ({multi}) AS multi_site, "
            f"{', '.join(gaps)})")
