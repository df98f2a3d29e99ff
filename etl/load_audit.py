"""What loads and withdrawals write to the audit log (core/audit.py), and the log made good
after a kill.

A change of the warehouse is recorded twice, under the warehouse's lock: its intent
(outcome `started`, with the batch id and the file's hash) just before the swap, and its
outcome (`ok`, `partial`, ...) just after. A load also gets one event per file that changed
nothing (skipped, failed), and one `error` event per file when it failed before its swap.

A process killed between the swap and its outcome leaves an intent with no outcome. The
next change (a load or withdrawal, at its start, under the lock) and the dashboard's first
look at the warehouse reconcile such an intent from the warehouse's `load_batches`: found
done → an event `reconciled` with the batch's facts; not done → `interrupted`. Each intent
is answered once: an intent with any later event for its batch is closed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb

from core import audit, audit_verify
from etl import swap

OUTCOMES = {"loaded": "ok", "partial": "partial", "skipped": "skipped", "failed": "failed"}
_log = logging.getLogger(__name__)


@contextlib.contextmanager
def recorded(db_path: Path, names: Sequence[str], results: list, user: str | None
             ) -> Iterator[None]:
    """Record the files of one load; `results` is the load's list of FileResult, filled by
    the body. Enter it under `swap.exclusive` and around the working copy: it reconciles
    what an earlier killed change left first, and the outcomes follow the swap before
    another change can start."""
    reconcile(db_path)
    try:
        yield
    except BaseException as exc:
        for name in names:
            audit.record("load", user=user, object=name, outcome="error",
                         details={"file": name, "error": type(exc).__name__},
                         warehouse=db_path)
        reconcile(db_path)  # an intent recorded before the failure: done or not, as it is
        raise
    for result in results:
        audit.record("load", user=user, object=result.path.name,
                     outcome=OUTCOMES.get(result.status, result.status),
                     details=details(result), warehouse=db_path)


def intent(db_path: Path, con: duckdb.DuckDBPyConnection, results: list, user: str | None
           ) -> None:
    """Before a load's swap: one `started` event per file that will change the warehouse,
    with its batch and content hash (`con`: the working copy, holding the new batches)."""
    for result in results:
        if result.status not in ("loaded", "partial"):
            continue
        sha = con.execute("SELECT content_sha256 FROM load_batches WHERE batch_id = ?",
                          [result.batch_id]).fetchall()
        audit.record("load", user=user, object=result.path.name, outcome="started",
                     details=details(result) | {"sha256": sha[0][0] if sha else None},
                     warehouse=db_path)


def details(result) -> dict:
    """File, kind, batch and row counts: no row's content."""
    return {"file": result.path.name, "kind": result.kind, "batch": result.batch_id,
            "status": result.status, "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected,
            "rows_inserted": result.rows_inserted, "rows_updated": result.rows_updated}


def withdrawal(db_path: Path, batch_id: str, *, user: str | None, file: str | None = None,
               rows_removed: int | None = None, rows_restored: int | None = None,
               outcome: str = "ok", error: str | None = None) -> None:
    """Record a withdrawn batch (`python -m etl withdraw`, the upload page): outcome
    `started` before the withdrawal's swap and `ok` after it (both under the lock), or
    `error` when it failed."""
    details = {"batch": batch_id, "file": file, "rows_removed": rows_removed,
               "rows_restored": rows_restored}
    audit.record("withdraw", user=user, object=batch_id, outcome=outcome,
                 details=details | ({"error": error} if error else {}), warehouse=db_path)


@contextlib.contextmanager
def reconciled(db_path: Path) -> Iterator[None]:
    """Around a withdrawal under the lock: reconcile first, and again if it fails (its
    intent, if recorded, answered by what the warehouse holds)."""
    reconcile(db_path)
    try:
        yield
    except BaseException:
        reconcile(db_path)
        raise


def reconcile(db_path: Path) -> int:
    """Answer every intent that has no outcome from the warehouse's batches; returns how
    many. Call under `swap.exclusive` (no change is in flight then). Never raises: a log or
    warehouse that cannot be read is a warning, and the next start tries again."""
    try:
        pending = audit.open_intents(warehouse=db_path)
        if not pending:
            return 0
        batches = audit_verify.warehouse_batches(db_path) if db_path.exists() else {}
        for event in pending:
            _answer(db_path, event, batches)
        return len(pending)
    except Exception as exc:  # noqa: BLE001 - the load or page goes on regardless
        _log.warning("audit: could not reconcile the log with %s: %s", db_path, exc)
        return 0


def reconcile_if_idle(db_path: Path) -> int:
    """`reconcile` if no change holds the warehouse's lock (the dashboard's first look: a
    change in flight is not interrupted, and will reconcile at its own start)."""
    db_path = Path(db_path)
    try:
        if not db_path.exists() or not audit.open_intents(warehouse=db_path):
            return 0  # the common case, without touching the lock file
        with swap.exclusive(db_path, wait=False):
            return reconcile(db_path)
    except BlockingIOError:
        return 0
    except Exception as exc:  # noqa: BLE001 - e.g. a read-only directory: no lock to take
        _log.warning("audit: could not reconcile the log with %s: %s", db_path, exc)
        return 0


def _answer(db_path: Path, event: dict, batches: dict[str, dict]) -> None:
    """The outcome of one intent, as the warehouse shows it: a load is done when its batch
    is there, a withdrawal when its batch is gone."""
    batch = event["details"].get("batch")
    present = batch in batches
    done = present if event["action"] == "load" else not present
    where = "in" if present else "not in"
    audit.record(event["action"], user=event["user"], object=event["object"],
                 outcome="reconciled" if done else "interrupted",
                 details={"batch": batch, "intent": event["id"],
                          "reconciled_from": "warehouse",
                          "found": f"batch {where} the warehouse's load_batches",
                          "intended": event["details"], "warehouse": batches.get(batch)},
                 warehouse=db_path)
