"""The alert state file: rules, firings and deliveries, in one small SQLite file beside the
warehouse (`<warehouse>.alerts.sqlite`, or `UNION_DASH_ALERTS`).

Never inside the warehouse: every load and withdrawal replaces the warehouse file whole
(etl/swap.py, `os.replace`), which leaves a sibling alone, so rules and what has fired
survive every load. Like the audit log (core/audit.py): WAL mode and a busy timeout, so the
dashboard, `python -m alerts` from cron and a command-line load can all write.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.warehouse import warehouse_path

ENV = "UNION_DASH_ALERTS"
SUFFIX = ".alerts.sqlite"
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rules (
    rule_id     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    indicator   TEXT NOT NULL DEFAULT '',
    condition   TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',   -- JSON, per condition (alerts/model.py)
    region      TEXT NOT NULL,
    level_depth INTEGER NOT NULL DEFAULT 1,
    recipients  TEXT NOT NULL DEFAULT '[]',   -- JSON list of channel names
    owner       TEXT NOT NULL DEFAULT '',
    owner_region TEXT,                        -- the owner's bound region when it was saved
    lang        TEXT NOT NULL DEFAULT 'zh',
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS firings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id     TEXT NOT NULL,
    region      TEXT NOT NULL,
    period      TEXT NOT NULL,
    region_name TEXT NOT NULL DEFAULT '',
    indicator   TEXT NOT NULL DEFAULT '',
    value       REAL,
    reference   REAL,
    message_key TEXT NOT NULL DEFAULT '',
    params      TEXT NOT NULL DEFAULT '{}',
    link        TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',     -- the message as sent
    fired_at    TEXT NOT NULL,
    cleared_at  TEXT,
    clear_reason TEXT
);
-- one open firing per (rule, region, period): a finding fires once, however often it runs
CREATE UNIQUE INDEX IF NOT EXISTS firings_open
    ON firings (rule_id, region, period) WHERE cleared_at IS NULL;
CREATE TABLE IF NOT EXISTS deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_utc      TEXT NOT NULL,
    firing_id   INTEGER,                      -- the first firing the message carried (all of
                                              -- them in delivery_firings); NULL: a briefing
    ref         TEXT NOT NULL DEFAULT '',     -- what was sent: "firing:12", "subscription:x"
    channel     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    attempt     INTEGER NOT NULL,
    outcome     TEXT NOT NULL,                -- sent, retried (failed, tried again), failed
    error       TEXT                          -- scrubbed of secrets (alerts/channels.py)
);
CREATE INDEX IF NOT EXISTS deliveries_firing ON deliveries (firing_id);
-- one message carries a run's new firings of one rule (a robot takes 20 messages a minute)
CREATE TABLE IF NOT EXISTS delivery_firings (
    delivery_id INTEGER NOT NULL,
    firing_id   INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, firing_id)
);
CREATE INDEX IF NOT EXISTS delivery_firings_firing ON delivery_firings (firing_id);
"""


def state_path(warehouse: Path | str | None = None) -> Path:
    """The state file: `UNION_DASH_ALERTS` at call time, else beside the warehouse."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    w = Path(warehouse or warehouse_path())
    return w.with_name(w.name + SUFFIX)


@contextlib.contextmanager
def connect(path: Path | str | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to the state file (made on first use), closed on exit. Autocommit;
    use `transaction` for a group of writes."""
    target = Path(path) if path else state_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode=WAL")
        con.executescript(_SCHEMA)
        con.row_factory = sqlite3.Row
        yield con
    finally:
        con.close()


def readable(path: Path | str | None = None) -> bool:
    """Whether there is a state file to read: a page that only reads (no rule ever saved)
    makes none."""
    return (Path(path) if path else state_path()).exists()


@contextlib.contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that takes the write lock first."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def now_text(moment: datetime | None = None) -> str:
    """UTC, ISO 8601 to the second: sorts as text."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
