"""What loads and withdrawals write to the audit log (core/audit.py).

A load: one event per file, once the load is over (after the swap when it changed the
warehouse), or one `error` event per file when it failed before its swap (then nothing of it
is in the warehouse). A withdrawal: one event for the batch (`withdrawal`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from core import audit

OUTCOMES = {"loaded": "ok", "partial": "partial", "skipped": "skipped", "failed": "failed"}


@contextlib.contextmanager
def recorded(db_path: Path, names: Sequence[str], results: list, user: str | None
             ) -> Iterator[None]:
    """Record the files of one load; `results` is the load's list of FileResult, filled by
    the body. Wrap the lock and the working copy, so the events follow the swap."""
    try:
        yield
    except BaseException as exc:
        for name in names:
            audit.record("load", user=user, object=name, outcome="error",
                         details={"file": name, "error": type(exc).__name__},
                         warehouse=db_path)
        raise
    for result in results:
        audit.record("load", user=user, object=result.path.name,
                     outcome=OUTCOMES.get(result.status, result.status),
                     details=details(result), warehouse=db_path)


def details(result) -> dict:
    """File, kind, batch and row counts: no row's content."""
    return {"file": result.path.name, "kind": result.kind, "batch": result.batch_id,
            "status": result.status, "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected,
            "rows_inserted": result.rows_inserted, "rows_updated": result.rows_updated}


def withdrawal(db_path: Path, batch_id: str, *, user: str | None, file: str | None = None,
               rows_removed: int | None = None, rows_restored: int | None = None,
               outcome: str = "ok", error: str | None = None) -> None:
    """Record a withdrawn batch (`python -m etl withdraw`, the upload page): call it after
    the withdrawal's swap, or with outcome `error` when it failed before."""
    details = {"batch": batch_id, "file": file, "rows_removed": rows_removed,
               "rows_restored": rows_restored}
    audit.record("withdraw", user=user, object=batch_id, outcome=outcome,
                 details=details | ({"error": error} if error else {}), warehouse=db_path)
