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

import functools

import duckdb
import polars as pl

from core import schema
from core.schema import PENDING, pending_keys

# Breaks ties between a person's rows on the same day, so a rebuild is deterministic.
TIEBREAK = {"relief": ("relief_id",), "training": ("enrolment_id",),
            "medical_cards": ("kind", "county_code")}


# Pending rows above which a refresh (a full one, a first load, a migration) derives the
# persons a share at a time: Polars' frames then hold one share, not the warehouse (20M relief
# rows at once peaked at 6 GB; 40M passed 8 GB). ~350 bytes a row at the peak of `derive`.
CHUNK_ROWS = 4_000_000


def refresh(con: duckdb.DuckDBPyConnection, chunk_rows: int = CHUNK_ROWS) -> None:
    """Fill the derived columns for every person with a row whose columns are still NULL;
    in shares of about `chunk_rows` rows when more rows than that are pending."""
    # every table's count in one query (one each: ~0.5-1 ms of CPU, three in every load); a
    # WHERE, not a FILTER: DuckDB skips the row groups whose statistics say the columns
    # hold no NULL, where an aggregate over the table read them all (100M relief rows,
    # read cold: most of 1.1-2.2 s of every load and withdrawal)
    if not schema.PERSON_INDEX:  # none to fill (bench/bench_etl.py times a load without them)
        return
    counts = con.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM ({pending_keys(t)}))"
                                               for t in schema.PERSON_INDEX)).fetchall()[0]
    for table, pending in zip(schema.PERSON_INDEX, counts, strict=True):
        if not pending:
            continue
        if not _refresh_in_shares(con, table, chunk_rows, pending):
            _refresh_table(con, table)


def _refresh_in_shares(con: duckdb.DuckDBPyConnection, table: str, chunk_rows: int,
                       pending: int) -> bool:
    """Derive the pending persons' columns a share of persons at a time (person_no modulo
    the number of shares), every row of a person in the same share, since a row's columns
    compare it with the person's other rows; the same columns as all at once. False, left to
    `_refresh_table`, when at most `chunk_rows` rows are `pending`."""
    if pending <= chunk_rows:
        return False
    (rows, last), = con.execute(f"SELECT count(*), max(rowid) FROM {table}").fetchall()
    shares = -(-rows // chunk_rows)  # the table's rows bound the pending persons' rows
    # persons without a number are one group in `derive`: all of them in share 0
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pending_persons AS
                    SELECT k.person_key, p.person_no,
                           coalesce(p.person_no, 0) % {shares} AS share
                    FROM (SELECT DISTINCT person_key FROM ({pending_keys(table)})) k
                    LEFT JOIN persons p USING (person_key)""")
    try:
        _forget_last(con, table, "SELECT person_key FROM _pending_persons")
        for share in range(shares):
            frame = con.sql(f"""SELECT t.rowid AS rid, s.person_no, {projection(table)}
                                FROM {table} t JOIN _pending_persons s
                                ON s.person_key = t.person_key AND s.share = {share}""").pl()
            _keep_last(con, table, frame)
            con.register("_derived", derive(frame, table))
            del frame
            # kept by DuckDB (which spills past its memory limit), written after by ranges
            # of rows: an update per share rewrote every row group each time (5M rows, 6
            # shares: 6.5 s against 3.4 s), one of every row held 40M rows' old values
            con.execute("INSERT INTO _shares_derived SELECT * FROM _derived" if share else
                        "CREATE OR REPLACE TEMP TABLE _shares_derived AS FROM _derived")
            con.unregister("_derived")
        columns = schema.derived_columns(table)
        for start in range(0, last + 1, chunk_rows):
            con.execute(f"""UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in columns)}
                            FROM (FROM _shares_derived WHERE rid >= $lo AND rid < $hi) d
                            WHERE {table}.rowid = d.rid""",
                        {"lo": start, "hi": start + chunk_rows})
    finally:
        con.execute("DROP TABLE IF EXISTS _pending_persons")
        con.execute("DROP TABLE IF EXISTS _shares_derived")
    return True


def _refresh_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Derive the pending persons' columns at once (some rows are pending)."""
    # A narrow projection of the touched persons' rows goes to Polars, which sorts it once
    # and finds each row's previous row per dimension by a stable sort on one integer key;
    # DuckDB ran one window sort per dimension (10M relief rows: ~30 s against ~5 s).
    rows = con.sql(f"""SELECT t.rowid AS rid, p.person_no, {projection(table)} FROM {table} t
                       LEFT JOIN persons p USING (person_key)
                       WHERE t.person_key IN ({pending_keys(table)})""").pl()
    _forget_last(con, table, pending_keys(table))
    _keep_last(con, table, rows)
    # In row-id order: DuckDB updates row groups in turn (in a person's order, the same
    # update of 4*10^5 rows took 3.4 s instead of 0.2 s).
    con.register("_derived", derive(rows, table).sort("rid"))
    try:
        columns = schema.derived_columns(table)
        con.execute(f"UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in columns)} "
                    f"FROM _derived d WHERE {table}.rowid = d.rid")
    finally:
        con.unregister("_derived")


