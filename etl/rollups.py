"""Monthly tables derived from the facts, refreshed after every load: changes of stocks
(schema.EVENT_ROLLUPS) and sums of flows (schema.SUM_ROLLUPS).

A stock such as the hardship workers on file is entries minus exits up to a day. The
dashboard asks for it at month ends only, so entries and exits summed per month, place and
category answer every question it asks, from ~10^5 rows instead of two passes over every file.
Likewise sums of relief paid, by month and every dimension a page cuts by, and persons
relieved by month and the month of their previous payment (schema.PERSON_ROLLUPS).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import polars as pl

from core import festival, schema
from etl import person_index, season_rollup, touched


def tables() -> list[str]:
    """Every table refresh() writes."""
    return [rollup for made in sources().values() for rollup in made]


def sources() -> dict[str, list[str]]:
    """Fact table → the rollups made from it."""
    made: dict[str, list[str]] = {}
    for rollups in (schema.EVENT_ROLLUPS, schema.SUM_ROLLUPS, schema.SEASON_ROLLUPS):
        for facts, (rollup, *_) in rollups.items():
            made.setdefault(facts, []).append(rollup)
    for facts, rollup in schema.PERSON_ROLLUPS.items():
        made.setdefault(facts, []).append(rollup)
    return made


# The cells of the relief rollups a batch changes (`scope`): (station, month) and (station,
# season), and the relief rows in them; the other cells are the same as before.
MONTHS, SEASONS = "_rollup_months", "_rollup_seasons"
MONTH_ROWS, SEASON_ROWS = "_rollup_month_rows", "_rollup_season_rows"
FESTIVALS = "spring_festivals_df"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the rollups of a warehouse written before one of them existed, once its
    per-person columns are there (etl/person_index.migrate): when a rollup is empty and its
    facts are not. (An empty rollup of empty facts is what a refresh would make: every load
    into a warehouse of the registry alone made them again.)"""
    def empty(table: str) -> bool:
        return not con.execute(f"SELECT EXISTS (FROM {table})").fetchall()[0][0]

    if any(empty(rollup) and not empty(facts) for facts, made in sources().items()
           for rollup in made):
        refresh(con)


def scope(con: duckdb.DuckDBPyConnection, derived: pl.DataFrame | None = None) -> bool:
    """Limit the next `refresh(con, scoped=True)` to what the batch touched (etl/touched.py;
    its persons' rows staged before etl/person_index.py ran, with their derived columns as
    they were): the relief rollups to the (station, month) and (station, season) cells of
    the rows it wrote, replaced or withdrew and of its persons' other rows whose per-person
    columns changed (a new row changes the previous payment of the row after it, and the
    one-place flag of its person's rows when it is elsewhere); the hardship events to the
    stations of the hardship rows it touched. A monthly file then rebuilds the cells of its
    month and of the few rows it displaced, not its stations' histories, and reads only the
    row groups of those months and seasons (relief is mostly in load order, i.e. by date, so
    its zone maps on relief_date skip the rest). False when every relief row is touched:
    rebuild it all. `derived`: the touched persons' relief rows whose columns person_index
    changed (its `refresh_staged`), else derived here again from the staged rows."""
    con.register(FESTIVALS, festival.frame())
    try:
        _changed(con, derived)
        join, season = festival.season_sql("relief_date", FESTIVALS, "nx", "LEFT JOIN")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {MONTHS} AS
                        SELECT DISTINCT station_code,
                               year(relief_date) * 12 + month(relief_date) - 1 AS month_key
                        FROM _rollup_changed""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {SEASONS} AS
                        SELECT DISTINCT station_code, {season} AS season
                        FROM _rollup_changed {join}""")
        con.execute("DROP TABLE _rollup_changed")
        _month_rows(con)
        _season_rows(con)
    finally:
        con.unregister(FESTIVALS)
    partial = con.execute(f"SELECT (SELECT count(*) FROM relief) > "
                          f"(SELECT count(*) FROM {MONTH_ROWS})").fetchall()[0][0]
    return bool(partial)


def _changed(con: duckdb.DuckDBPyConnection, derived: pl.DataFrame | None) -> None:
    """`_rollup_changed`: station and date of the rows the batch touched and of its persons'
    rows whose derived columns person_index changed: those `derived` holds (by `rid`, the
    staged rows' `row_id`), or, when person_index did not derive them from the staged copy,
    derived again from it with person_index's own projection and `derive` (a person's
    columns depend on that person's rows only, and the copy holds all of them, but for the
    persons whose new rows follow their last: those rows, in the batch's, are all they
    changed), not read
    back from relief: the persons' rows are spread over the whole table, so that read was a
    scan of all of it. The persons are then told apart by person_key, which names one
    person_no each (the load numbers the persons it adds), so persons is not read either."""
    if derived is None:
        derived = person_index.derive(con.sql(f"""
            SELECT t.row_id AS rid, dense_rank() OVER (ORDER BY t.person_key) AS person_no,
                   {person_index.projection("relief")}
            FROM {touched.PERSON_RELIEF} t
            ANTI JOIN {touched.FOLLOWING} USING (person_key)""").pl(), "relief")
    # the derived columns the rollups read; person_no only follows the person
    columns = [c for c in schema.derived_columns("relief") if c != "person_no"]
    con.register("_rollup_derived", derived)
    try:
        differ = " OR ".join(f"s.{c} IS DISTINCT FROM d.{c}" for c in columns)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _rollup_changed AS
                        SELECT s.station_code, s.relief_date FROM {touched.PERSON_RELIEF} s
                        JOIN _rollup_derived d ON d.rid = s.row_id WHERE {differ}
                        UNION ALL SELECT station_code, relief_date FROM {touched.RELIEF}""")
    finally:
        con.unregister("_rollup_derived")


