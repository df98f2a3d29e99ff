"""The audit trail: an append-only log of loads, withdrawals, exports, briefings and logins.

One SQLite file (stdlib sqlite3) with one `events` table. It lives beside the warehouse
(`<warehouse>.audit.sqlite`, or `UNION_DASH_AUDIT`), never inside it: a load or a withdrawal
replaces the warehouse file by `os.replace`, which leaves a sibling file alone, so no swap can
erase what was recorded. Triggers abort any UPDATE or DELETE, so the program cannot rewrite
history; protecting the file itself (permissions, backups) is the operator's part.

WAL mode and a busy timeout let several dashboard processes and a command-line load append at
once. Recording never breaks the operation it records: a failure to write is logged as a
warning and `record` returns None.

What goes in: who (login name), role, the action, its object (file, batch id, page, export
file name) and details as JSON (filters as codes, row counts, formats). Never personal data
of workers: numbers that look like ID numbers are masked before they are written.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic, sleep

import polars as pl

ENV = "UNION_DASH_AUDIT"
SUFFIX = ".audit.sqlite"
BUSY_TIMEOUT_S = 30.0
# The actions the program records; `record` accepts others (a later feature's own).
ACTIONS = ("login", "logout", "load", "withdraw", "export", "briefing")

_log = logging.getLogger(__name__)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_utc   TEXT NOT NULL,            -- ISO 8601 in UTC, milliseconds: sorts as text
    at_local TEXT NOT NULL,            -- the recording machine's local time, for people
    user     TEXT NOT NULL,
    role     TEXT,
    action   TEXT NOT NULL,
    object   TEXT,
    details  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    outcome  TEXT NOT NULL DEFAULT 'ok'
);
CREATE INDEX IF NOT EXISTS events_at ON events (at_utc);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
COLUMNS = ("id", "at_utc", "at_local", "user", "role", "action", "object", "outcome", "details")
SCHEMA = {"id": pl.Int64, "at_utc": pl.String, "at_local": pl.String, "user": pl.String,
          "role": pl.String, "action": pl.String, "object": pl.String, "outcome": pl.String,
          "details": pl.String}
# A standalone run of 15 or 18 digits (the last may be X) is an ID number's shape (GB 11643).
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{5})(\d{3}[\dXx])(?![0-9A-Za-z])")
_open: dict[str, tuple[int, sqlite3.Connection]] = {}  # file -> (process id, connection)
_lock = threading.Lock()  # Streamlit runs scripts and download callables in many threads


def log_path(warehouse: Path | str) -> Path:
    """The audit file beside a warehouse: `<warehouse>.audit.sqlite`."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + SUFFIX)


def resolve(path: Path | str | None = None, warehouse: Path | str | None = None) -> Path:
    """Where events go: `path`, else `UNION_DASH_AUDIT`, else beside `warehouse`."""
    if path is not None:
        return Path(path)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if warehouse is None:
        raise ValueError(f"no audit log: give a path or a warehouse, or set {ENV}")
    return log_path(warehouse)


def record(action: str, *, user: str | None, role: str | None = None, object: str | None = None,
           details: dict | None = None, outcome: str = "ok", path: Path | str | None = None,
           warehouse: Path | str | None = None) -> int | None:
    """Append one event; returns its id, or None when it could not be written (a warning).

    `user` None means the operating-system account (a command-line run)."""
    try:
        target = resolve(path, warehouse)
        now = datetime.now(UTC)
        row = (_utc_text(now), now.astimezone().isoformat(sep=" ", timespec="seconds"),
               _masked(user or f"os:{_os_user()}"), role, action,
               None if object is None else _masked(str(object)),
               _masked(json.dumps(details or {}, ensure_ascii=False, default=str)), outcome)
        with _connect(target) as con:
            cur = con.execute("INSERT INTO events (at_utc, at_local, user, role, action, object, "
                              "details, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            return cur.lastrowid
    except Exception as exc:  # noqa: BLE001 - the recorded operation goes on regardless
        _log.warning("audit: could not record %s by %s: %s", action, user, exc)
        return None


def events(path: Path | str | None = None, *, warehouse: Path | str | None = None,
           since: datetime | date | None = None, until: datetime | date | None = None,
           action: str | Iterable[str] | None = None, user: str | None = None,
           limit: int | None = None) -> pl.DataFrame:
    """Events newest first, as text columns (`at_utc` ISO 8601); empty when there is no log.

    `since` and `until` are inclusive; a date means that whole local day, a naive datetime
    local time. `action` is one action or several; `user` matches exactly."""
    target = resolve(path, warehouse)
    if not target.exists():
        return pl.DataFrame(schema=SCHEMA)
    where, params = _where(since, until, action, user)
    query = f"SELECT {', '.join(COLUMNS)} FROM events{where} ORDER BY id DESC"
    if limit is not None:
        query, params = query + " LIMIT ?", [*params, int(limit)]
    with _connect(target) as con:
        rows = con.execute(query, params).fetchall()
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def users(path: Path | str | None = None, *, warehouse: Path | str | None = None) -> list[str]:
    """Every user name in the log, sorted (for a filter's choices)."""
    target = resolve(path, warehouse)
    if not target.exists():
        return []
    with _connect(target) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT user FROM events ORDER BY user")]


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """This process's connection to `path`, one thread at a time, in autocommit (each
    statement its own transaction, waiting up to the busy timeout for another writer).

    Kept open: closing the last connection to a WAL file checkpoints it, about 15 ms a
    record. A forked child opens its own; a file removed meanwhile is made again."""
    key = str(path.resolve())
    with _lock:
        pid, con = _open.get(key, (None, None))
        if pid != os.getpid() or not path.exists():
            if pid == os.getpid():
                con.close()  # its file was removed
            con = _new(path)
            _open[key] = (os.getpid(), con)
        yield con


def _new(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                          check_same_thread=False)  # used under _lock only
    try:
        _prepare(con)
    except BaseException:
        con.close()
        raise
    return con


def _prepare(con: sqlite3.Connection) -> None:
    """WAL mode and the schema. Several processes opening a new file at once: changing the
    journal mode takes the file's exclusive lock without waiting for the busy timeout, so
    a refusal is retried (seen here: one of four writers refused once in 800 events)."""
    deadline = monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode=WAL")  # a property of the file: it stays
            con.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or monotonic() > deadline:
                raise
            sleep(0.05)


def _where(since, until, action, user) -> tuple[str, list]:
    clauses, params = [], []
    if since is not None:
        clauses.append("at_utc >= ?")
        params.append(_utc_text(_moment(since, time.min)))
    if until is not None:
        clauses.append("at_utc <= ?")
        params.append(_utc_text(_moment(until, time.max)))
    if action is not None:
        actions = [action] if isinstance(action, str) else list(action)
        clauses.append(f"action IN ({', '.join('?' * len(actions))})" if actions else "FALSE")
        params += actions
    if user is not None:
        clauses.append("user = ?")
        params.append(user)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _moment(value: datetime | date, at: time) -> datetime:
    """A date as the start (`time.min`) or end (`time.max`) of that local day."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, at)
    return value if value.tzinfo else value.astimezone()  # naive: local time


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _masked(text: str) -> str:
    """ID-number shapes masked as the warehouse shows them (150702********123X)."""
    return _ID_LIKE.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return str(os.getuid())
