"""The one way the warehouse changes: under a lock, on a copy beside it, swapped in whole.

A load or a withdrawal copies the warehouse beside itself, changes the copy, checkpoints and
closes it, and `os.replace` puts it in place: a reader sees the old file or the new one,
never half a change; a failure (or a kill) leaves the original untouched. The lock file keeps
two changes from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

# Tests set this to a callable invoked with a point name ("file_loaded", "before_swap",
# "rows_withdrawn", "after_swap") to simulate a crash mid-change. Env
# UNION_DASH_FAULT_AFTER_FILES=N kills the process (SIGKILL) after N files of a load, and
# UNION_DASH_FAULT_AT=POINT at that point, for tests that run the CLI in a subprocess.
FAULT_HOOK: Callable[[str], None] | None = None


def rewrite(db_path: Path, change: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Apply `change` to a copy of the warehouse under the lock and swap the copy in, so
    readers see the warehouse before or after the change, never during it."""
    db_path = Path(db_path)
    with exclusive(db_path), working_copy(db_path) as work:
        con = duckdb.connect(str(work))
        try:
            change(con)
            swap_in(con, work, db_path)
        finally:
            con.close()


def swap_in(con: duckdb.DuckDBPyConnection, work: Path, db_path: Path,
            files_done: int = 0) -> None:
    """Checkpoint and close the working copy's connection, then put the copy in place."""
    con.sql("CHECKPOINT")
    con.close()
    fault("before_swap", files_done)
    os.replace(work, db_path)
    fault("after_swap", files_done)  # the change is in; its audit outcome is not yet


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction on the working copy: committed whole, or rolled back on any error
    (a file that turns out bad half-way leaves nothing behind)."""
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


@contextlib.contextmanager
def exclusive(db_path: Path, say: Callable[[str], None] = lambda _m: None, *,
              wait: bool = True) -> Iterator[None]:
    """An exclusive lock beside the warehouse: a second change waits for the first (or,
    with `wait` False, raises BlockingIOError at once)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = db_path.with_name(db_path.name + ".lock")
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise
            say("等待另一个载入任务结束 / waiting for another load to finish")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def working_copy(db_path: Path) -> Iterator[Path]:
    """A copy of the warehouse beside it (same file system, so os.replace is atomic);
    removed unless it was swapped in. Copies left by a killed change are cleared first."""
    for stale in db_path.parent.glob(f".{db_path.name}.loading-*"):
        if stale.is_dir():  # DuckDB's spill directory or the stage's of a killed load
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    work = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}")
    if db_path.exists():
        shutil.copyfile(db_path, work)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, work.with_name(work.name + ".wal"))
    try:
        yield work
    finally:
        work.unlink(missing_ok=True)
        work.with_name(work.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(scratch(work), ignore_errors=True)


def scratch(work: Path) -> Path:
    """The stage's directory for big files, beside the working copy and removed with it."""
    return work.with_name(work.name + ".stage")


def fault(point: str, files_done: int = 0) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(point)
    after = os.environ.get("UNION_DASH_FAULT_AFTER_FILES")
    if (point == "file_loaded" and after and files_done >= int(after)
            or os.environ.get("UNION_DASH_FAULT_AT") == point):
        os.kill(os.getpid(), signal.SIGKILL)
