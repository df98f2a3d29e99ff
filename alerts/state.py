"""Firing state: which findings are open, when each fired and when it cleared.

A finding is identified by (rule, region, period). It fires the first time an evaluation
finds it, and not again while it stays open, however many runs find it again; it clears
(time and reason recorded) when an evaluation of its rule no longer finds it. Found again
after clearing (a withdrawn batch loaded again), it fires anew: a new firing row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alerts import store
from alerts.model import Finding


@dataclass(frozen=True)
class Firing:
    firing_id: int
    finding: Finding


def reconcile(rule_id: str, findings: Iterable[Finding], *, now: datetime | None = None,
              state: Path | None = None) -> tuple[list[Firing], list[dict]]:
    """Record what one evaluation of a rule found: (the new firings, the firings cleared).
    In one transaction, so two runs at once cannot fire the same finding twice."""
    at = store.now_text(now)
    found = {f.key: f for f in findings}
    with store.connect(state) as con, store.transaction(con):
        open_rows = {(r["rule_id"], r["region"], r["period"]): dict(r) for r in con.execute(
            "SELECT * FROM firings WHERE rule_id = ? AND cleared_at IS NULL", [rule_id])}
        new = [Firing(_insert(con, f, at), f) for key, f in found.items() if key not in open_rows]
        gone = [row for key, row in open_rows.items() if key not in found]
        for row in gone:
            con.execute("UPDATE firings SET cleared_at = ?, clear_reason = ? WHERE id = ?",
                        [at, "condition_gone", row["id"]])
            row.update(cleared_at=at, clear_reason="condition_gone")
    return new, gone


def clear_rule(rule_id: str, reason: str, *, now: datetime | None = None,
               state: Path | None = None) -> list[dict]:
    """Clear every open firing of a rule (disabled or removed): the firings cleared."""
    at = store.now_text(now)
    with store.connect(state) as con, store.transaction(con):
        rows = [dict(r) for r in con.execute(
            "SELECT * FROM firings WHERE rule_id = ? AND cleared_at IS NULL", [rule_id])]
        con.execute("UPDATE firings SET cleared_at = ?, clear_reason = ? "
                    "WHERE rule_id = ? AND cleared_at IS NULL", [at, reason, rule_id])
    return [r | {"cleared_at": at, "clear_reason": reason} for r in rows]


def set_text(firing_id: int, text: str, *, state: Path | None = None) -> None:
    """The message as it was sent, kept with the firing (the page shows it)."""
    with store.connect(state) as con:
        con.execute("UPDATE firings SET text = ? WHERE id = ?", [text, firing_id])


def _insert(con, f: Finding, at: str) -> int:
    return con.execute(
        "INSERT INTO firings (rule_id, region, period, region_name, indicator, value, "
        "reference, message_key, params, link, fired_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [f.rule_id, f.region, f.period, f.region_name, f.indicator, f.value, f.reference,
         f.message_key, json.dumps(f.params, ensure_ascii=False, default=str), f.link, at]
    ).lastrowid


def firings(*, open_only: bool = False, rule_ids: Iterable[str] | None = None,
            limit: int | None = 500, state: Path | None = None) -> list[dict]:
    """Recorded firings, newest first, each with its rule's name."""
    clauses, params = [], []
    if open_only:
        clauses.append("f.cleared_at IS NULL")
    if rule_ids is not None:
        ids = list(rule_ids)
        if not ids:
            return []
        clauses.append(f"f.rule_id IN ({', '.join('?' * len(ids))})")
        params += ids
    if not store.readable(state):
        return []
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (f"SELECT f.*, r.name AS rule_name FROM firings f LEFT JOIN rules r USING (rule_id)"
           f"{where} ORDER BY f.id DESC")
    if limit is not None:
        sql, params = sql + " LIMIT ?", [*params, limit]
    with store.connect(state) as con:
        return [dict(r) for r in con.execute(sql, params)]


def finding_of(row: dict) -> Finding:
    """The Finding a firing row recorded (to render its message again)."""
    return Finding(rule_id=row["rule_id"], region=row["region"], region_name=row["region_name"],
                   period=row["period"], indicator=row["indicator"], value=row["value"],
                   reference=row["reference"], message_key=row["message_key"],
                   params=json.loads(row["params"] or "{}"), link=row["link"])
