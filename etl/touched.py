"""What a batch touched: the keys a load or a withdrawal changed, so the derived tables
(per-person columns, rollups, season tables, the dq_* findings) are refreshed for those keys
only (etl/derived.py) and come out as a full refresh makes them.

`capture` records, in temporary tables of the working copy, the rows the batches wrote and
the rows they replaced or bring back (a load: after its rows are in; a withdrawal: before
they go, when both are still there) and their keys: persons, (county, year); the checks and
rollups take stations, months and strata from the rows themselves. A 零报告 batch touches
no row: the completeness grid, made whole at every refresh, reads zero_reports itself.
`stage` then copies the touched persons' current rows, which the person-partitioned checks
read instead of the whole tables: every row of a person, except for the FOLLOWING persons,
whose change lies after all their other rows (a monthly file in date order, its correction,
the withdrawal of either): their rows from the first period the change touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from core import festival, schema
from core.schema import PENDING
from etl import person_index

# Rows the batches wrote, replaced or (withdrawn) bring back, and the keys they touch.
# relief_id, person_key, station_code, county_code, type, date, amount, batch_id, and
# `archived`: the row is one a batch replaced (from the archive), not one a batch wrote
RELIEF = "_touched_relief"
BATCHES = "_touched_batches"  # batch_id: the batches of the change
HARDSHIP = "_touched_hardship"  # person_key, station_code
PERSONS = "_touched_persons"  # person_key: relief or hardship rows changed
COUNTY_YEARS = "_touched_county_years"  # county_code, year: relief or allocations changed
# Persons whose new relief rows all follow their last row (a load: `stage`), or whose
# withdrawn rows all follow their other rows (a withdrawal: `recede`), and whose change
# leaves their other rows' columns as they are: person_key. Only their rows in the periods
# the checks read are staged.
FOLLOWING = "_touched_following"
# The touched persons' PERSON_LAST groups (etl/person_index.read_last) as they were, but for
# the FOLLOWING persons whose rows a load replaced or a withdrawal takes out: theirs once
# those rows are gone (`_recede_last`).
LAST = "_touched_last"
# Relief rows the run's loads replaced, as they were, derived columns included (etl/upsert.py
# keeps them: the archive holds the columns files give, not the derived ones).
REPLACED = "_touched_replaced"
# The touched persons' rows as they are after the change (`stage`), relief's with `row_id`:
# every row of a person, the FOLLOWING persons' from the first period of their new rows.
PERSON_RELIEF = "_touched_person_relief"
PERSON_HARDSHIP = "_touched_person_hardship"

# Batches of these tables change what every check reads (the regions, stations' closing
# dates): the refresh after them is a full one.
WHOLE = frozenset({"help_stations"})


def capture(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> None:
    """The rows and keys `batches` touch, into the temporary tables above."""
    b = {"b": list(batches)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCHES} AS "
                "SELECT unnest($b::VARCHAR[]) AS batch_id", b)
    relief_cols = ("relief_id, person_key, station_code, county_code, relief_type, "
                   "relief_date, amount_yuan, batch_id")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {RELIEF} AS
                    {_changed('relief', relief_cols, archived=True)}""", b)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {HARDSHIP} AS
                    {_changed('hardship_files', 'person_key, station_code')}""", b)
    keep_replaced(con, None)  # none, unless a load of this run replaced rows
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PERSONS} AS
                    SELECT person_key FROM {RELIEF} UNION SELECT person_key FROM {HARDSHIP}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {COUNTY_YEARS} AS
                    SELECT county_code, year(relief_date)::SMALLINT AS year FROM {RELIEF} UNION
                    SELECT county_code, year FROM ({_changed('fund_allocations',
                                                             'county_code, year')})""", b)


