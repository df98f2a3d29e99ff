"""What a data-quality check is: its catalogue row (`Check`: the code, the `dq_*` table it
writes, its name and rule in both languages, how its findings are counted), the named SQL
statement that writes the table (`Statement`: the SQL with its thresholds as bound
parameters) and its scope (`Scope`: which of its findings a batch can change, so a load
recomputes those only). One module per statement in etl/checks/; etl/quality.py runs them in
order.

The SQL names the tables it reads as {relief}, {campaigns}, ... (`Statement.text`; {cols}
is `RELIEF_COLS`, {campaign_text} `CAMPAIGN_TEXT`): the
tables themselves for a full refresh, the touched part of them (etl/touched.py) for a
refresh after a batch. The same SELECT makes the findings either way, so the two agree by
construction; tests/etl/test_incremental_refresh.py checks they do. A full refresh of a
statement `by_period` runs that SELECT a range of periods at a time (`run_by_period`), so
what it holds at once follows a part of the warehouse, not the whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import duckdb

from etl import touched


@dataclass(frozen=True)
class Check:
    """One finding kind, a row of `dq_checks`; `summary` is its row of `dq_summary`: a SELECT
    of findings, rows and amount_yuan over the table it writes."""
    code: str
    domain: str  # quality | compliance
    table: str
    name_zh: str
    name_en: str
    rule_zh: str
    rule_en: str
    summary: str

    def catalogue(self) -> dict[str, str]:
        """The `dq_checks` columns (the rule texts still carry {county}-style words)."""
        return {"code": self.code, "domain": self.domain, "table": self.table,
                "name_zh": self.name_zh, "name_en": self.name_en,
                "rule_zh": self.rule_zh, "rule_en": self.rule_en}


@dataclass(frozen=True)
class Scope:
    """Which findings of a check a batch can change, and what they are computed from.

    `key` says what the findings are partitioned by (for the reader). After a batch, the
    rows where `stale` (SQL over the check's table) holds are deleted and the statement's
    SELECT runs with `sources` (placeholder → touched table or subquery) in place of the
    whole tables; the rest of the findings stand. `before` runs first (stage the touched
    rows, save what the SELECT needs); `after` last (drop what `before` staged). Nothing
    kept is numbered across the table (a batch would renumber every finding): a group of
    rows is named by a key of its own (flag_key), and the reader numbers them. `whole`: the SELECT rewrites the whole table, from sources that are
    themselves small (e.g. the stations' months, kept from the findings). `driven_by`: the
    touched tables (etl/touched.py) every finding it could add or remove comes from, so
    when all of them are empty the batch changes none and the refresh skips the check."""
    key: str
    stale: str = "false"
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    before: tuple[str | Callable[[duckdb.DuckDBPyConnection], None], ...] = ()
    after: tuple[str, ...] = ()
    whole: bool = False
    driven_by: tuple[str, ...] = ()


FULL = Scope("none: recomputed whole at every refresh", whole=True)

# The placeholders a statement's SQL may use, as a full refresh fills them.
WHOLE_TABLES = MappingProxyType({
    "relief": "relief", "campaigns": "dq_relief_campaigns", "hardship_files": "hardship_files",
    "fund_allocations": "fund_allocations", "station_relief": "relief",
    "kept_station_months": "(SELECT NULL::VARCHAR AS station_code, NULL::VARCHAR AS "
                           "county_code, NULL::DATE AS month, NULL::BIGINT AS rows, "
                           "NULL::DECIMAL(18,2) AS amount_yuan, NULL::TIMESTAMP AS "
                           "first_loaded_at WHERE false)",
    "outlier_rows": "relief"})


@dataclass(frozen=True)
class Statement:
    """A named SQL statement that (re)writes one table from the warehouse: `flags` says what
    its rows are, `params` are its thresholds (bound as $name), `checks` the findings read
    from its table (none for a helper table other statements read), `scope` how a batch's
    touched keys map to its findings, `before` statements of a full refresh that make the
    helper tables the SQL reads (their scoped versions are in `scope.before`), `tables`
    placeholders of its own SQL with what a full refresh puts in them (like WHOLE_TABLES)."""
    name: str
    table: str
    flags: str
    sql: str
    checks: tuple[Check, ...] = ()
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    scope: Scope = FULL
    before: tuple[str | Callable[[duckdb.DuckDBPyConnection], None], ...] = ()
    by_period: bool = False
    tables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def text(self, sources: Mapping[str, str] = WHOLE_TABLES) -> str:
        """The SQL with its tables named: whole, or the touched part (`sources`)."""
        return self.sql.format(**{**WHOLE_TABLES, **self.tables, **sources}, cols=RELIEF_COLS,
                               campaign_text=CAMPAIGN_TEXT)

    def select(self, sources: Mapping[str, str] = WHOLE_TABLES) -> str:
        """The SELECT that makes the table's rows (the SQL without its CREATE)."""
        return re.sub(r"^\s*CREATE OR REPLACE (TEMP )?(TABLE|VIEW) \w+ AS", "",
                      self.text(sources))

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        """Rewrite the whole table (a full refresh); with `by_period`, a range of periods at a
        time (`run_by_period`)."""
        self._steps(con, self.before)
        if self.by_period:
            run_by_period(con, self)
        else:
            con.execute(self.text(), self._params(self.sql))

    def refresh(self, con: duckdb.DuckDBPyConnection,
                empty: frozenset[str] = frozenset()) -> None:
        """Recompute the findings the touched keys (etl/touched.py's tables) can change;
        nothing when every table the scope is `driven_by` is among the `empty` ones."""
        scope = self.scope
        if scope.driven_by and empty.issuperset(scope.driven_by):
            return
        if scope.whole and not scope.sources:
            self.run(con)
            return
        self._steps(con, scope.before)
        if scope.whole:
            con.execute(self.text(scope.sources), self._params(self.sql))
        else:
            con.execute(f"DELETE FROM {self.table} WHERE {scope.stale}")
            con.execute(f"INSERT INTO {self.table} {self.select(scope.sources)}",
                        self._params(self.sql))
        for sql in scope.after:
            con.execute(sql)

    def _steps(self, con: duckdb.DuckDBPyConnection, steps) -> None:
        for sql in steps:  # SQL, or a step that needs Python between its queries
            if callable(sql):
                sql(con)
            else:
                con.execute(sql, self._params(sql))

    def _params(self, sql: str) -> dict | None:
        used = set(re.findall(r"\$(\w+)", sql))
        return {k: v for k, v in self.params.items() if k in used} or None


# The columns of a relief row a finding shows: the masked ID (persons.id_masked), never the
# person key, so the tables can be shown and exported to an auditor as they are.
RELIEF_COLS = """r.relief_id, coalesce(p.id_masked, '?') AS id_masked, r.county_code,
    r.station_code, r.relief_date, r.relief_type, r.recipient_group, r.fund_source,
    r.amount_yuan, r.batch_id"""

# The campaign as people write it: "2012两节" for a festival season, else "2012-03".
CAMPAIGN_TEXT = """CASE WHEN r.campaign_key % 100 = 0 THEN (r.campaign_key // 100)::VARCHAR || '两节'
    ELSE printf('%04d-%02d', r.campaign_key // 100, r.campaign_key % 100) END"""

# Findings of relief rows: stale when the row belongs to a touched person (etl/touched.py)
# or is a row the batch wrote, replaced or removed.
PERSON_ROWS_STALE = (f"relief_id IN (SELECT relief_id FROM {touched.PERSON_RELIEF} "
                     f"UNION ALL SELECT relief_id FROM {touched.RELIEF})")
PERSON_SOURCES = MappingProxyType({"relief": touched.PERSON_RELIEF,
                                   "hardship_files": touched.PERSON_HARDSHIP})


def person_scope(key: str) -> Scope:
    """The scope of findings of relief rows made again for the touched persons: every such
    finding is a row of {relief} (their staged rows) and the stale ones are those rows and
    the rows the batch wrote, replaced or removed, so with none of either it changes none."""
    return Scope(key, PERSON_ROWS_STALE, PERSON_SOURCES,
                 driven_by=(touched.PERSON_RELIEF, touched.RELIEF))


# Rows of relief a statement `by_period` reads at a time, at least one period's: in one pass
# over the warehouse the groups (one per person x type x period or campaign, nearly as many
# as rows) took ~90 bytes a row in hash tables and a materialized CTE, spilled past the
# memory limit (0.9 GB of temporary files at 10M rows under 200 MB; ~9 GB at 100M under a
# load's 2 GB), and the refresh failed at 100M when the temporary files filled the disk.
PERIOD_PART_ROWS = 4_000_000

# The campaign rows of periods $period_lo to $period_hi: a period (a festival season, else a
# year) P has its rows dated in years P-1 and P, a constant range of relief_date that DuckDB
# prunes row groups by (relief is mostly in date order) before the period itself is computed.
PERIOD_SLICE = """(SELECT * FROM dq_relief_campaigns
                   WHERE relief_date BETWEEN $date_lo AND $date_hi
                     AND period_key BETWEEN $period_lo AND $period_hi)"""


def period_parts(con: duckdb.DuckDBPyConnection,
                 part_rows: int | None = None) -> list[tuple[int, int] | None]:
    """Consecutive ranges of periods of about `part_rows` rows each (a year's rows stand for
    its period's), covering every period of relief (a date's period is its year or the
    next: its festival season); None for the rows without a date, if any."""
    part_rows = PERIOD_PART_ROWS if part_rows is None else part_rows
    years = con.execute("SELECT year(relief_date) AS y, count(*) FROM relief "
                        "GROUP BY ALL ORDER BY y NULLS LAST").fetchall()
    counts = {y: n for y, n in years if y is not None}
    parts: list[tuple[int, int] | None] = []
    if counts:
        lo, rows = min(counts), 0
        for period in range(min(counts), max(counts) + 2):
            rows += counts.get(period, 0)
            if rows >= part_rows or period == max(counts) + 1:
                parts.append((lo, period))
                lo, rows = period + 1, 0
    if len(counts) < len(years):
        parts.append(None)
    return parts


def run_by_period(con: duckdb.DuckDBPyConnection, statement: Statement) -> None:
    """A full refresh of a statement whose findings are groups within one period (person x
    type x campaign, or x period; a campaign lies in its period): its SELECT over each
    range of periods in turn (`{campaigns}` the rows of those periods), so the groups held
    at once are a part's, not the warehouse's. The findings, sorted as the statement sorts
    them, are the same rows as its SELECT over the whole table (`text()`)."""
    params = statement._params(statement.sql) or {}
    parts = period_parts(con)
    if not parts:  # no relief: nothing to split
        con.execute(statement.text(), params or None)
        return
    for i, part in enumerate(parts):
        if part is None:
            source = "(SELECT * FROM dq_relief_campaigns WHERE period_key IS NULL)"
            bound = params
        else:
            source = PERIOD_SLICE
            bound = {**params, "period_lo": part[0], "period_hi": part[1],
                     "date_lo": date(part[0] - 1, 1, 1), "date_hi": date(part[1], 12, 31)}
        select = statement.select({"campaigns": source})
        con.execute(("INSERT INTO _by_period " if i else
                     "CREATE OR REPLACE TEMP TABLE _by_period AS ") + select, bound or None)
    # the statement's own ORDER BY, over the columns it names (qualifiers dropped)
    order = re.sub(r"\b\w+\.", "", re.findall(r"ORDER BY ([^()]*?)\s*$", statement.sql)[0])
    con.execute(f"CREATE OR REPLACE TABLE {statement.table} AS FROM _by_period ORDER BY {order}")
    con.execute("DROP TABLE _by_period")
