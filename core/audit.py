"""The audit trail: an append-only log of loads, withdrawals, exports, briefings and logins.

One SQLite file (stdlib sqlite3) with one `events` table. It lives beside the warehouse
(`<warehouse>.audit.sqlite`, or `UNION_DASH_AUDIT`), never inside it: a load or a withdrawal
replaces the warehouse file by `os.replace`, which leaves a sibling file alone, so no swap can
erase what was recorded. Triggers abort any UPDATE or DELETE, so the program cannot rewrite
history; and each event carries a keyed hash of itself and the event before (core/audit_chain.py),
so a hand that drops the triggers, deletes or edits an event, or replaces the file is found by
`python -m core.audit verify` (core/audit_verify.py). Events are chained in one IMMEDIATE
transaction with their insert: two writers cannot fork the chain. A log written before the
chain existed is chained once, on the first event recorded after (an `audit` event says so).

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

from core import audit_chain
from core.warehouse import AUDIT_ENV, AUDIT_SUFFIX, audit_beside, audit_path

ENV = AUDIT_ENV  # where the log lives is core/warehouse.py's to say
SUFFIX = AUDIT_SUFFIX
BUSY_TIMEOUT_S = 30.0
# The actions the program records; `record` accepts others (a later feature's own).
ACTIONS = ("login", "logout", "load", "withdraw", "upgrade", "export", "briefing", "audit")

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
    outcome  TEXT NOT NULL DEFAULT 'ok',
    prev_hash TEXT,                    -- the hash of the event before (core/audit_chain.py)
    hash     TEXT                      -- HMAC of this event's fields and prev_hash
);
CREATE INDEX IF NOT EXISTS events_at ON events (at_utc);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
_NO_UPDATE = _SCHEMA[_SCHEMA.index("CREATE TRIGGER IF NOT EXISTS events_no_update"):
                     _SCHEMA.index("CREATE TRIGGER IF NOT EXISTS events_no_delete")]
# Loads' and withdrawals' intents are matched with their outcomes by batch (etl/load_audit.py).
_BATCH_INDEX = ("CREATE INDEX IF NOT EXISTS events_batch "
                "ON events (action, json_extract(details, '$.batch'))")
COLUMNS = ("id", "at_utc", "at_local", "user", "role", "action", "object", "outcome", "details")
SCHEMA = {"id": pl.Int64, "at_utc": pl.String, "at_local": pl.String, "user": pl.String,
          "role": pl.String, "action": pl.String, "object": pl.String, "outcome": pl.String,
          "details": pl.String}
# A standalone run of 15 or 18 digits (the last may be X) is an ID number's shape (GB 11643);
# not the fraction digits of a number (an alert's 0.669260700389105: masked, its JSON broke).
_ID_LIKE = re.compile(
    r"(?<![0-9A-Za-z])(?<!\d\.)(\d{6})(\d{8}|\d{5})(\d{3}[\dXx])(?![0-9A-Za-z])")
_open: dict[str, tuple[int, sqlite3.Connection]] = {}  # file -> (process id, connection)
_lock = threading.Lock()  # Streamlit runs scripts and download callables in many threads


def log_path(warehouse: Path | str) -> Path:
    """The audit file beside a warehouse: `<warehouse>.audit.sqlite`."""
    return audit_beside(warehouse)


def resolve(path: Path | str | None = None, warehouse: Path | str | None = None) -> Path:
    """Where events go: `path`, else `UNION_DASH_AUDIT`, else beside `warehouse`."""
    if path is not None:
        return Path(path)
    if warehouse is None and not os.environ.get(ENV):
        raise ValueError(f"no audit log: give a path or a warehouse, or set {ENV}")
    return audit_path(warehouse)


def record(action: str, *, user: str | None, role: str | None = None, object: str | None = None,
           details: dict | None = None, outcome: str = "ok", path: Path | str | None = None,
           warehouse: Path | str | None = None) -> int | None:
    """Append one event; returns its id, or None when it could not be written (a warning).

    `user` None means the operating-system account (a command-line run)."""
    try:
        target = resolve(path, warehouse)
        key = _key()
        now = datetime.now(UTC)
        event = {"at_utc": _utc_text(now),
                 "at_local": now.astimezone().isoformat(sep=" ", timespec="seconds"),
                 "user": _masked(user or f"os:{_os_user()}"), "role": role, "action": action,
                 "object": None if object is None else _masked(str(object)),
                 "details": _masked(json.dumps(details or {}, ensure_ascii=False, default=str)),
                 "outcome": outcome}
        with _connect(target) as con, immediate(con):
            return _append(con, key, event)
    except Exception as exc:  # noqa: BLE001 - the recorded operation goes on regardless
        _log.warning("audit: could not record %s by %s: %s", action, user, exc)
        return None


@contextlib.contextmanager
def immediate(con: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that takes the file's write lock first (waiting up to the busy
    timeout): what the chain's last hash is cannot change between reading it and appending."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _key() -> bytes | None:
    """The chain's key, or None when it cannot be read or made (a home directory not
    writable): the event is then written off the chain, and `verify` names it, rather than
    lost."""
    try:
        return audit_chain.load_key()
    except OSError as exc:
        _log.warning("audit: no key for the hash chain (%s): events go unchained", exc)
        return None


def _append(con: sqlite3.Connection, key: bytes | None, event: dict) -> int:
    """Insert `event` chained to the last hashed event, with the id SQLite would give it (the
    hash covers the id: renumbering shows). Call inside `immediate`."""
    if key is None:
        columns = [c for c in COLUMNS if c != "id"]
        return con.execute(f"INSERT INTO events ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' * len(columns))})",
                           [event[c] for c in columns]).lastrowid
    last = con.execute("SELECT hash FROM events WHERE hash IS NOT NULL "
                       "ORDER BY id DESC LIMIT 1").fetchone()
    number = con.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
        "coalesce((SELECT max(id) FROM events), 0)) + 1").fetchone()[0]
    row = {**event, "id": number, "prev_hash": last[0] if last else audit_chain.GENESIS}
    row["hash"] = audit_chain.link(key, row)
    columns = ("id", *[c for c in COLUMNS if c != "id"], "prev_hash", "hash")
    con.execute(f"INSERT INTO events ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})", [row[c] for c in columns])
    return number


def _chain_existing(con: sqlite3.Connection, key: bytes) -> None:
    """A log from before the chain: hash its events in order, once, and say so in an event.
    Inside `immediate`, with the hash columns just added: the only rewrite the program makes,
    of columns no event had (the update trigger is dropped and made again in the same
    transaction)."""
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY id").fetchall()
    if not rows:
        return
    con.execute("DROP TRIGGER IF EXISTS events_no_update")
    prev = audit_chain.GENESIS
    for values in rows:
        event = dict(zip(COLUMNS, values, strict=True)) | {"prev_hash": prev}
        digest = audit_chain.link(key, event)
        con.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?",
                    [prev, digest, event["id"]])
        prev = digest
    con.execute(_NO_UPDATE)
    first, last = rows[0][0], rows[-1][0]
    now = datetime.now(UTC)
    _append(con, key, {
        "at_utc": _utc_text(now), "at_local": now.astimezone().isoformat(sep=" ",
                                                                      timespec="seconds"),
        "user": f"os:{_os_user()}", "role": None, "action": "audit",
        "object": f"chain started at event {first}", "outcome": "ok",
        "details": json.dumps({"chain_started_at": first, "chained_events": len(rows),
                               "chained_through": last,
                               "note": "events written before the chain existed, hashed "
                                       "as they stood now"})})


def open_intents(path: Path | str | None = None, *, warehouse: Path | str | None = None
                 ) -> list[dict]:
    """Loads and withdrawals recorded as `started` with no later event for the same action
    and batch (etl/load_audit.py reconciles them), oldest first."""
    target = resolve(path, warehouse)
    if not target.exists():
        return []
    query = """
        SELECT i.id, i.user, i.action, i.object, i.details FROM events i
        WHERE i.outcome = 'started' AND i.action IN ('load', 'withdraw')
          AND NOT EXISTS (SELECT 1 FROM events o WHERE o.action = i.action AND o.id > i.id
                          AND json_extract(o.details, '$.batch')
                              = json_extract(i.details, '$.batch')
                          AND o.outcome <> 'started')
        ORDER BY i.id"""
    with _connect(target) as con:
        rows = con.execute(query).fetchall()
    return [{"id": i, "user": u, "action": a, "object": o, "details": json.loads(d)}
            for i, u, a, o, d in rows]


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
            if not _hashed(con):
                _add_chain(con)
            con.execute(_BATCH_INDEX)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or monotonic() > deadline:
                raise
            sleep(0.05)


def _hashed(con: sqlite3.Connection) -> bool:
    return "hash" in {r[1] for r in con.execute("PRAGMA table_info(events)")}


def _add_chain(con: sqlite3.Connection) -> None:
    """A log made before the chain: its hash columns, and its events chained, in one
    transaction (a kill between the two would leave events never chained)."""
    key = _key()
    if key is None:  # chained by the first open that has the key
        return
    with immediate(con):
        if _hashed(con):  # another process did it while this one waited
            return
        for column in ("prev_hash", "hash"):
            con.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT")
        _chain_existing(con, key)


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


if __name__ == "__main__":  # python -m core.audit verify ...
    from core import audit_verify

    raise SystemExit(audit_verify.main())