def for_insert(con: duckdb.DuckDBPyConnection, rows: str, table: str) -> pl.DataFrame:
    """The derived columns of `rows` (a view of the rows about to be inserted, with `_i`)
    when they are all the rows of `table` (it was empty), keyed by `rid` = `_i`: the insert
    writes them with the rows instead of updating 10^7 rows after."""
    frame = con.sql(f"""SELECT t._i AS rid, p.person_no, {projection(table)}
                        FROM {rows} t LEFT JOIN persons p USING (person_key)""").pl()
    _forget_last(con, table, None)
    _keep_last(con, table, frame)
    return derive(frame, table)


def refresh_staged(con: duckdb.DuckDBPyConnection, table: str, staged: str, persons: str,
                   following: str, known: str) -> pl.DataFrame | None:
    """After a batch, the derived columns of the persons it touched, from `staged` (rows of
    theirs with `row_id`, the table's rowid, and the columns as they were: etl/touched.stage):
    a person's rows are spread over the whole table, and reading them again decompressed
    most of its row groups twice more. `persons` (a table of person_key) are the touched
    persons, every current row of whom is staged, except those in `following`: persons
    whose new rows all come after their last row (PERSON_LAST) and change no other row of
    theirs; their new rows take their columns from those last rows (`_following`; `known`
    holds the persons' PERSON_LAST rows as `read_last` gives them, moved back past the rows
    a withdrawal or correction took out: etl/touched.py). Only the
    rows whose columns change are written; they are returned (`rid` and the columns, as
    `derive` gives them) for the rollups to compare. None, leaving the table to `refresh`,
    when a pending row is of a person not staged, or nothing when the table has no
    per-person columns."""
    if table not in schema.PERSON_INDEX:
        return None
    if con.execute(f"""SELECT count(*) FROM ({pending_keys(table)}) t
                   ANTI JOIN {staged} s USING (person_key)""").fetchall()[0][0]:
        return None
    rows = con.sql(f"""SELECT t.row_id AS rid, p.person_no, {projection(table)}
                       FROM {staged} t ANTI JOIN {following} f USING (person_key)
                       LEFT JOIN persons p USING (person_key)""").pl()
    _forget_last(con, table, f"SELECT person_key FROM {persons}")
    _keep_last(con, table, rows)
    derived = derive(rows, table)
    if table in schema.PERSON_LAST:
        derived = pl.concat([derived, _following(con, table, staged, following, known)])
    columns = schema.derived_columns(table)
    differ = {c: f"s.{c} IS DISTINCT FROM d.{c}" for c in columns}
    others = " OR ".join(v for c, v in differ.items() if c != "person_no")
    con.register("_derived", derived)
    try:
        changed = con.sql(f"""SELECT d.*, NOT ({others}) AS _number_only
                              FROM _derived d JOIN {staged} s ON s.row_id = d.rid
                              WHERE {' OR '.join(differ.values())} ORDER BY d.rid""").pl()
    finally:
        con.unregister("_derived")
    # In row-id order, as `_refresh_table` writes. A withdrawal clears the person number of
    # its persons' other rows (etl/withdraw.py) and most get only that back: one column of
    # those rows written, not all 13 (5.1M relief rows: 0.15 CPU-s instead of 0.23).
    con.register("_derived", changed)
    try:
        for only_number, written in ((True, ("person_no",)), (False, columns)):
            if not (changed["_number_only"] == only_number).any():
                continue  # no row to write (an UPDATE that matches none: ~1-2 ms of CPU)
            con.execute(f"UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in written)} "
                        f"FROM _derived d WHERE {table}.rowid = d.rid "
                        f"AND d._number_only = {only_number}")
    finally:
        con.unregister("_derived")
    return changed.drop("_number_only")


