"""A warehouse made by an earlier version of the program: said above every page, with what it
lacks and how to bring it up to date (a button for the roles that load, the command for the
others), and a page that reads what is missing says so instead of showing DuckDB's error.

Without this, pages that read a newer table or column (数据质量's flag_key) failed with a
Binder Error on a warehouse from before it until the next load. What it lacks is
analytics.db.lacking (core/warehouse_tables.py).
"""

from __future__ import annotations

import logging

import streamlit as st

from analytics import db
from core import warehouse_tables
from core.messages import render
from ui import audit_trail
from ui.auth import User, can
from ui.etl_actions import WriteFailed, warehouse

_log = logging.getLogger(__name__)


_DONE = "_warehouse_upgraded"  # what the button's callback did, for the run after it


def lacking() -> list[str]:
    """What the current warehouse lacks that this version reads ([] when nothing); kept per
    warehouse file by analytics.db."""
    try:
        return db.lacking()
    except Exception:  # noqa: BLE001 - the check must not take every page down with it
        _log.exception("could not compare the warehouse with this version's tables")
        return []


def notice(user: User, lang: str) -> list[str]:
    """Say what the warehouse lacks, above the page, and offer staff to bring it up to date;
    what it lacks, or []."""
    done = st.session_state.pop(_DONE, None)
    if isinstance(done, int):  # the button's callback, before this run, brought it up to date
        st.success(render("app.upgraded", lang, n=done))
    elif done is not None:  # or could not write it (full disk, read-only folder)
        st.error(done)
    what = lacking()
    if not what:
        return []
    path = db.warehouse_path()
    staff = can(user.role, "upload")
    how = render("app.upgrade_how_staff" if staff else "app.upgrade_how_others", lang, path=path,
                 what=warehouse_tables.named(what))
    st.warning(render("app.warehouse_older", lang, n=len(what), how=how),
               icon=":material/upgrade:")
    if staff:
        # a callback: it runs before the next run, which a link's page switch may rerun
        # before reaching here (a button's True would be lost with it)
        st.button(render("app.upgrade_button", lang), key="warehouse_upgrade",
                  on_click=_upgrade, args=(path, lang))
    return what


def _upgrade(path, lang: str) -> None:
    with st.spinner(render("app.upgrading", lang)):
        try:
            lacked = warehouse.upgrade(path)
        except WriteFailed as e:  # full disk, read-only folder: nothing changed
            audit_trail.record("upgrade", object=str(path), outcome="failed",
                               details={"error": str(e)})
            st.session_state[_DONE] = str(e)
            return
    audit_trail.record("upgrade", object=str(path), details={"lacked": len(lacked)})
    st.session_state[_DONE] = len(lacked)
