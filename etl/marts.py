"""The marts (core/marts.py): fact tables summed by month, place and the pages' breakdowns,
made at load for the months and counties a batch touched, or whole.

A mart row sums the fact rows of one month and county (and station, cut and breakdown
value), so the rows a batch wrote, replaced or withdrew change only the mart rows of their
(month, county) pairs: those are deleted and summed again from the facts of those pairs,
which gives the rows a full rebuild gives (tests/etl/test_marts.py compares both after loads,
corrections and a withdrawal). `scope` records the pairs while the batch's rows and the rows
it replaced are still where they can be read: after a load, before a withdrawal.
"""

from __future__ import annotations

import duckdb

from core import schema
from core.marts import MARTS, MULTI_SITE, PERSON_MARTS, Mart

SCOPE = "_mart_scope"  # temp table: mart, month, county_code of the pairs to sum again
PLACES = "_mart_person_scope"  # temp table: fact table, county_code of the touched persons
MOVED = "_mart_multi_persons"  # temp table: fact table, person_key of the touched persons


def tables() -> list[str]:
    """Every table refresh() writes."""
    return [m.name for m in MARTS] + [p for p, _ in PERSON_MARTS.values()] + \
        list(MULTI_SITE.values())


def scope(con: duckdb.DuckDBPyConnection, batches: list[str]) -> None:
    """Record the (month, county) pairs of every mart that the rows of `batches` touch: the
    batches' own rows and the rows they replaced (kept in the archives). Called after a load
    wrote them, or before a withdrawal takes them out and puts the replaced ones back."""
    # one INSERT for every mart, one for every person mart (a statement per table cost
    # ~0.5-1 ms of CPU each, in every load)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SCOPE} "
                "(mart VARCHAR, month DATE, county_code VARCHAR)")
    pairs = []
    for m in MARTS:
        sources = [f"SELECT {m.date_col}, county_code FROM {m.table} "
                   "WHERE list_contains($b, batch_id)"]
        if m.table in schema.LOADED:
            sources.append(f"SELECT {m.date_col}, county_code FROM {schema.archive(m.table)} "
                           "WHERE list_contains($b, replaced_by)")
        pairs.append(f"""(SELECT DISTINCT '{m.name}', date_trunc('month', d)::DATE, c
                          FROM ({' UNION ALL '.join(sources)}) s(d, c) WHERE d IS NOT NULL)""")
    con.execute(f"INSERT INTO {SCOPE} {' UNION ALL '.join(pairs)}", {"b": batches})
    # a person's row changes the previous-row months of the person's other rows and whether
    # the person is in one place: every county where the touched persons have rows
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PLACES} (tbl VARCHAR, county_code VARCHAR)")
    places = [f"""(SELECT DISTINCT '{table}', county_code
                   FROM {table} WHERE person_key IN (
                       SELECT person_key FROM {table} WHERE list_contains($b, batch_id)
                       UNION SELECT person_key FROM {schema.archive(table)}
                       WHERE list_contains($b, replaced_by))
                   UNION SELECT '{table}', county_code FROM {schema.archive(table)}
                   WHERE list_contains($b, replaced_by))""" for table in PERSON_MARTS]
    if places:
        con.execute(f"INSERT INTO {PLACES} {' UNION ALL '.join(places)}", {"b": batches})
    # whose rows in several places can change: the persons of the batches' rows and of the
    # rows they replaced (etl/person_index.py derives their columns again, no one else's)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {MOVED} (tbl VARCHAR, person_key UBIGINT)")
    persons = [f"SELECT '{table}', person_key FROM {table} WHERE list_contains($b, batch_id)"
               + (f" UNION ALL SELECT '{table}', person_key FROM {schema.archive(table)} "
                  "WHERE list_contains($b, replaced_by)" if table in schema.LOADED else "")
               for table in MULTI_SITE]
    con.execute(f"INSERT INTO {MOVED} SELECT DISTINCT * FROM ({' UNION ALL '.join(persons)})",
                {"b": batches})


