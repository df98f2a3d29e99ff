"""The re-login cookie's limits: it holds while its user, their password and their session do.

streamlit-authenticator's cookie is a signed token of the user name and an expiry, nothing
more: a copy of it (a shared office computer, a browser profile) signed in for its whole
expiry after the user logged out, after an admin gave the user a new password, and a removed
user's cookie raised the library's English 'User not authorized' on a Chinese page. Here the
token also carries a fingerprint of the password hash it was won with, a logout ends the
token it was signed in by (recorded in a file beside the user file, so every server process
of a deployment refuses it), and a cookie that does not hold is simply not used: the login form
asks for the password.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from pathlib import Path

import jwt
import streamlit as st

from core.users import config_path

_log = logging.getLogger(__name__)
TOKEN_KEY = "union_dash_token"  # the re-login token this session was signed in with or given


def ended_path() -> Path:
    """The tokens ended by a logout: beside the user file, never inside the repository."""
    path = config_path()
    return path.with_name(path.name + ".logouts")


def fingerprint(password_hash: str | None) -> str:
    """Which password a token was won with (not the hash itself: the browser can read it)."""
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:16]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _ended(path: Path) -> dict[str, float]:
    """Digest of each ended token → its expiry."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        digest, _, expiry = line.partition(" ")
        with contextlib.suppress(ValueError):
            out[digest] = float(expiry)
    return out


def end(token: str | None, expiry: float, path: Path | None = None) -> None:
    """Refuse `token` from now on (a logout); tokens past their expiry are dropped from the
    file as it is rewritten, under a lock that no rewrite replaces."""
    if not token:
        return
    path = path or ended_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        now = time.time()
        kept = {d: e for d, e in _ended(path).items() if e > now}
        kept[_digest(token)] = expiry
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.writelines(f"{d} {e}\n" for d, e in kept.items())
        os.replace(tmp, path)
    finally:
        os.close(lock)


def claims(token: str | None, key: str, users: dict[str, dict],
           path: Path | None = None) -> dict | None:
    """The token's claims when it still signs its user in: signed with `key`, not expired,
    its user in `users` with the password it was won with, and not ended by a logout."""
    if not token:
        return None
    try:
        data = jwt.decode(token, key, algorithms=["HS256"])
    except (jwt.PyJWTError, ValueError):  # a bad signature, a damaged cookie, an empty key
        return None
    name = data.get("username")
    if not isinstance(name, str) or name not in users:
        return None
    if not isinstance(data.get("exp_date"), int | float) or data["exp_date"] <= time.time():
        return None
    if data.get("pw") != fingerprint(users[name].get("password")):
        return None
    if _digest(token) in _ended(path or ended_path()):
        return None
    return data


def bind(authenticator) -> None:
    """Make the authenticator's cookie say which password it was won with, and sign in only
    while `claims` holds; the session keeps its token (TOKEN_KEY) for the logout to end."""
    model = authenticator.cookie_controller.cookie_model
    users = authenticator.authentication_controller.authentication_model.credentials["usernames"]

    def token_encode() -> str:
        name = st.session_state["username"]
        token = jwt.encode({"username": name, "exp_date": model.exp_date,
                            "pw": fingerprint((users.get(name) or {}).get("password"))},
                           model.cookie_key, algorithm="HS256")
        st.session_state[TOKEN_KEY] = token
        return token

    def get_cookie() -> dict | None:
        if st.session_state.get("logout"):
            return None
        token = st.context.cookies.get(model.cookie_name)
        data = claims(token, model.cookie_key, users)
        if data:
            st.session_state[TOKEN_KEY] = token
        return data

    model._token_encode = token_encode
    model.get_cookie = get_cookie


def end_session_token() -> None:
    """The logout: the token this session holds signs nobody in again. A file that cannot be
    written (a read-only folder, a full disk) does not keep the session from logging out:
    the server's log says the cookie stays valid until it expires."""
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        expiry = jwt.decode(token, options={"verify_signature": False}).get("exp_date", 0)
        try:
            end(token, float(expiry))
        except OSError as e:
            _log.warning("logout not recorded in %s (%s): its cookie signs in until it expires",
                         ended_path(), e)
