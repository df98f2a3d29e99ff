"""The dashboard's user file, as far as the command line needs it: where it is and the region
a named user is bound to. ui/auth/users.py writes and reads the file for logins; `python -m etl
load|withdraw --user NAME` reads it here so a region-bound user's name carries the same limit
on the command line as on the upload page."""

from __future__ import annotations

import os
from pathlib import Path

import yaml


def config_path() -> Path:
    """Where the user file lives; never inside the repository."""
    env = os.environ.get("UNION_DASH_AUTH")
    return Path(env) if env else Path.home() / ".config" / "union-dashboard" / "auth.yaml"


def region_of(name: str | None, path: Path | None = None) -> str | None:
    """The region a dashboard user is bound to (`add-user --region`); None for a user with
    the whole deployment, a name the file does not hold (an operator's own login), or when
    there is no user file."""
    path = path or config_path()
    if not name or not path.exists():
        return None
    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    entry = (config.get("credentials", {}).get("usernames", {}) or {}).get(name.strip().lower())
    region = (entry or {}).get("region")
    return str(region) if region not in (None, "") else None
