"""The user store: a YAML file of bcrypt hashes, roles and regions, kept outside the repository
(core/users.config_path: `UNION_DASH_AUTH`, else ~/.config/union-dashboard/auth.yaml).
Written by `python -m ui.auth add-user` (ui/auth/__main__.py), read by the login gate."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import yaml

from core.users import config_path  # the one place that says where the file is
from ui.auth.policy import ROLES

REGION_CODE = re.compile(r"^[0-9]{6,12}$")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    local: bool = False  # the single local user of a machine without logins
    region: str | None = None  # the subtree this user may see (None: the whole deployment)


def read_config(path: Path | None = None) -> dict | None:
    path = path or config_path()
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def entries(config: dict | None) -> dict[str, dict]:
    """Login name → stored entry (name, password hash, roles, region)."""
    return ((config or {}).get("credentials") or {}).get("usernames") or {}


def user_from(config: dict, username: str | None) -> User | None:
    """The user a login name stands for; None without a valid role."""
    entry = entries(config).get(username or "")
    roles = [r for r in (entry or {}).get("roles", []) if r in ROLES]
    if not roles:
        return None
    region = entry.get("region")
    return User(entry.get("name") or username, roles[0],
                region=str(region) if region not in (None, "") else None)


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
    # the login form strips the name and password typed: such a user could never sign in
    if password != password.strip():
        raise ValueError("password must not begin or end with a space")
    if not name.strip():
        raise ValueError("name must not be empty")
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
