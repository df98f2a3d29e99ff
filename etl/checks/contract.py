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
construction; tests/etl/test_incremental_refresh.py checks they do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    themselves small (e.g. the stations' months, kept from the findings)."""
    key: str
    stale: str = "false"
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    before: tuple[str | Callable[[duckdb.DuckDBPyConnection], None], ...] = ()
    after: tuple[str, ...] = ()
    whole: bool = False


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
    helper tables the SQL reads (their scoped versions are in `scope.before`)."""
    name: str
    table: str
    flags: str
    sql: str
    checks: tuple[Check, ...] = ()
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    scope: Scope = FULL
    before: tuple[str, ...] = ()

    def text(self, sources: Mapping[str, str] = WHOLE_TABLES) -> str:
        """The SQL with its tables named: whole, or the touched part (`sources`)."""
        return self.sql.format(**{**WHOLE_TABLES, **sources}, cols=RELIEF_COLS,
                               campaign_text=CAMPAIGN_TEXT)

    def select(self, sources: Mapping[str, str] = WHOLE_TABLES) -> str:
        """The SELECT that makes the table's rows (the SQL without its CREATE)."""
        return re.sub(r"^\s*CREATE OR REPLACE (TEMP )?TABLE \w+ AS", "", self.text(sources))

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        """Rewrite the whole table (a full refresh)."""
        for sql in self.before:
            con.execute(sql, self._params(sql))
        con.execute(self.text(), self._params(self.sql))

    def refresh(self, con: duckdb.DuckDBPyConnection) -> None:
        """Recompute the findings the touched keys (etl/touched.py's tables) can change."""
        scope = self.scope
        if scope.whole and not scope.sources:
            self.run(con)
            return
        for sql in scope.before:  # SQL, or a step that needs Python between its queries
            if callable(sql):
                sql(con)
            else:
                con.execute(sql, self._params(sql))
        if scope.whole:
            con.execute(self.text(scope.sources), self._params(self.sql))
        else:
            con.execute(f"DELETE FROM {self.table} WHERE {scope.stale}")
            con.execute(f"INSERT INTO {self.table} {self.select(scope.sources)}",
                        self._params(self.sql))
        for sql in scope.after:
            con.execute(sql)

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