def _following(con: duckdb.DuckDBPyConnection, table: str, staged: str, following: str,
               known: str) -> pl.DataFrame:
    """The derived columns of the new (pending) rows of the persons in `following`: `derive`
    over those rows alone, except that a group's first new row (of the person, or of the
    person and a value) follows the group's last row before the batch, from PERSON_LAST;
    a person's rows are in more than one place if they were before or are now (the persons
    in `following` do not go from one place to two). Their PERSON_LAST rows then take the
    new rows' dates."""
    _, sites, dims = schema.PERSON_INDEX[table]
    last = schema.PERSON_LAST[table]
    new = con.sql(f"""SELECT t.row_id AS rid, p.person_no, {projection(table)}
                      FROM (SELECT * FROM {staged} WHERE {PENDING}) t
                      SEMI JOIN {following} f USING (person_key)
                      LEFT JOIN persons p USING (person_key)""").pl()
    (kept,), = con.execute(f"""CREATE OR REPLACE TEMP TABLE _following_last AS
                    SELECT l.* FROM {known} l SEMI JOIN {following} f USING (person_key)
                    """).fetchall()
    derived = derive(new, table)
    con.register("_following_rows", new)
    con.register("_following_derived", derived)
    joins, gaps, months = [], [], []
    for i, dim in enumerate(("", *dims)):
        suffix = f"_{dim}" if dim else ""
        same = f"l{i}.value_h IS NOT DISTINCT FROM r.{dim}" if dim else "true"
        joins.append(f"LEFT JOIN _following_last l{i} ON l{i}.person_key = r._key "
                     f"AND l{i}.grp = '{dim}' AND {same}")
        gaps.append(f"coalesce(d.prev_gap{suffix}, r._date - l{i}.last_date) "
                    f"AS prev_gap{suffix}")
        months.append(f"coalesce(d.prev_month{suffix}, year(l{i}.last_date) * 12 "
                      f"+ month(l{i}.last_date) - 1) AS prev_month{suffix}")
    site_groups = ", ".join(f"'{c}'" for c in sites)
    try:
        # no new rows: none to derive (the join gives none), and no groups to keep unless
        # the persons had some
        frame = derived if new.is_empty() else con.sql(f"""
            SELECT d.rid, d.person_no, d.multi_site OR coalesce(m.multi, false) AS multi_site,
                   {', '.join(gaps)}, d.month_key, {', '.join(months)}
            FROM _following_derived d JOIN _following_rows r USING (rid) {' '.join(joins)}
            LEFT JOIN (SELECT person_key, bool_or(n >= 2) AS multi FROM (
                           SELECT person_key, grp, count(DISTINCT value_h) AS n
                           FROM _following_last WHERE grp IN ({site_groups}) GROUP BY ALL)
                       GROUP BY ALL) m ON m.person_key = r._key""").pl()
        groups = f"""SELECT person_key, grp, value_h, max(last_date) AS last_date FROM (
                         FROM _following_last UNION ALL {_long_last('_following_rows', table)})
                     GROUP BY ALL"""
        if kept or not new.is_empty():
            con.execute(f"INSERT INTO {last} {_per_person(groups)}")
    finally:
        con.unregister("_following_rows")
        con.unregister("_following_derived")
        con.execute("DROP TABLE IF EXISTS _following_last")
    return frame.select("rid", *schema.derived_columns(table)).with_columns(
        pl.col("rid").cast(pl.Int64), pl.col("multi_site").cast(pl.Boolean),
        pl.exclude("rid", "multi_site").cast(pl.Int32))


def last_rows(source: str, table: str) -> str:
    """A SELECT of `table`'s PERSON_LAST rows from `source`, rows as `projection` gives them:
    one per person, listing their last date at all (grp ''), per site and per value of each
    dimension (one row per person, not per group: a batch's persons are looked up in a
    table of as many rows as persons, fewer than the facts)."""
    return _per_person(_long_last(source, table))


def read_last(table: str, persons: str) -> str:
    """A SELECT of the stored PERSON_LAST groups of the persons `persons` selects, one row
    per group: person_key, grp, value_h, last_date."""
    # By rowid: the persons' rows found on the key column alone, then only theirs read
    # whole. A semi-join on person_key read every person's groups (40M relief rows, 6M
    # persons: 107 ms warm, 730 ms cold, against 25 and 150 ms).
    last = schema.PERSON_LAST[table]
    return (f"SELECT person_key, g.grp, g.value_h, g.last_date FROM ("
            f"SELECT person_key, unnest(groups) AS g FROM {last} WHERE rowid IN ("
            f"SELECT rowid FROM {last} WHERE person_key IN ({persons})))")


