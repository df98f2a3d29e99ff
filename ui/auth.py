"""Logins and roles: who may see which page and download what.

Roles: leader (views), researcher (views, effect analysis, aggregate exports under disclosure
control), staff (all of that, plus upload, data quality, flagged rows and briefings), admin
(all of that, plus users and the audit log). Passwords are bcrypt hashes in a YAML file kept
outside the repository (`UNION_DASH_AUTH`, else ~/.config/union-dashboard/auth.yaml), written
by `python -m ui.auth add-user NAME ROLE [--region CODE]`; streamlit-authenticator draws the
login form and keeps a signed re-login cookie. Log-ins (and failed attempts) go to the audit log.

A user with a region (a county union's staff: `--region 150702`) sees, exports, briefs and
loads that region's subtree only: the filter bar starts there and every analytics query checks
it (analytics/access.py). Without a region a user sees the whole deployment.

A login is required whenever the server listens beyond this machine. On 127.0.0.1 with no
config file there is one local user, treated as staff, and the sidebar says so.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import streamlit as st
import yaml

from analytics.filters import COUNTRY
from core.users import config_path  # the one place that says where the file is

_log = logging.getLogger(__name__)
ROLES = ("leader", "researcher", "staff", "admin")
_VIEW = set(ROLES)
_RESEARCH = {"researcher", "staff", "admin"}
_STAFF = {"staff", "admin"}

# Action → roles. Downloads and page-level powers are checked with `can`.
ACTIONS: dict[str, set[str]] = {
    "view": _VIEW,
    "effects": _RESEARCH,
    "export_aggregate": _RESEARCH,
    "export_rows": _STAFF,
    "upload": _STAFF,
    "quality": _STAFF,
    "briefing": _STAFF,
    "users": {"admin"},
    "audit": {"admin"},
}

# Page file → roles that may see it. A page not listed here is shown to no one (fail closed);
# tests check that every page of the frame is listed.
PAGE_ROLES: dict[str, set[str]] = {
    "pages/overview.py": _VIEW,
    "pages/relief.py": _VIEW,
    "pages/funds.py": _VIEW,
    "pages/training.py": _VIEW,
    "pages/petitions.py": _VIEW,
    "pages/effects.py": _RESEARCH,
    "pages/briefing.py": _STAFF,
    "pages/upload.py": _STAFF,
    "pages/quality.py": _STAFF,
    "pages/compliance.py": _STAFF,
    "pages/audit.py": {"admin"},
}

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
REGION_CODE = re.compile(r"^[0-9]{6,12}$")
_SESSION_KEY = "union_dash_user"
MAX_LOGIN_ATTEMPTS = 5  # then the user is locked out until the user file changes or a restart


@dataclass(frozen=True)
class User:
    name: str
    role: str
    local: bool = False  # the single local user of a machine without logins
    region: str | None = None  # the subtree this user may see (None: the whole deployment)


def can(role: str | None, action: str) -> bool:
    """Whether `role` may do `action` (unknown actions and roles: no)."""
    return role in ACTIONS.get(action, set())


def can_see(role: str | None, page: str) -> bool:
    """Whether `role` may open the page file `page` (e.g. "pages/upload.py")."""
    return role in PAGE_ROLES.get(_page_key(page), set())


def _page_key(page: str) -> str:
    """"pages/x.py" whether given relative, absolute or as a bare file name."""
    return f"pages/{Path(page).name}"


def read_config(path: Path | None = None) -> dict | None:
    path = path or config_path()
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def login_required() -> bool:
    """A login is needed when the server listens beyond localhost (no address = all)."""
    address = st.get_option("server.address")
    return not address or address not in LOCAL_ADDRESSES


def current_user() -> User | None:
    """The signed-in user, the local staff user, or None when a login is still needed."""
    user = st.session_state.get(_SESSION_KEY)
    if isinstance(user, User):
        return user
    if read_config() is None and not login_required():
        return User(_msg("local_user"), "staff", local=True)
    return None


def user_region() -> str:
    """The signed-in user's region; the country (no limit) for users without one."""
    user = current_user()
    return user.region if user and user.region else COUNTRY


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
            st.error(_msg("no_config"))
            return None
        user = current_user()
        st.sidebar.caption(_msg("local_banner"))
        return user
    authenticator = _authenticator(config)
    _record_attempts(authenticator)
    try:
        authenticator.login(location="main", fields=_login_fields(), max_login_attempts=MAX_LOGIN_ATTEMPTS)
    except Exception as exc:  # the library raises LoginError for too many attempts etc.
        st.error(_msg("locked") if "attempts" in str(exc) else str(exc))
        return None
    if st.session_state.get("authentication_status") is False:
        st.error(_msg("wrong_password"))
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(_SESSION_KEY, None)
        return None
    username = st.session_state.get("username")
    user = _user_from(config, username)
    _record_login(username, user)
    if user is None:
        st.error(_msg("no_role"))
        return None
    st.session_state[_SESSION_KEY] = user
    st.sidebar.caption(_msg("signed_in").format(name=user.name, role=role_label(user.role)))
    authenticator.logout(_msg("logout"), location="sidebar", key="union_dash_logout",
                         callback=lambda _: _logged_out(username, user.role))
    return user


