"""The login gate: streamlit-authenticator's form and signed re-login cookie (held to its user,
password and session by cookie.py), a lockout after repeated wrong passwords, and log-ins,
failed attempts and log-outs in the audit log.

A login is required whenever the server listens beyond this machine. On 127.0.0.1 with no
user file there is one local user, treated as staff, and the sidebar says so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import streamlit as st

from core import audit
from core.messages import render
from core.users import config_path
from core.warehouse import warehouse_path
from ui.auth import cookie
from ui.auth.messages import login_fields, role_label, session_lang
from ui.auth.session import SESSION_KEY, current_user, login_required
from ui.auth.users import User, entries, read_config, user_from

_log = logging.getLogger(__name__)
MAX_LOGIN_ATTEMPTS = 5  # then the user is locked out until the user file changes or a restart


def login_gate() -> User | None:
    """Render the login (when required) and the signed-in user in the sidebar; call first.

    Returns the user, or None after drawing the login form or a refusal (the caller stops).
    """
    config = read_config()
    if config is None:
        if login_required():
            # the visitor is anonymous: the server's file layout is for its log, not for them
            _log.warning("no users configured: run python -m ui.auth add-user (config file %s)",
                         config_path())
            st.error(render("auth.no_config", session_lang()))
            return None
        user = current_user()
        st.sidebar.caption(render("auth.local_banner", session_lang()))
        return user
    authenticator = _authenticator(config)
    cookie.bind(authenticator)  # the cookie holds while its user, password and session do
    _record_attempts(authenticator)
    _hold_cookie(authenticator)
    try:
        authenticator.login(location="main", fields=login_fields(),
                            max_login_attempts=MAX_LOGIN_ATTEMPTS)
    except Exception as exc:  # the library raises LoginError for too many attempts etc.
        st.error(render("auth.locked", session_lang()) if "attempts" in str(exc) else str(exc))
        return None
    if st.session_state.get("authentication_status") is False:
        st.error(render("auth.wrong_password", session_lang()))
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(SESSION_KEY, None)
        return None
    username = st.session_state.get("username")
    user = user_from(config, username)
    _record_login(username, user)
    if user is None:
        st.error(render("auth.no_role", session_lang()))
        return None
    st.session_state[SESSION_KEY] = user
    _set_cookie_until_stored(authenticator)
    st.sidebar.caption(render("auth.signed_in", session_lang(), name=user.name,
                              role=role_label(user.role)))
    authenticator.logout(render("auth.logout", session_lang()), location="sidebar",
                         key="union_dash_logout",
                         callback=lambda _: _logged_out(username, user.role))
    return user


# --- the audit log: log-ins once a session, every failed attempt, log-outs -------------------

_RECORDED = "union_dash_login_recorded"  # the (user name, outcome) this session recorded
_VIA = "union_dash_login_via"


def _record(action: str, user: str, role: str | None = None, outcome: str = "ok",
            details: dict | None = None) -> None:
    """One login event, with the name tried (ui/audit_trail.record with a given user)."""
    audit.record(action, user=user, role=role, object=None, details=details, outcome=outcome,
                 warehouse=warehouse_path())


def _record_attempts(authenticator) -> None:
    """Record every password attempt that fails, with the name tried.

    The library tells neither the name tried nor whether this run submitted the form (its
    status stays False over later reruns), so its controller's login, called once for each
    submission and once for a signed cookie, is wrapped."""
    controller = authenticator.authentication_controller
    real = controller.login

    def login(username=None, password=None, *args, **kwargs):
        tried = (username or "").strip().lower()[:64] or "?"
        try:
            ok = real(username, password, *args, **kwargs)
        except Exception as exc:
            outcome = "locked" if "attempts" in str(exc) else "refused"
            _record("login", tried, outcome=outcome, details={"reason": str(exc)})
            raise
        if ok is False:
            _record("login", tried, outcome="failed",
                    details={"reason": "wrong user name or password"})
        elif ok:
            st.session_state[_VIA] = "password"
        return ok

    controller.login = login


def _record_login(username: str | None, user: User | None) -> None:
    """A successful log-in (by password or a signed cookie), or one without a valid role,
    recorded once for the session, not on each rerun."""
    outcome = "ok" if user is not None else "refused"
    if st.session_state.get(_RECORDED) == (username, outcome):
        return
    st.session_state[_RECORDED] = (username, outcome)
    _record("login", username or "?", getattr(user, "role", None), outcome=outcome,
            details={"via": st.session_state.pop(_VIA, "cookie")})


def _logged_out(username: str | None, role: str) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(_RECORDED, None)
    st.session_state.pop(_COOKIE, None)
    cookie.end_session_token()
    _record("logout", username or "?", role)


# --- the re-login cookie: set until the browser says it holds it ------------------------------

_COOKIE = "union_dash_cookie_to_set"  # (name, value, options) of a cookie not yet confirmed


def _hold_cookie(authenticator) -> None:
    """Keep the cookie the library sets after a password login, instead of letting it draw
    the setter once. The setter is a component that writes the cookie when its frame has
    loaded; drawn in one run only, the next run (the link's page switch follows at once)
    removed it before it loaded on a busy machine, and a new tab found no cookie and asked
    for the password again."""
    manager = authenticator.cookie_controller.cookie_model.cookie_manager

    def hold(cookie: str, val: str, expires_at=None, **_ignored) -> None:
        expires = expires_at or datetime.now() + timedelta(days=1)
        st.session_state[_COOKIE] = (cookie, val, {"path": "/", "expires": expires.isoformat(),
                                                   "sameSite": "strict"})

    manager.set = hold


def _set_cookie_until_stored(authenticator) -> None:
    """Draw the held cookie's setter (same key and values every run, so the browser keeps
    one frame) until it reports the cookie written."""
    held = st.session_state.get(_COOKIE)
    if not held:
        return
    cookie, value, options = held
    component = authenticator.cookie_controller.cookie_model.cookie_manager.cookie_manager
    with st.sidebar:
        stored = component(method="set", cookie=cookie, value=value, options=options,
                           key="union_dash_cookie_set", default=False)
    if stored:
        st.session_state.pop(_COOKIE, None)


class _CookieReader:
    """The authenticator's cookie manager without its fetch. extra-streamlit-components'
    CookieManager draws a component on creation, so in every run of every session, that asks
    the browser for all its cookies; in the browser that is a frame with a page and scripts
    of its own, and its answer asks for a second run of the whole page. The library reads its
    cookie from the request (st.context.cookies, and cookie.py does) and never from that
    answer. Setting (`_set_cookie_until_stored`) and the logout's delete still draw it."""

    def __init__(self) -> None:
        from extra_streamlit_components.CookieManager import _component_func

        self.cookie_manager = _component_func
        self.cookies = dict(st.context.cookies)

    def delete(self, cookie: str, key: str = "delete") -> None:
        self.cookie_manager(method="delete", cookie=cookie, key=key, default=False)
        self.cookies.pop(cookie, None)


def _authenticator(config: dict):
    import streamlit_authenticator as stauth  # only needed once a user file exists
    from streamlit_authenticator.models import cookie_model

    # the library's cookie model makes its manager as stx.CookieManager(): this one fetches nothing
    cookie_model.stx = SimpleNamespace(CookieManager=_CookieReader)
    cookie = config.get("cookie", {})
    path = config_path()
    credentials = _credentials(str(path), path.stat().st_mtime_ns)
    return stauth.Authenticate(credentials, cookie.get("name", "union_dash_auth"),
                               cookie.get("key", ""), float(cookie.get("expiry_days", 1)),
                               auto_hash=False)


@st.cache_resource(show_spinner=False, max_entries=4)
def _credentials(path: str, mtime_ns: int) -> dict:
    """One credentials dict per process and file version: the library counts failed logins
    in it, so the count must outlive a run for the lockout to work."""
    users = entries(read_config(Path(path)))
    return {"usernames": {u: dict(v) for u, v in users.items()}}