def keep_replaced(con: duckdb.DuckDBPyConnection, rowids: str | None) -> None:
    """Keep in REPLACED the relief rows `rowids` selects (their rowid), before a load
    replaces them (etl/upsert.py); with None, only make REPLACED if it is not there."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REPLACED} AS FROM relief LIMIT 0")
    if rowids is not None:
        con.execute(f"INSERT INTO {REPLACED} SELECT * FROM relief WHERE rowid IN ({rowids})")


def _changed(table: str, columns: str, archived: bool = False) -> str:
    """Rows of `table` the batches $b wrote, and the rows they replaced (kept in the archive
    until they are withdrawn); with `archived`, a column saying which of the two a row is."""
    wrote, replaced = (", false AS archived", ", true AS archived") if archived else ("", "")
    return (f"SELECT {columns}{wrote} FROM {table} WHERE list_contains($b, batch_id) "
            f"UNION ALL SELECT {columns}{replaced} FROM {schema.archive(table)} "
            "WHERE list_contains($b, replaced_by)")


def stage(con: duckdb.DuckDBPyConnection, added: bool = False) -> None:
    """The touched persons' relief and hardship rows as they are now (after the change).

    Their relief rows are read once: the checks read the facts, etl/person_index.py derives
    the persons' columns from them (by `row_id`, relief's rowid) and etl/rollups.py compares
    those with the columns as they were. A person's rows are spread over the whole table, so
    a read of every row of theirs decompresses most of its row groups. The persons whose
    change follows all their other rows (FOLLOWING: `_following` after a load, `recede`
    before a withdrawal) need none of their older rows: their new rows' columns come from
    their last rows (etl/person_index.py), and the checks group a person's rows by period
    (festival season for festival relief, else year) at most, so only their rows from the
    first period of the rows changed are read, which lie in the table's last row groups
    (relief is mostly in load order, i.e. by date).
    Of the hardship rows only the columns the checks read (etl/checks/not_on_file.py,
    relief_after_exit.py)."""
    _following(con, added)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PERSON_RELIEF} AS "
                "SELECT rowid AS row_id, * FROM relief LIMIT 0")
    if con.execute(f"SELECT count(*) FROM {PERSONS} ANTI JOIN {FOLLOWING} USING (person_key)"
                   ).fetchall()[0][0]:
        con.execute(f"""INSERT INTO {PERSON_RELIEF} SELECT rowid AS row_id, * FROM relief
                        WHERE person_key IN (SELECT person_key FROM {PERSONS}
                                             ANTI JOIN {FOLLOWING} USING (person_key))""")
    (first,), = con.execute(f"SELECT min(year(r.relief_date)) FROM {RELIEF} r "
                            f"SEMI JOIN {FOLLOWING} USING (person_key)").fetchall()
    if first is not None:
        _, _, column, festive = schema.SEASON_ROLLUPS["relief"]
        year_start = date(first, 1, 1)
        season_start = min([s for y, _, s, _ in festival.spring_festivals() if y == first],
                           default=year_start)
        con.execute(f"""INSERT INTO {PERSON_RELIEF} SELECT rowid AS row_id, * FROM relief
                        WHERE relief_date >= $since
                          AND relief_date >= CASE WHEN {column} = $festive THEN $season
                                                  ELSE $year END
                          AND person_key IN (SELECT person_key FROM {FOLLOWING})""",
                    {"since": min(year_start, season_start), "festive": festive,
                     "season": season_start, "year": year_start})
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PERSON_HARDSHIP} AS
                    SELECT person_key, registered_on, exited_on FROM hardship_files
                    WHERE person_key IN (SELECT person_key FROM {PERSONS})""")


def _following(con: duckdb.DuckDBPyConnection, added: bool) -> None:
    """FOLLOWING: after a load, the touched persons none of whose hardship rows changed and
    whose new rows follow their last rows (`_follow`), counting without the rows it replaced
    if those all came after the person's other rows (`_recede`: a correction of the latest
    file), else without any replaced row; after a withdrawal, those `recede` chose."""
    if not added or not _start_following(con):  # a withdrawal: made by `recede`
        return
    _recede(con, REPLACED, f"SELECT person_key FROM {PERSONS}")
    _follow(con, f"SELECT * FROM {RELIEF} WHERE NOT archived", f"""
        SELECT person_key FROM {RELIEF} ANTI JOIN {HARDSHIP} USING (person_key)
        GROUP BY person_key
        HAVING NOT bool_or(archived) OR person_key IN (SELECT person_key FROM _receded_persons)""")
    con.execute("DROP TABLE _receded_persons")