# --- the audit log: log-ins once a session, every failed attempt, log-outs -------------------

_RECORDED = "union_dash_login_recorded"  # the (user name, outcome) this session recorded
_VIA = "union_dash_login_via"


def _record_attempts(authenticator) -> None:
    """Record every password attempt that fails, with the name tried.

    The library tells neither the name tried nor whether this run submitted the form (its
    status stays False over later reruns), so its controller's login, called once for each
    submission and once for a signed cookie, is wrapped."""
    from ui import audit_trail

    controller = authenticator.authentication_controller
    real = controller.login

    def login(username=None, password=None, *args, **kwargs):
        tried = (username or "").strip().lower()[:64] or "?"
        try:
            ok = real(username, password, *args, **kwargs)
        except Exception as exc:
            outcome = "locked" if "attempts" in str(exc) else "refused"
            audit_trail.record("login", user=tried, outcome=outcome,
                               details={"reason": str(exc)})
            raise
        if ok is False:
            audit_trail.record("login", user=tried, outcome="failed",
                               details={"reason": "wrong user name or password"})
        elif ok:
            st.session_state[_VIA] = "password"
        return ok

    controller.login = login


def _record_login(username: str | None, user: User | None) -> None:
    """A successful log-in (by password or a signed cookie), or one without a valid role,
    recorded once for the session, not on each rerun."""
    from ui import audit_trail

    outcome = "ok" if user is not None else "refused"
    if st.session_state.get(_RECORDED) == (username, outcome):
        return
    st.session_state[_RECORDED] = (username, outcome)
    audit_trail.record("login", user=username or "?", role=getattr(user, "role", None),
                       outcome=outcome, details={"via": st.session_state.pop(_VIA, "cookie")})


def _logged_out(username: str | None, role: str) -> None:
    from ui import audit_trail

    st.session_state.pop(_SESSION_KEY, None)
    st.session_state.pop(_RECORDED, None)
    audit_trail.record("logout", user=username or "?", role=role)


def require(action: str) -> User:
    """Stop the page unless the current user may do `action` (for direct URLs)."""
    from ui import frame

    frame.require()  # a link a fresh server ran outside the frame reruns through it first
    user = current_user()
    if user is None or not can(user.role, action):
        st.error(_msg("refused"))
        st.stop()
    return user


def _authenticator(config: dict):
    import streamlit_authenticator as stauth

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
    config = read_config(Path(path)) or {}
    users = (config.get("credentials") or {}).get("usernames") or {}
    return {"usernames": {u: dict(v) for u, v in users.items()}}


