"""Who this session's user is, and the refusal of an action their role may not do.

Read by the filter bar, the downloads and the audit trail; it records nothing itself, so the
audit trail can ask who is signed in without importing the login gate.
"""

from __future__ import annotations

import streamlit as st

from analytics.filters import COUNTRY
from core.messages import render
from ui import frame
from ui.auth.messages import session_lang
from ui.auth.policy import can
from ui.auth.users import User, read_config

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
SESSION_KEY = "union_dash_user"


def login_required() -> bool:
    """A login is needed when the server listens beyond localhost (no address = all)."""
    address = st.get_option("server.address")
    return not address or address not in LOCAL_ADDRESSES


def current_user() -> User | None:
    """The signed-in user, the local staff user, or None when a login is still needed."""
    user = st.session_state.get(SESSION_KEY)
    if isinstance(user, User):
        return user
    if read_config() is None and not login_required():
        return User(render("auth.local_user", session_lang()), "staff", local=True)
    return None


def user_region() -> str:
    """The signed-in user's region; the country (no limit) for users without one."""
    user = current_user()
    return user.region if user and user.region else COUNTRY


def require(action: str) -> User:
    """Stop the page unless the current user may do `action` (for direct URLs)."""
    frame.require()  # a link a fresh server ran outside the frame reruns through it first
    user = current_user()
    if user is None or not can(user.role, action):
        st.error(render("auth.refused", session_lang()))
        st.stop()
    return user