def refresh(con: duckdb.DuckDBPyConnection, scoped: bool = False) -> None:
    """Make every mart again from its facts: whole, or with `scoped` only the pairs `scope`
    recorded (a mart not made yet is made whole)."""
    # the warehouse's own tables: over every catalog (the load's temporary tables too) the
    # query cost ~4 ms of CPU, over the warehouse's ~1
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                      "WHERE database_name = current_database()").fetchall()}
    # every mart's range of months at once (a query each cost ~0.5 ms of CPU)
    ranges = {mart: (lo, hi) for mart, lo, hi in con.execute(
        f"SELECT mart, min(month), max(month) FROM {SCOPE} GROUP BY mart").fetchall()
        } if scoped else {}
    for m in MARTS:
        if m.table not in have:
            continue
        if not scoped or m.name not in have:
            con.sql(f"CREATE OR REPLACE TABLE {m.name} AS {_select(m, 'true')} "
                    "ORDER BY dim, month")
            continue
        lo, hi = ranges.get(m.name, (None, None))
        if lo is None:
            continue  # the batch touched no row of this table
        inside = (f"EXISTS (SELECT 1 FROM {SCOPE} s WHERE s.mart = '{m.name}' "
                  "AND s.month = {month} AND s.county_code = {county})")
        con.execute(f"DELETE FROM {m.name} t WHERE "
                    + inside.format(month="t.month", county="t.county_code"))
        # the outer range lets the scan skip the facts' row groups of other months
        rows = (f"t.{m.date_col} >= $lo AND t.{m.date_col} < $hi + INTERVAL 1 MONTH AND "
                + inside.format(month=f"date_trunc('month', t.{m.date_col})::DATE",
                                county="t.county_code"))
        con.execute(f"INSERT INTO {m.name} {_select(m, rows)}", {"lo": lo, "hi": hi})
    # the person marts of tables whose persons the batch touched in no county keep their rows
    placed = {t for (t,) in con.execute(f"SELECT DISTINCT tbl FROM {PLACES}").fetchall()
              } if scoped else set(PERSON_MARTS)
    for table, (name, dims) in PERSON_MARTS.items():
        if table in have and (table in placed or name not in have):
            _refresh_persons(con, table, name, dims, scoped and name in have)
    _refresh_multi_site(con, have, scoped)


def _refresh_multi_site(con: duckdb.DuckDBPyConnection, have: set[str], scoped: bool) -> None:
    """The rows of persons in several places: whole, or with `scoped` those of the persons
    `scope` recorded. Whole, it read the rows of every such person (at 40M relief rows 78 of
    328 row groups, 0.3 CPU-s cold, in every load); a row's flag and columns change only
    with its person's rows."""
    moved = {t for (t,) in con.execute(f"SELECT DISTINCT tbl FROM {MOVED}").fetchall()
             } if scoped else set(MULTI_SITE)
    for table, name in MULTI_SITE.items():
        if table not in have:
            continue
        if not scoped or name not in have:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {table} "
                        "WHERE multi_site")
        elif table in moved:
            whose = f"person_key IN (SELECT person_key FROM {MOVED} WHERE tbl = '{table}')"
            con.execute(f"DELETE FROM {name} WHERE {whose}")
            con.execute(f"INSERT INTO {name} SELECT * FROM {table} WHERE multi_site AND {whose}")


def _refresh_persons(con: duckdb.DuckDBPyConnection, table: str, name: str,
                     dims: tuple[str, ...], scoped: bool) -> None:
    """Persons in one place per month, county and month of the person's previous row, at all
    (dim '') and per column of `dims` (by the previous row of the same value): whole, or for
    the counties `scope` recorded."""
    parts = []
    for dim in ("", *dims):
        values = ", ".join(d if d == dim else f"NULL::VARCHAR AS {d}" for d in dims)
        prev = f"prev_month_{dim}" if dim else "prev_month"
        parts.append(f"SELECT '{dim}' AS dim, month_key, coalesce({prev}, -1) AS prev_month, "
                     f"county_code, {values}, count(*) AS persons FROM {table} "
                     "WHERE NOT multi_site AND month_key IS NOT NULL AND {only} GROUP BY ALL")
    if not scoped:
        sql = " UNION ALL ".join(parts).replace("{only}", "true")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql} ORDER BY dim, month_key")
        return
    only = f"county_code IN (SELECT county_code FROM {PLACES} WHERE tbl = '{table}')"
    con.execute(f"DELETE FROM {name} WHERE {only}")
    con.execute(f"INSERT INTO {name} " + " UNION ALL ".join(parts).replace("{only}", only))


def _select(m: Mart, where: str) -> str:
    """The mart's rows from the fact rows where `where` holds: one grouping set by month,
    place and cuts (dim ''), and one more per breakdown column (dim = its name)."""
    base = ["month", *m.places, *m.cuts, *(k for k, _ in m.keys)]
    sets = ", ".join(f"({', '.join(base + extra)})" for extra in [[], *([d] for d in m.dims)])
    dim = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in m.dims) + \
        " ELSE '' END" if m.dims else "''"
    sums = ", ".join(f"{expr} AS {col}" for col, expr in m.measures)
    return (f"SELECT {dim} AS dim, {', '.join(base + list(m.dims))}, {sums} "
            f"FROM (SELECT date_trunc('month', t.{m.date_col})::DATE AS month, "
            f"{''.join(f'{sql} AS {k}, ' for k, sql in m.keys)}t.* "
            f"FROM {m.table} t WHERE t.{m.date_col} IS NOT NULL AND {where}) t "
            f"GROUP BY GROUPING SETS ({sets})")