def _per_person(groups: str) -> str:
    """The groups `groups` selects (person_key, grp, value_h, last_date), a row per person."""
    # sorted after: a list aggregate with ORDER BY holds every row until its end (5M relief
    # rows passed DuckDB's 1.8 GB limit)
    return (f"SELECT person_key, list_sort(list({{'grp': grp, 'value_h': value_h, "
            f"'last_date': last_date}}), 'ASC', 'NULLS FIRST') AS groups "
            f"FROM ({groups}) GROUP BY person_key")


def _long_last(source: str, table: str) -> str:
    _, sites, dims = schema.PERSON_INDEX[table]
    parts = [f"SELECT _key AS person_key, '' AS grp, NULL::UBIGINT AS value_h, "
             f"max(_date) AS last_date FROM {source} GROUP BY _key"]
    parts += [f"SELECT _key, '{c}', {c}, max(_date) FROM {source} GROUP BY _key, {c}"
              for c in (*sites, *dims)]
    return " UNION ALL ".join(parts)


def _forget_last(con: duckdb.DuckDBPyConnection, table: str, persons: str | None) -> None:
    """Delete the PERSON_LAST rows of the persons `persons` selects (all of them: None)."""
    last = schema.PERSON_LAST.get(table)
    if last:
        con.execute(f"DELETE FROM {last}" + (f" WHERE person_key IN ({persons})"
                                             if persons else ""))


