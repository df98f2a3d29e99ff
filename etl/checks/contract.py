"""What a data-quality check is: its catalogue row (`Check`: the code, the `dq_*` table it
writes, its name and rule in both languages, how its findings are counted), and the named SQL
statement that writes the table (`Statement`: the SQL with its thresholds as bound
parameters). One module per statement in etl/checks/; etl/quality.py runs them in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import duckdb


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
class Statement:
    """A named SQL statement that (re)writes one table from the warehouse: `flags` says what
    its rows are, `params` are its thresholds (bound as $name), `checks` the findings read
    from its table (none for a helper table other statements read)."""
    name: str
    table: str
    flags: str
    sql: str
    checks: tuple[Check, ...] = ()
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(self.sql, dict(self.params) or None)


# The columns of a relief row a finding shows: the masked ID (persons.id_masked), never the
# person key, so the tables can be shown and exported to an auditor as they are.
RELIEF_COLS = """r.relief_id, coalesce(p.id_masked, '?') AS id_masked, r.county_code,
    r.station_code, r.relief_date, r.relief_type, r.recipient_group, r.fund_source,
    r.amount_yuan, r.batch_id"""

# The campaign as people write it: "2012两节" for a festival season, else "2012-03".
CAMPAIGN_TEXT = """CASE WHEN r.campaign_key % 100 = 0 THEN (r.campaign_key // 100)::VARCHAR || '两节'
    ELSE printf('%04d-%02d', r.campaign_key // 100, r.campaign_key % 100) END"""