def recede(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> None:
    """Before a withdrawal's rows (of `batches`) go: FOLLOWING, the touched persons whose
    withdrawn rows all come after their other rows (`_recede`) and whose rows that come back
    from the archive, if any (the withdrawal of a correction), follow the rows that stay
    (`_follow`); LAST, with their groups once the withdrawn rows are gone."""
    if not _start_following(con):
        return
    # the batches as constants: DuckDB then skips row groups by batch_id (a batch's rows lie
    # together, in the last row groups after a monthly file), where a join read them all
    con.execute("""CREATE OR REPLACE TEMP TABLE _withdrawn AS SELECT * FROM relief
                   WHERE list_contains($b, batch_id)""", {"b": list(batches)})
    _recede(con, "_withdrawn", f"SELECT person_key FROM {PERSONS}")
    back = f"SELECT * FROM {RELIEF} WHERE archived"
    con.execute(f"""INSERT INTO {FOLLOWING} SELECT person_key FROM _receded_persons
                    ANTI JOIN ({back}) USING (person_key)""")
    _follow(con, back, "SELECT person_key FROM _receded_persons")
    con.execute("DROP TABLE _withdrawn; DROP TABLE _receded_persons")


def _start_following(con: duckdb.DuckDBPyConnection) -> bool:
    """An empty FOLLOWING, and LAST as it is for the touched persons; False, with no LAST,
    where relief keeps no last rows (bench/bench_etl.py runs without per-person columns)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FOLLOWING} (person_key UBIGINT)")
    if "relief" not in schema.PERSON_INDEX or "relief" not in schema.PERSON_LAST:
        return False
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LAST} AS "
                f"{person_index.read_last('relief', f'SELECT person_key FROM {PERSONS}')}")
    return True


def _follow(con: duckdb.DuckDBPyConnection, new: str, candidates: str) -> None:
    """Add to FOLLOWING the persons `candidates` selects whose rows in `new` (relief rows
    about to be derived) all come after their last row in LAST (or who have none there),
    and who were in more than one place before exactly if they are with those rows."""
    _, sites, _ = schema.PERSON_INDEX["relief"]
    new_sites = " UNION ALL ".join(
        f"SELECT person_key, '{c}' AS grp, hash({c}) AS value_h, false AS before "
        f"FROM ({new}) WHERE {c} IS NOT NULL" for c in sites)
    con.execute(f"""
        INSERT INTO {FOLLOWING}
        WITH candidates AS (SELECT person_key, min(relief_date) AS first_new FROM ({new})
                            WHERE person_key IN ({candidates}) GROUP BY person_key),
        seen AS (SELECT l.* FROM {LAST} l SEMI JOIN candidates USING (person_key)),
        places AS (
            SELECT person_key, bool_or(before_n >= 2) <> bool_or(after_n >= 2) AS moved
            FROM (SELECT person_key, grp, count(DISTINCT value_h) FILTER (before) AS before_n,
                         count(DISTINCT value_h) AS after_n
                  FROM (SELECT person_key, grp, value_h, true AS before FROM seen
                        WHERE grp IN ({', '.join(f"'{c}'" for c in sites)})
                          AND value_h IS NOT NULL
                        UNION ALL {new_sites})
                  GROUP BY ALL)
            GROUP BY person_key)
        SELECT c.person_key FROM candidates c
        LEFT JOIN (SELECT person_key, last_date FROM seen WHERE grp = '') s USING (person_key)
        LEFT JOIN places p USING (person_key)
        WHERE s.last_date IS NULL OR (s.last_date < c.first_new AND NOT coalesce(p.moved, true))""")


def _recede(con: duckdb.DuckDBPyConnection, gone: str, allowed: str) -> None:
    """`_receded_persons`: the persons `allowed` selects (person_key) with rows in `gone`
    (relief rows going, derived columns as they were: none pending) that all come after the
    person's other rows by date, none of whose hardship rows change and who are in one
    place; their LAST rows then become their groups without those rows. A going row's
    previous row in a group is then one that stays (or none), and its derived columns say
    where: a group's new last date is the date of its first going row less that row's gap
    to the previous one (the largest gap on that date: the others on it follow a going row,
    gap 0), and a group whose first going row has no previous row goes. Their other rows
    keep their columns: a row's columns depend on the rows before it only."""
    _, sites, dims = schema.PERSON_INDEX["relief"]
    site_groups = ", ".join(f"'{c}'" for c in sites)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _receded_persons AS
        SELECT g.* FROM (SELECT person_key, min(relief_date) AS first_gone FROM {gone}
                         WHERE person_key IN ({allowed})
                         GROUP BY person_key HAVING NOT bool_or({PENDING})) g
        ANTI JOIN {HARDSHIP} USING (person_key)
        SEMI JOIN (SELECT person_key FROM {LAST} WHERE grp IN ({site_groups})
                   GROUP BY person_key HAVING count(*) = 1) USING (person_key)""")
    # their rows that stay on or after their first going row's date: a constant lower
    # bound on relief_date, so only the last row groups are read (relief is mostly by date);
    # the batches' own rows are going (a withdrawal) or new (a load)
    (receded, since), = con.execute("SELECT count(*), min(first_gone) FROM _receded_persons"
                                    ).fetchall()
    if not receded:  # no row goes (a load that replaced none): LAST stays as it is, which
        return  # the statements below would make again row for row (~5 ms of CPU)
    con.execute(f"""
        DELETE FROM _receded_persons WHERE person_key IN (
            SELECT r.person_key FROM relief r JOIN _receded_persons c USING (person_key)
            WHERE r.relief_date >= $since AND r.relief_date >= c.first_gone
              AND r.batch_id NOT IN (SELECT batch_id FROM {BATCHES}))""", {"since": since})
    # each going row once per group it is in: at all, its place (gap: the previous row at
    # all, the person being in one place), each dimension's value (value_h as stored)
    groups = [("''", "NULL::UBIGINT", "prev_gap"),
              *((f"'{c}'", f"hash({c})", "prev_gap") for c in sites),
              *((f"'{d}'", f"CASE WHEN {d} IS NOT NULL THEN hash({d}) END", f"prev_gap_{d}")
                for d in dims)]
    going = " UNION ALL ".join(
        f"SELECT person_key, {grp} AS grp, {value} AS value_h, relief_date, {gap} AS gap "
        f"FROM {gone} SEMI JOIN _receded_persons USING (person_key)"
        for grp, value, gap in groups)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _receded AS
        WITH going AS ({going}),
        firsts AS (SELECT person_key, grp, value_h, min(relief_date) AS first_gone,
                          bool_or(gap IS NULL) AS none_before
                   FROM going GROUP BY ALL),
        moved AS (SELECT f.person_key, f.grp, f.value_h,
                         f.first_gone - max(w.gap)::INTEGER AS last_date
                  FROM firsts f JOIN going w ON w.person_key = f.person_key
                       AND w.grp = f.grp AND w.value_h IS NOT DISTINCT FROM f.value_h
                       AND w.relief_date = f.first_gone
                  WHERE NOT f.none_before GROUP BY f.person_key, f.grp, f.value_h, f.first_gone)
        SELECT l.* FROM {LAST} l
        ANTI JOIN firsts f ON f.person_key = l.person_key AND f.grp = l.grp
                           AND f.value_h IS NOT DISTINCT FROM l.value_h
        UNION ALL SELECT * FROM moved""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LAST} AS FROM _receded")
    con.execute("DROP TABLE _receded")


def full_refresh_needed(con: duckdb.DuckDBPyConnection, batches: Sequence[str]) -> bool:
    """Whether a batch is of a table every check reads (WHOLE)."""
    tables = {t for (t,) in con.execute(
        "SELECT DISTINCT table_name FROM load_batches WHERE list_contains($b, batch_id)",
        {"b": list(batches)}).fetchall()}
    return bool(tables & WHOLE)


def drop(con: duckdb.DuckDBPyConnection) -> None:
    for name in (RELIEF, BATCHES, HARDSHIP, PERSONS, COUNTY_YEARS, FOLLOWING, LAST, REPLACED,
                 PERSON_RELIEF, PERSON_HARDSHIP):
        con.execute(f"DROP TABLE IF EXISTS {name}")