def _month_rows(con: duckdb.DuckDBPyConnection) -> None:
    """MONTH_ROWS: the relief rows of the MONTHS cells, read from their months' dates only."""
    keys = [k for (k,) in con.execute(f"SELECT DISTINCT month_key FROM {MONTHS}").fetchall()]
    runs = [(_month_start(first), _month_start(last + 1)) for first, last in _runs(keys)]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {MONTH_ROWS} AS
                    SELECT r.* FROM relief r SEMI JOIN {MONTHS} c
                    ON c.station_code = r.station_code AND c.month_key = r.month_key
                    WHERE {_between('r.relief_date', len(runs))}""", _bounds(runs))


def _season_rows(con: duckdb.DuckDBPyConnection) -> None:
    """SEASON_ROWS: the rows of the SEASONS cells that the season table sums, read from their
    seasons' dates only, the season computed for those rows alone; not made when no cell has
    a season (`refresh` then leaves the season tables alone)."""
    seasons = [s for (s,) in con.execute(f"SELECT DISTINCT season FROM {SEASONS} "
                                         "WHERE season IS NOT NULL").fetchall()]
    if not seasons:
        return
    spans = {s: (start, end) for s, _, start, end in festival.spring_festivals()}
    runs = [(spans[first][0], spans[last][1]) for first, last in _runs(seasons)]
    join, season = festival.season_sql("r.relief_date", FESTIVALS, "nx", "LEFT JOIN")
    _, _, column, value = schema.SEASON_ROLLUPS["relief"]  # only its rows are summed
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {SEASON_ROWS} AS
                    SELECT r.* EXCLUDE (season) FROM (
                        SELECT r.*, {season} AS season FROM relief r {join}
                        WHERE r.{column} = $value AND {_between('r.relief_date', len(runs))}) r
                    SEMI JOIN {SEASONS} c ON c.station_code = r.station_code
                     AND c.season = r.season""", {"value": value, **_bounds(runs)})


def _runs(keys: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers of `keys` as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for key in sorted(keys):
        if runs and key == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], key)
        else:
            runs.append((key, key))
    return runs


