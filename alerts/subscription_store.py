"""Where subscriptions, their sends and the scheduler's marks are kept: tables of the alert
state file (alerts/store.py: SQLite beside the warehouse, the rules' file), whose one writer
of sends and marks is `python -m alerts run-due`.

Tables: `subscriptions` (one JSON definition a row), `subscription_sends` (one row a
subscription and slot: the period briefed, how it went, how many attempts) and
`scheduler_marks` (the data version and time of the last rule evaluation).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from alerts import store
from alerts.subscriptions import Subscription
from analytics.access import within
from analytics.filters import COUNTRY

MAX_ATTEMPTS = 3  # a slot's failed channels are tried again at the next runs, this many in all

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    sub_id TEXT PRIMARY KEY, definition TEXT NOT NULL, owner_region TEXT,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscription_sends (
    sub_id TEXT NOT NULL, slot TEXT NOT NULL,  -- local wall-clock time of the slot
    period TEXT NOT NULL, at TEXT NOT NULL,
    outcome TEXT NOT NULL,            -- sent | partial | failed
    attempts INTEGER NOT NULL DEFAULT 1, detail TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (sub_id, slot));
CREATE TABLE IF NOT EXISTS scheduler_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@contextlib.contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    with store.connect(path) as con:
        con.executescript(_SCHEMA)
        yield con


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- definitions ---------------------------------------------------------------------------

def save(subs: list[Subscription], *, now: datetime | None = None, scope: str = COUNTRY,
         path: Path | None = None) -> None:
    """Add or replace subscriptions by id, all or none; a new one's `created` is `now` (its
    earlier slots are never due). A user bound to a region saves inside it only."""
    outside = [s.sub_id for s in subs if not within(s.region, scope)]
    if outside:
        raise ValueError(f"outside your region ({scope}): {', '.join(outside)}")
    now = now or datetime.now()
    with connect(path) as con, store.transaction(con):
        for s in subs:
            old = con.execute("SELECT definition, owner_region FROM subscriptions "
                              "WHERE sub_id = ?", (s.sub_id,)).fetchone()
            if old and old[1] and not within(old[1], scope):
                raise ValueError(f"subscription {s.sub_id} is not yours to edit")
            d = s.to_dict()
            d["created"] = (d["created"] or (json.loads(old[0])["created"] if old else None)
                            or _iso(now))
            con.execute("INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?)",
                        (s.sub_id, json.dumps(d, ensure_ascii=False),
                         None if scope == COUNTRY else scope, _iso(now)))


def remove(sub_id: str, *, path: Path | None = None) -> bool:
    with connect(path) as con:
        return con.execute("DELETE FROM subscriptions WHERE sub_id = ?", (sub_id,)).rowcount > 0


def all_subscriptions(*, scope: str = COUNTRY, path: Path | None = None) -> list[Subscription]:
    if not store.readable(path):  # reading makes no state file (alerts/store.py)
        return []
    with connect(path) as con:
        rows = con.execute("SELECT definition FROM subscriptions ORDER BY sub_id").fetchall()
    subs = [Subscription.from_dict(json.loads(r[0])) for r in rows]
    return [s for s in subs if within(s.region, scope)]


# --- what was sent -------------------------------------------------------------------------

def attempt(sub_id: str, slot: datetime, *, path: Path | None = None) -> dict | None:
    """What was recorded of a slot (outcome, attempts, detail with each channel's result)."""
    if not store.readable(path):
        return None
    with connect(path) as con:
        row = con.execute("SELECT outcome, attempts, detail FROM subscription_sends "
                          "WHERE sub_id = ? AND slot = ?", (sub_id, _iso(slot))).fetchone()
    return dict(row) | {"detail": json.loads(row["detail"])} if row else None


def last_done(sub_id: str, *, path: Path | None = None) -> datetime | None:
    """The latest slot that needs no more sending: sent to every channel, or tried
    MAX_ATTEMPTS times (a slot sent to some channels only is tried again for the others)."""
    if not store.readable(path):
        return None
    with connect(path) as con:
        row = con.execute(
            "SELECT max(slot) FROM subscription_sends WHERE sub_id = ? "
            "AND (outcome = 'sent' OR attempts >= ?)", (sub_id, MAX_ATTEMPTS)).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def record_send(sub_id: str, slot: datetime, period: str, outcome: str, detail: dict,
                *, at: datetime, path: Path | None = None) -> int:
    """Record an attempt at a slot; returns the attempts made at it so far."""
    with connect(path) as con, store.transaction(con):
        con.execute(
            "INSERT INTO subscription_sends VALUES (?, ?, ?, ?, ?, 1, ?) "
            "ON CONFLICT (sub_id, slot) DO UPDATE SET attempts = attempts + 1, "
            "outcome = excluded.outcome, at = excluded.at, detail = excluded.detail",
            (sub_id, _iso(slot), period, _iso(at), outcome,
             json.dumps(detail, ensure_ascii=False, default=str)))
        return con.execute("SELECT attempts FROM subscription_sends WHERE sub_id = ? "
                           "AND slot = ?", (sub_id, _iso(slot))).fetchone()[0]


def sends(sub_id: str | None = None, *, path: Path | None = None) -> list[dict]:
    """Every recorded send, newest first."""
    if not store.readable(path):
        return []
    q = "SELECT sub_id, slot, period, at, outcome, attempts, detail FROM subscription_sends"
    args: tuple = ()
    if sub_id:
        q, args = q + " WHERE sub_id = ?", (sub_id,)
    with connect(path) as con:
        rows = con.execute(q + " ORDER BY at DESC, slot DESC", args).fetchall()
    return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows]


# --- the scheduler's marks -----------------------------------------------------------------

def mark(key: str, *, path: Path | None = None) -> str | None:
    if not store.readable(path):
        return None
    with connect(path) as con:
        row = con.execute("SELECT value FROM scheduler_marks WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_mark(key: str, value: str, *, path: Path | None = None) -> None:
    with connect(path) as con:
        con.execute("INSERT OR REPLACE INTO scheduler_marks VALUES (?, ?)", (key, value))
