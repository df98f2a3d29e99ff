"""Secrets kept in files outside the repository and the warehouse (the pseudonym key, the audit
chain's key, the cell key of published tables): read, or made on first use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_make(path: Path) -> bytes:
    """The secret in `path`, made (64 hex digits, mode 0600) when there is none yet; when two
    processes make it at once, the second reads the first's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_bytes().strip()
