"""The alert rules run after every load and withdrawal the dashboard makes: called by
ui/upload_view.py and ui/withdraw_view.py once the ETL's call has returned (the warehouse
is swapped by then), never from inside etl.

The run goes on in a background thread: a channel that is down is retried with backoff for
some seconds, and the page that loaded the file should not wait for it; what was sent and
what failed is on the 预警 page and in the audit log. Without a rules state file nothing runs.
"""

from __future__ import annotations

import logging
import threading

from alerts import engine, store

_log = logging.getLogger(__name__)


def after_change(trigger: str, user: str | None = None, *,
                 background: bool = True) -> threading.Thread | None:
    """Run the rules after a `trigger` ("load" or "withdraw") by `user`; the thread (None
    when it ran in place, or when there are no rules to run)."""
    if not store.state_path().exists():  # no rule was ever saved: nothing to evaluate
        return None
    if not background:
        _run(trigger, user)
        return None
    thread = threading.Thread(target=_run, args=(trigger, user), name="alerts-after-change",
                              daemon=True)
    thread.start()
    return thread


def _run(trigger: str, user: str | None) -> None:
    try:
        report = engine.run_rules(user=user, trigger=trigger)
        _log.info("alerts after %s: %s", trigger, report.summary("en"))
    except Exception:  # noqa: BLE001 - the load is done; its alerts must not undo the page
        _log.exception("alerts: the run after a %s failed", trigger)
