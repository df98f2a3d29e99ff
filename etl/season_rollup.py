"""Two-festival relief per Spring Festival season, rebuilt after every load
(schema.SEASON_ROLLUPS).

The dashboard compares two-festival relief season by season. Placing ten million payments in
their seasons at every view cost most of the relief page's time; summed here per season,
place and dimension, and by the season of the same person's previous festival payment
(`prev_season`, from etl/person_index.py's `prev_gap_<column>`), the persons of any run of
seasons are the rows whose previous season lies before its first: a sum over ~10^5 rows.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from core import festival, schema


def refresh(con: duckdb.DuckDBPyConnection,
            only: Callable[[str], str] = lambda _rollup: "true",
            rows: Callable[[str], str] = lambda table: table) -> None:
    """Rebuild every season table from its fact table (about 0.5 s per 10^7 rows): its rows
    where `only(rollup)` (SQL over the rollup table, such as its stations and seasons)
    holds, made from `rows(table)` (the fact table, or its rows in those)."""
    con.register("spring_festivals_df", festival.frame())
    try:
        for table, (rollup, date_col, column, value) in schema.SEASON_ROLLUPS.items():
            gap = f"prev_gap_{column}"
            # LEFT joins: a first payment (no previous date) keeps its row
            join, season = festival.season_sql(f"t.{date_col}", "spring_festivals_df", "nx",
                                               "LEFT JOIN")
            prev_join, prev = festival.season_sql(f"(t.{date_col} - t.{gap})",
                                                  "spring_festivals_df", "px", "LEFT JOIN")
            con.execute(f"DELETE FROM {rollup} WHERE {only(rollup)}")
            con.execute(f"""
                INSERT INTO {rollup}
                SELECT {season} AS season,
                       CASE WHEN t.{gap} IS NULL THEN -1 ELSE {prev} END AS prev_season,
                       t.county_code, t.station_code, t.recipient_group, t.fund_source,
                       t.category, coalesce(t.multi_site, false), count(*), sum(t.amount_yuan)
                FROM {rows(table)} t {join} {prev_join}
                WHERE t.{column} = $value
                GROUP BY ALL ORDER BY season""", {"value": value})
    finally:
        con.unregister("spring_festivals_df")