def _month_start(month_key: int) -> date:
    """The first day of the month of a month_key (year * 12 + month - 1)."""
    return date(month_key // 12, month_key % 12 + 1, 1)


def _between(column: str, n: int) -> str:
    """SQL: `column` in one of n ranges [$lo<i>, $hi<i>) (`_bounds`), false for none.
    Constants, so the scan skips the row groups whose zone maps lie outside them all."""
    return " OR ".join(f"({column} >= $lo{i} AND {column} < $hi{i})"
                       for i in range(n)) or "false"


def _bounds(runs: list[tuple[date, date]]) -> dict[str, date]:
    """The parameters of `_between` for these ranges."""
    bounds = {}
    for i, (lo, hi) in enumerate(runs):
        bounds[f"lo{i}"], bounds[f"hi{i}"] = lo, hi
    return bounds


def _cell_keys(con: duckdb.DuckDBPyConnection, scoped: bool, cells: str,
               column: str) -> list[int] | None:
    """The values of `column` in the scope's `cells` (None: not scoped, every row)."""
    if not scoped:
        return None
    return [k for (k,) in con.execute(f"SELECT DISTINCT {column} FROM {cells} "
                                      f"WHERE {column} IS NOT NULL").fetchall()]


def _in_cells(keys: list[int] | None, cells: str, column: str, key: str,
              sorted_on: tuple[str, Callable[[int], str]] | None = None
              ) -> Callable[[str], str] | None:
    """SQL over a rollup `t`: its rows in the scope's `cells` (station and `column`, whose
    value in the rollup is `key`; `keys` its values there, `_cell_keys`), or every row
    (`keys` None); None when the scope has no such cell. The cells' keys, in runs, also
    bound the column the rollup is sorted by (`sorted_on`: that column and a key's constant
    in it; `key` itself by default) with constants, so a DELETE reads only their row
    groups."""
    if keys is None:
        return lambda _t: "true"
    on, constant = sorted_on or (key, str)
    if not keys:
        return None
    near = " OR ".join(f"{on} BETWEEN {constant(first)} AND {constant(last)}"
                       for first, last in _runs(keys))
    return lambda t: (f"({near.format(t=t)}) AND EXISTS (SELECT 1 FROM {cells} c "
                      f"WHERE c.station_code = {t}.station_code"
                      f" AND c.{column} = {key.format(t=t)})")


def refresh(con: duckdb.DuckDBPyConnection, scoped: bool = False) -> None:
    """Rebuild every monthly table from its fact table (about 0.1 s per 10^6 rows); with
    `scoped`, only the cells `scope` found touched."""
    # A scope without cells of months (or seasons) leaves those rollups as they are: none
    # of their rows is in it, and the relief rows in its cells are none.
    months = _cell_keys(con, scoped, MONTHS, "month_key")
    in_month = _in_cells(months, MONTHS, "month_key", "{t}.month_key")
    month_rows = MONTH_ROWS if scoped else "relief"  # the cells' relief rows
    for table, (rollup, date_col) in schema.SUM_ROLLUPS.items():
        cell = _in_cells(months, MONTHS, "month_key",
                         "year({t}.month) * 12 + month({t}.month) - 1",
                         ("{t}.month", lambda key: f"DATE '{_month_start(key)}'"))
        if cell is None and table == "relief":
            continue
        columns = [r[0] for r in con.execute(f"DESCRIBE {rollup}").fetchall()]
        keys = [c for c in columns if c not in ("month", "payments", "amount_yuan")]
        con.execute(f"DELETE FROM {rollup} WHERE {cell(rollup) if cell else 'false'}")
        con.execute(f"""INSERT INTO {rollup} ({', '.join(columns)})
                    SELECT date_trunc('month', {date_col})::DATE AS month, {', '.join(keys)},
                           count(*) AS payments, sum(amount_yuan) AS amount_yuan
                    FROM {_source(table, month_rows)} GROUP BY ALL ORDER BY month""")
    for table, (rollup, entry, leave) in schema.EVENT_ROLLUPS.items():
        if scoped and not _any(con, touched.HARDSHIP):
            continue  # no station's rows are in scope
        # its stations' rows (a station of NULL is one too), when the batch touched them
        mine = (f"EXISTS (SELECT 1 FROM {touched.HARDSHIP} h "
                f"WHERE h.station_code IS NOT DISTINCT FROM {{t}}.station_code)"
                if scoped else "true")
        month = "year({d}) * 12 + month({d}) - 1"
        con.execute(f"DELETE FROM {rollup} WHERE {mine.format(t=rollup)}")
        con.execute(f"""INSERT INTO {rollup}
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
        if in_month is not None or table != "relief":
            _refresh_persons(con, _source(table, month_rows), rollup,
                             in_month(rollup) if in_month else "false")
    # two-festival relief per Spring Festival season
    in_season = _in_cells(_cell_keys(con, scoped, SEASONS, "season"), SEASONS, "season",
                          "{t}.season")
    if in_season is not None:
        season_rollup.refresh(con, in_season,
                              lambda table: _source(table, SEASON_ROWS if scoped else table))
    if scoped:
        for name in (MONTH_ROWS, SEASON_ROWS):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _any(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"SELECT EXISTS (FROM {table})").fetchall()[0][0]


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
    con.execute(f"DELETE FROM {rollup} WHERE {only}")
    # one INSERT for every dimension (one each cost ~1-1.5 ms of CPU, five in every load),
    # its rows a dimension after the other, each by month
    parts = []
    for i, dim in enumerate(("", *dims)):
        values = ", ".join(f"{d}" if d == dim else f"NULL AS {d}" for d in dims)
        prev = f"prev_month_{dim}" if dim else "prev_month"
        parts.append(f"""SELECT {i} AS _part, '{dim}', month_key, coalesce({prev}, -1),
                                county_code, station_code, {values}, count(*)
                         FROM {table} WHERE NOT multi_site AND month_key IS NOT NULL
                         GROUP BY ALL""")
    con.execute(f"INSERT INTO {rollup} SELECT * EXCLUDE (_part) FROM "
                f"({' UNION ALL '.join(parts)}) ORDER BY _part, month_key")


def _fact(table: str) -> str:
    return "relief" if table == MONTH_ROWS else table
