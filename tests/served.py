"""The dashboard served on a free loopback port for browser tests, and Chromium's flags."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench._browser import FLAGS, IDLE

__all__ = ["CHROMIUM", "DONE", "FLAGS", "IDLE", "ROOT", "SHOTS", "dashboard", "free_port"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make test` installs it)
SHOTS = ROOT / "screenshots"  # what the browser tests saw, to look at
DONE = IDLE  # a page has finished running


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard(db: Path, address: str = "127.0.0.1", **env: str) -> Iterator[str]:
    """The loopback URL of `streamlit run dashboard.py` over `db`, bound to `address` (0.0.0.0:
    served to a network), once it answers its health check. No file watcher: nothing edits
    the sources during a test, and watching them costs the server CPU."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
         "--server.headless=true", f"--server.port={port}", f"--server.address={address}",
         "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"], cwd=ROOT,
        env={**os.environ, "UNION_DASH_DB": str(db), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