def _user_from(config: dict, username: str | None) -> User | None:
    entry = config.get("credentials", {}).get("usernames", {}).get(username or "")
    roles = [r for r in (entry or {}).get("roles", []) if r in ROLES]
    if not roles:
        return None
    region = entry.get("region")
    return User(entry.get("name") or username, roles[0],
                region=str(region) if region not in (None, "") else None)


# --- messages (Chinese first) ---------------------------------------------------------------

_MESSAGES = {
    "local_user": ("本机用户", "local user"),
    "local_banner": ("本机单用户模式：未配置登录，以“工作人员”身份使用。对外提供服务前请先添加用户。",
                     "Single local user: no logins configured, you act as staff. Add users "
                     "before serving a network."),
    "no_config": ("本服务需要登录，但尚未配置用户。请联系管理员。",
                  "This server needs a login, but no users are configured yet. Please contact "
                  "the administrator."),
    "wrong_password": ("用户名或密码错误。", "Wrong user name or password."),
    "locked": ("密码错误次数过多，该用户已被锁定，请联系管理员。",
               "Too many wrong passwords: this user is locked; ask an admin."),
    "no_role": ("该用户没有有效角色，请联系管理员。", "This user has no valid role; ask an admin."),
    "signed_in": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "logout": ("退出登录", "Log out"),
    "refused": ("您的角色无权访问此页面或操作。", "Your role may not open this page or do this."),
    "form": ("登录", "Log in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
}
_ROLE_LABELS = {"leader": ("领导", "leader"), "researcher": ("研究人员", "researcher"),
                "staff": ("工作人员", "staff"), "admin": ("管理员", "admin")}


def _lang() -> int:
    return 1 if st.session_state.get("lang") == "en" else 0


def _msg(key: str) -> str:
    return _MESSAGES[key][_lang()]


def role_label(role: str) -> str:
    return _ROLE_LABELS.get(role, (role, role))[_lang()]


def _login_fields() -> dict[str, str]:
    return {"Form name": _msg("form"), "Username": _msg("username"),
            "Password": _msg("password"), "Login": _msg("form")}


# --- command line: python -m ui.auth add-user NAME ROLE --------------------------------------

def add_user(name: str, role: str, password: str, path: Path | None = None,
             region: str | None = None) -> Path:
    """Add or replace a user with a bcrypt hash of `password`, bound to `region`'s subtree
    when given; returns the config path."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if region is not None and not REGION_CODE.match(region):
        raise ValueError("region must be a region or station code of 6 to 12 digits, "
                         "e.g. 150702")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    path = path or config_path()
    config = read_config(path) or {}
    config.setdefault("cookie", {"name": "union_dash_auth", "key": secrets.token_hex(32),
                                 "expiry_days": 1})
    users = config.setdefault("credentials", {}).setdefault("usernames", {}) or {}
    config["credentials"]["usernames"] = users
    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
    users[name.strip().lower()] = {"name": name.strip(), "password": hashed, "roles": [role],
                                   **({"region": region} if region else {})}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, allow_unicode=True, sort_keys=False)
    os.replace(tmp, path)
    return path


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.auth", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add or replace a user (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    add.add_argument("--region", help="limit the user to this region's subtree, e.g. 150702 "
                     "(a county); without it the user sees the whole deployment")
    sub.add_parser("list-users", help="user names and roles (never passwords)")
    args = parser.parse_args(argv)
    if args.command == "list-users":
        users = ((read_config() or {}).get("credentials") or {}).get("usernames") or {}
        for name, entry in users.items():
            print(name, ",".join(entry.get("roles", [])), entry.get("region") or "*")
        return 0
    try:
        path = add_user(args.name, args.role, _read_password(), region=args.region)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f", region {args.region}" if args.region else ""
    print(f"user {args.name.strip().lower()} ({args.role}{where}) written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
