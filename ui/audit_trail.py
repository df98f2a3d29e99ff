"""Recording what a signed-in user does (core/audit.py) from the pages: who they are, and
downloads recorded when they are clicked.

A download button's file is built by a function Streamlit calls on the click, in a thread of
its own with no session (``data=callable``, ``on_click="ignore"``): wrapping that function
records each click once, and never a mere render. Who and where are taken when the button is
drawn, since the thread cannot read the session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from analytics import db
from core import audit
from core.warehouse import audit_path
from ui import auth
from ui.etl_actions import load_audit

Build = Callable[[], bytes]
_reconciled: set[Path] = set()
_reconciling = threading.Lock()


def who() -> tuple[str, str | None]:
    """(login name, role) of this session: "local" for the single local user."""
    user = auth.current_user()
    if user is None:
        return "anonymous", None
    if user.local:
        return "local", user.role
    return st.session_state.get("username") or user.name, user.role


def record(action: str, *, object: str | None = None, details: dict | None = None,
           outcome: str = "ok", user: str | None = None, role: str | None = None) -> None:
    """One event by this session's user (or `user`, for a log-in attempt)."""
    if user is None:
        user, role = who()
    audit.record(action, user=user, role=role, object=object, details=details,
                 outcome=outcome, warehouse=db.warehouse_path())


def view_filters() -> dict[str, str]:
    """The filter bar's view as codes (what a shared link holds), or nothing off the frame."""
    f = st.session_state.get("filters")
    return f.to_query() if f is not None else {}


def recorded(build: Build | bytes, *, action: str = "export", object: str,
             details: dict) -> Build:
    """`build` (or fixed bytes) as a download's data function that records each click,
    with the outcome `error` when building the file fails."""
    user, role = who()
    path = audit_path()
    make = build if callable(build) else (lambda: build)

    def on_click() -> bytes:
        try:
            data = make()
        except Exception as exc:
            audit.record(action, user=user, role=role, object=object, outcome="error",
                         details={**details, "error": type(exc).__name__}, path=path)
            raise
        audit.record(action, user=user, role=role, object=object, details=details, path=path)
        return data

    return on_click


def reconcile_once(path: Path) -> None:
    """At this process's first look at the warehouse `path`: answer in the audit log a load
    or withdrawal that was killed after its swap and before its outcome was written
    (etl/load_audit.py; idempotent, and skipped while a change holds the lock)."""
    with _reconciling:
        if path in _reconciled:
            return
        _reconciled.add(path)
        load_audit.reconcile_if_idle(path)
