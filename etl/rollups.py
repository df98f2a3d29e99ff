"""Monthly tables derived from the facts, refreshed after every load: changes of stocks
(schema.EVENT_ROLLUPS) and sums of flows (schema.SUM_ROLLUPS).

A stock such as the hardship workers on file is entries minus exits up to a day. The
dashboard asks for it at month ends only, so entries and exits summed per month, place and
category answer every question it asks, from ~10^5 rows instead of two passes over every file.
Likewise sums of relief paid, by month and every dimension a page cuts by, and persons
relieved by month and the month of their previous payment (schema.PERSON_ROLLUPS).
"""

from __future__ import annotations

import duckdb

from core import schema
from etl import season_rollup, touched


def tables() -> list[str]:
    """Every table refresh() writes."""
    return [*(r for r, *_ in schema.EVENT_ROLLUPS.values()),
            *(r for r, _ in schema.SUM_ROLLUPS.values()), *schema.PERSON_ROLLUPS.values(),
            *(r for r, *_ in schema.SEASON_ROLLUPS.values())]


# The stations whose relief rollups a batch changes (`scope`), and their relief rows; the
# rows of other stations are the same as before.
SCOPE = "_rollup_scope"
SCOPE_ROWS = "_rollup_rows"


def scope(con: duckdb.DuckDBPyConnection) -> bool:
    """Limit the next `refresh(con, scoped=True)` to what the batch touched (etl/touched.py,
    recorded and staged): the relief rollups to the stations of every row of its persons (a
    row changes the previous-payment columns and the one-place flag of its person's other
    rows; a replaced or withdrawn row had the same person and station), the hardship events
    to the stations of the hardship rows it touched. A monthly station file into a
    10^7-row warehouse then rebuilds a station's rows, not all. False when every relief
    row is touched: rebuild it all."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {SCOPE} AS
                    SELECT station_code FROM {touched.PERSON_RELIEF}
                    UNION SELECT station_code FROM {touched.RELIEF}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {SCOPE_ROWS} AS SELECT * FROM relief
                    WHERE station_code IN (SELECT station_code FROM {SCOPE})""")
    partial = con.execute(f"SELECT (SELECT count(*) FROM relief) > "
                          f"(SELECT count(*) FROM {SCOPE_ROWS})").fetchall()[0][0]
    if not partial:
        con.execute(f"DROP TABLE {SCOPE_ROWS}")
    return bool(partial)


def refresh(con: duckdb.DuckDBPyConnection, scoped: bool = False) -> None:
    """Rebuild every monthly table from its fact table (about 0.1 s per 10^6 rows); with
    `scoped`, only what `scope` found touched."""
    only = f"station_code IN (SELECT station_code FROM {SCOPE})" if scoped else "true"
    source = SCOPE_ROWS if scoped else "relief"  # the scope's relief rows, read once
    for table, (rollup, date_col) in schema.SUM_ROLLUPS.items():
        columns = [r[0] for r in con.sql(f"DESCRIBE {rollup}").fetchall()]
        keys = [c for c in columns if c not in ("month", "payments", "amount_yuan")]
        con.sql(f"DELETE FROM {rollup} WHERE {only}")
        con.sql(f"""INSERT INTO {rollup} ({', '.join(columns)})
                    SELECT date_trunc('month', {date_col})::DATE AS month, {', '.join(keys)},
                           count(*) AS payments, sum(amount_yuan) AS amount_yuan
                    FROM {_source(table, source)} GROUP BY ALL ORDER BY month""")
    for table, (rollup, entry, leave) in schema.EVENT_ROLLUPS.items():
        # its stations' rows (a station of NULL is one too), when the batch touched them
        mine = (f"EXISTS (SELECT 1 FROM {touched.HARDSHIP} h "
                f"WHERE h.station_code IS NOT DISTINCT FROM {{t}}.station_code)"
                if scoped else "true")
        month = "year({d}) * 12 + month({d}) - 1"
        con.sql(f"DELETE FROM {rollup} WHERE {mine.format(t=rollup)}")
        con.sql(f"""INSERT INTO {rollup}
                    SELECT month_key, county_code, station_code, category, sum(change)
                    FROM (SELECT {month.format(d=entry)} AS month_key, county_code,
                                 station_code, category, 1 AS change FROM {table}
                          WHERE {mine.format(t=table)}
                          UNION ALL
                          SELECT {month.format(d=leave)}, county_code, station_code,
                                 category, -1 FROM {table}
                          WHERE {leave} IS NOT NULL AND {mine.format(t=table)})
                    GROUP BY ALL HAVING sum(change) <> 0
                    ORDER BY month_key""")
    for table, rollup in schema.PERSON_ROLLUPS.items():
        _refresh_persons(con, _source(table, source), rollup, only)
    # two-festival relief per Spring Festival season
    season_rollup.refresh(con, only, lambda table: _source(table, source))
    if scoped:
        con.execute(f"DROP TABLE IF EXISTS {SCOPE_ROWS}")


def _source(table: str, scoped_relief: str) -> str:
    """The rows a rollup of `table` is made from: the scope's relief rows, or all rows."""
    return scoped_relief if table == "relief" else table


def _refresh_persons(con: duckdb.DuckDBPyConnection, table: str, rollup: str,
                     only: str) -> None:
    """Persons in one place per month and previous row's month, at all (dim '') and per
    dimension (by the previous row of the same value), sorted by dim and month so a query
    for one dimension and a range of months reads only its row groups; rows of `table` (the
    fact table or its scope's rows), replacing the rollup's rows where `only` (SQL) holds."""
    dims = schema.PERSON_INDEX[_fact(table)][2]
    con.sql(f"DELETE FROM {rollup} WHERE {only}")
    for dim in ("", *dims):
        values = ", ".join(f"{d}" if d == dim else f"NULL AS {d}" for d in dims)
        prev = f"prev_month_{dim}" if dim else "prev_month"
        con.execute(f"""INSERT INTO {rollup}
                        SELECT $dim, month_key, coalesce({prev}, -1), county_code, station_code,
                               {values}, count(*)
                        FROM {table} WHERE NOT multi_site AND month_key IS NOT NULL
                        GROUP BY ALL ORDER BY month_key""", {"dim": dim})


def _fact(table: str) -> str:
    return "relief" if table == SCOPE_ROWS else table
