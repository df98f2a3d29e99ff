"""The dashboard over the sample, served once per test run for every pytest-xdist worker.

Each worker that ran a browser module over the sample started a dashboard of its own: three
a run, ~5-7 CPU-s each to start and fill the caches its first page views fill. The first
worker to ask starts this one; the others read its address from the run's shared folder.
No worker knows whether another still needs it, so it serves until the run's main process
ends: `python -m tests.shared_server PID -- COMMAND` runs COMMAND until process PID is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests import shared_sample
from tests.served import dashboard_while

STARTED, URL, FAILED = "server.started", "server.url", "server.failed"


def url(run_dir: Path, db: Path, timeout: float = 360) -> str:
    """The URL of the run's dashboard over `db` (the sample), started by the first caller."""
    try:  # O_EXCL: of several workers asking at once, exactly one starts it
        os.close(os.open(run_dir / STARTED, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return _started_elsewhere(run_dir, timeout)
    try:
        address = dashboard_while(_main_pid(), db)
    except BaseException as e:
        (run_dir / FAILED).write_text(repr(e), encoding="utf-8")
        raise
    part = run_dir / f"{URL}.part"
    part.write_text(address, encoding="utf-8")
    os.replace(part, run_dir / URL)  # whole or absent for the waiting workers
    return address


def _main_pid() -> int:
    """The run's main process: a pytest-xdist worker's parent, or this process."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def _started_elsewhere(run_dir: Path, timeout: float) -> str:
    shared_sample.waited(run_dir / URL, run_dir / FAILED, timeout,
                         failed_says="the run's dashboard did not start",
                         late="no dashboard of the run")
    return (run_dir / URL).read_text(encoding="utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def watch(pid: int, command: list[str]) -> int:
    """Run `command` until it ends or process `pid` does (tested each second), then stop it."""
    proc = subprocess.Popen(command)
    try:
        while proc.poll() is None and _alive(pid):
            time.sleep(1)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return proc.wait()


if __name__ == "__main__":
    sys.exit(watch(int(sys.argv[1]), sys.argv[3:]))