def _keep_last(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """Add the PERSON_LAST rows of `rows` (every row of their persons, as `projection`)."""
    last = schema.PERSON_LAST.get(table)
    if not last or rows.is_empty():  # (no rows, no groups: an INSERT of none, ~2.5 ms)
        return
    con.register("_last_of", rows)
    try:
        con.execute(f"INSERT INTO {last} {last_rows('_last_of', table)}")
    finally:
        con.unregister("_last_of")


def projection(table: str) -> str:
    """Date, person key, tiebreak hashes, and hashes of the sites and dimensions of the rows
    t. Hashes,
    not the text: eight bytes a row whatever the value, and a value only has to differ from
    the few other values of one person (NULL stays NULL)."""
    date_col, sites, dims = schema.PERSON_INDEX[table]
    ties = [f"hash(t.{c}) AS _tie{i}" for i, c in enumerate(TIEBREAK[table])]
    values = [f"CASE WHEN t.{c} IS NOT NULL THEN hash(t.{c}) END AS {c}"
              for c in (*sites, *dims)]
    return ", ".join([f"t.{date_col} AS _date", "t.person_key AS _key", *ties, *values])


def derive(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    """`rid` and the derived columns of `rows` (rid, person_no, _date, _tie*, sites, dims):
    each person's rows in order of date and tiebreak hashes, as DuckDB's windows
    `lag(date) OVER (PARTITION BY person_no[, dim] ORDER BY date, hash(tiebreak))` would
    give; NULL is a value of a dimension like any other, as in PARTITION BY."""
    if rows.is_empty():  # most loads derive no rows once (~4 ms of Polars each time)
        return _derived_of_none(table, tuple(rows.schema.items())).clear()
    return _derive(rows, table)


@functools.cache
def _derived_of_none(table: str, columns: tuple) -> pl.DataFrame:
    """`derive` of no rows with these columns (name, type)."""
    return _derive(pl.DataFrame(schema=dict(columns)), table)


def _derive(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    _, sites, dims = schema.PERSON_INDEX[table]
    ties = [c for c in rows.columns if c.startswith("_tie")]
    # Sorted on (person, date) packed in one integer, then the tiebreaks: half the time of
    # three sort keys. NULLs first, as in a sort on the columns.
    order = (rows["person_no"].cast(pl.UInt64).fill_null(0) * 2**32
             + (rows["_date"].cast(pl.Int64) + 2**31).cast(pl.UInt64).fill_null(0))
    rows = rows.with_columns(_order=order).sort("_order", *ties).drop("_order", *ties)
    person = pl.col("person_no")
    multi = pl.any_horizontal([pl.col(c).min().over(person) != pl.col(c).max().over(person)
                               for c in sites])
    out = rows.select("rid", "person_no", multi_site=multi)
    prev = {"": _previous(rows.select(same=person.eq_missing(person.shift(1))), rows["_date"])}
    for dim in dims:
        # A stable sort by (person, value) keeps each group's rows in date order; the
        # previous dates go back to the rows' places.
        order = pl.DataFrame({"_key": _group_key(rows["person_no"], rows[dim])}).with_row_index(
            "_at").sort("_key", maintain_order=True)
        same = order.select(pl.col("_key") == pl.col("_key").shift(1))
        in_order = _previous(same, rows["_date"].gather(order["_at"]))
        prev[f"_{dim}"] = pl.repeat(None, rows.height, dtype=in_order.dtype,
                                    eager=True).scatter(order["_at"], in_order)
    date = rows["_date"]
    month_key = _month_keys(date)
    gaps = {f"prev_gap{d}": (date - p).dt.total_days() for d, p in prev.items()}
    months = {f"prev_month{d}": month_key(p) for d, p in prev.items()}
    return out.with_columns(**gaps, month_key=month_key(date), **months).with_columns(
        pl.exclude("rid", "multi_site").cast(pl.Int32))


def _group_key(person_no: pl.Series, value: pl.Series) -> pl.Series:
    """One integer per (person, value), NULL a value like any other: the person number in
    the high 32 bits, the value's place among the distinct values in the low ones (a sort
    on one integer key takes half the time of a sort on the two columns)."""
    distinct = value.drop_nulls().unique()
    code = value.replace_strict(distinct, pl.Series(range(distinct.len()), dtype=pl.UInt64),
                                default=None, return_dtype=pl.UInt64).fill_null(distinct.len())
    return person_no.cast(pl.UInt64).fill_null(2**31) * 2**32 + code


def _previous(same: pl.DataFrame, date: pl.Series) -> pl.Series:
    """The previous row's date where `same` (one column) says the row before is of the same
    group, rows in order; NULL for a group's first row."""
    return pl.select(pl.when(same.to_series().fill_null(False)).then(date.shift(1))).to_series()


def _month_keys(dates: pl.Series):
    """A function from dates within the range of `dates` to year * 12 + month - 1, as
    analytics groups rows by month: looked up per day of the range (a few thousand days)
    instead of taking the year and month of 10^7 dates six times."""
    first = dates.min()
    if first is None:
        return lambda date: pl.repeat(None, date.len(), dtype=pl.Int32, eager=True)
    days = pl.date_range(first, dates.max(), eager=True)
    table = days.dt.year().cast(pl.Int32) * 12 + days.dt.month().cast(pl.Int32) - 1
    start = pl.Series([first]).cast(pl.Int32).item()
    return lambda date: table.gather(date.cast(pl.Int32) - start)


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
    create_last(con)
    # each person's last rows, once, for a warehouse whose rows were derived before they
    # were kept (rows derived now, such as every row of bench_pages' copies, keep theirs)
    rebuild = [t for t, last in schema.PERSON_LAST.items()
               if t in schema.PERSON_INDEX and not _count(con, last) and con.sql(
                   f"SELECT EXISTS (FROM {t} WHERE NOT ({PENDING}))").fetchall()[0][0]]
    refresh(con)
    for table in rebuild:
        _rebuild_last(con, table)


def create_last(con: duckdb.DuckDBPyConnection) -> None:
    """The PERSON_LAST tables where a warehouse has none (made before them, or its tables
    copied without them), or has the first form (a row per group, not per person)."""
    for last in schema.PERSON_LAST.values():
        if con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = ? "
                       "AND column_name = 'last_date'", [last]).fetchall()[0][0]:
            con.execute(f"DROP TABLE {last}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {last} ({schema.TABLES[last]})")


def _rebuild_last(con: duckdb.DuckDBPyConnection, table: str,
                  chunk_rows: int = CHUNK_ROWS) -> None:
    """PERSON_LAST from every row of `table`, a share of the persons at a time: the list a
    person's groups make is held in memory to the end of its aggregate."""
    _forget_last(con, table, None)
    shares = max(1, -(-_count(con, table) // chunk_rows))
    for share in range(shares):
        rows = (f"(SELECT {projection(table)} FROM {table} t "
                f"WHERE hash(t.person_key) % {shares} = {share})")
        con.execute(f"INSERT INTO {schema.PERSON_LAST[table]} {last_rows(rows, table)}")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
