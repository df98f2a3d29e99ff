"""A process that appends to the audit log (tests/core/test_audit.py starts several at once).

Its own small module, so a spawned process imports core.audit and not the test module's
Streamlit and ETL."""

from __future__ import annotations

import time


def append(path: str, worker: int, n: int, start_at: float) -> None:
    from core import audit

    time.sleep(max(0.0, start_at - time.time()))  # every writer starts together
    for i in range(n):
        if audit.record("export", user=f"w{worker}", object=str(i), path=path) is None:
            raise SystemExit(f"worker {worker}: event {i} not recorded")
