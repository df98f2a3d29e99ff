"""The one way the warehouse changes: under a lock, on a copy beside it, swapped in whole.

A load or a withdrawal copies the warehouse beside itself, changes the copy, checkpoints and
closes it, and `os.replace` puts it in place: a reader sees the old file or the new one,
never half a change; a failure (or a kill) leaves the original untouched. The lock file keeps
two changes from interleaving.

Where the file system shares blocks between files (XFS with reflink, btrfs, bcachefs, OCFS2)
the copy is a copy-on-write clone: it costs a few metadata writes whatever the warehouse's
size, and DuckDB's writes to it then take new blocks only for what the change rewrites, the
original keeping its own. Elsewhere (ext4, tmpfs, overlayfs) it is a full copy, as before.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import logging
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from core import engine
from core.messages import Message, register
from etl.messages import Said

_log = logging.getLogger(__name__)

# Tests set this to a callable invoked with a point name ("file_loaded", "before_swap",
# "rows_withdrawn", "after_swap") to simulate a crash mid-change. Env
# UNION_DASH_FAULT_AFTER_FILES=N kills the process (SIGKILL) after N files of a load, and
# UNION_DASH_FAULT_AT=POINT at that point, for tests that run the CLI in a subprocess.
FAULT_HOOK: Callable[[str], None] | None = None

# Errors of writing, not of reading a station's file: no room, a quota, a read-only or
# forbidden directory. DuckDB reports its own as IOException with the OS's words.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
_WRITE_WORDS = ("No space left on device", "Disk quota exceeded", "Read-only file system",
                "Permission denied")


register("etl.swap", {
    "write_failed": ("无法写入 {path}（{reason}）{need}；数据仓库未改动。请腾出磁盘空间或检查目录权限后重试",
                     "cannot write {path} ({reason}){need}; the warehouse is unchanged. Free disk "
                     "space or check the directory's permissions, then try again"),
    "need": ("；{size}{free}", "; {size}{free}"),
    "size": ("需要约 {size}", "it needs about {size}"),
    "free": ("，可用 {size}", ", {size} free"),
    "waiting": ("等待另一个载入任务结束", "waiting for another load to finish"),
})


class WriteFailed(Said):
    """A file of the change could not be written (full disk, read-only directory): which
    file, what it needed, and the OS's reason. Raised before the swap, so the warehouse is as
    it was; `python -m etl load` exits 2 with this message."""

    def __init__(self, path: Path, reason: str, needed: int | None = None,
                 free: int | None = None) -> None:
        self.path, self.reason, self.needed, self.free = Path(path), reason, needed, free
        size = Message("etl.swap.size", {"size": _size(needed)}) if needed else ""
        more = Message("etl.swap.free", {"size": _size(free)}) if free is not None else ""
        need = Message("etl.swap.need", {"size": size, "free": more}) if size or more else ""
        super().__init__("etl.swap.write_failed", path=self.path, reason=reason, need=need)

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    return f"{n:,} bytes" if n < 2**20 else f"{n / 2**20:,.1f} MB ({n:,} bytes)"


def is_write_error(exc: BaseException) -> bool:
    """An error of writing (no room, read-only, forbidden), from the OS or from DuckDB."""
    if isinstance(exc, OSError):
        return exc.errno in _WRITE_ERRNOS
    return isinstance(exc, duckdb.Error) and any(w in str(exc) for w in _WRITE_WORDS)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return next((w for w in _WRITE_WORDS if w in str(exc)), str(exc).splitlines()[0])


@contextlib.contextmanager
def writing(path: Path, needed: int | None = None) -> Iterator[None]:
    """Turn a write error while writing `path` into `WriteFailed` naming it (and what it
    needed, when known); other errors pass through."""
    try:
        yield
    except WriteFailed:
        raise
    except (OSError, duckdb.Error) as exc:
        if not is_write_error(exc):
            raise
        raise WriteFailed(Path(getattr(exc, "filename", None) or path), _reason(exc), needed,
                          _free(Path(path))) from exc


def _free(path: Path) -> int | None:
    for folder in (path.parent, *path.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def rewrite(db_path: Path, change: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Apply `change` to a copy of the warehouse under the lock and swap the copy in, so
    readers see the warehouse before or after the change, never during it."""
    db_path = Path(db_path)
    with exclusive(db_path), working_copy(db_path) as work:
        write_back(work)  # the change goes ahead whatever it finds
        con = engine.connect(str(work))
        try:
            change(con)
            swap_in(con, work, db_path)
        finally:
            con.close()


def swap_in(con: duckdb.DuckDBPyConnection, work: Path, db_path: Path,
            files_done: int = 0) -> None:
    """Checkpoint and close the working copy's connection, then put the copy in place (once
    a full copy is on disk: `_Flush`)."""
    flush = _flushes.get(Path(work))
    if flush is not None:
        flush.join()
        if flush.error is not None:  # a write-back error: the copy is not what was copied
            raise flush.error
    con.execute("CHECKPOINT")
    con.close()
    fault("before_swap", files_done)
    old = _kept_name(db_path)
    os.replace(work, db_path)
    fault("after_swap", files_done)  # the change is in; its audit outcome is not yet
    if old is not None:
        _Discard(old)


def _kept_name(db_path: Path) -> Path | None:
    """A second name for the warehouse about to be replaced, so that `os.replace` only moves
    a name: dropping the file's last name frees its blocks and its pages in the page cache
    (0.8 s of the kernel's time for a 2.8 GB warehouse on ext4, inside the swap), which
    `_Discard` then does after it, while the change finishes and the lock is let go. None
    where the file system makes no hard link (nor is there a file)."""
    kept = db_path.with_name(f".{db_path.name}.{_OLD}{os.getpid()}-{next(_swaps)}")
    try:
        os.link(db_path, kept)
    except OSError:
        return None
    return kept


class _Discard(threading.Thread):
    """Drops the replaced warehouse's last name (readers that still have it open keep it
    until they let go). Not a daemon: a command line's process waits for it at exit. A name
    left by a kill is dropped by the next change (`working_copy`)."""

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"discard {path.name}")
        self.path = path
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


_OLD = "replaced-"  # .<warehouse>.replaced-<pid>-<n>: the version a swap replaced, being dropped
_swaps = itertools.count()


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
def exclusive(db_path: Path, say: Callable[[Message], None] = lambda _m: None, *,
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
            say(Message("etl.swap.waiting"))
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def working_copy(db_path: Path) -> Iterator[Path]:
    """A copy of the warehouse beside it (same file system, so os.replace is atomic);
    removed unless it was swapped in. Copies left by a killed change are cleared first."""
    stale_names = [*db_path.parent.glob(f".{db_path.name}.loading-*"),
                   *db_path.parent.glob(f".{db_path.name}.{_OLD}*")]
    for stale in stale_names:
        if stale.is_dir():  # DuckDB's spill directory or the stage's of a killed load
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    work = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}")
    try:
        if db_path.exists():
            if not _copy(db_path, work):
                _flushes[work] = None  # a full copy: `write_back` starts its flush
            wal = db_path.with_name(db_path.name + ".wal")
            if wal.exists():
                _copy(wal, work.with_name(work.name + ".wal"))
        with writing(work):  # DuckDB's writes to the copy (IOException: disk full)
            yield work
    finally:
        _flushes.pop(work, None)  # swapped in, or given up: the thread ends on its own
        work.unlink(missing_ok=True)
        work.with_name(work.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(scratch(work), ignore_errors=True)


def _copy(source: Path, target: Path) -> bool:
    """Clone `source` where the file system can, else copy it; refused at once when the
    disk has less room than the change will take (`_room`). Whether it was cloned."""
    size = source.stat().st_size
    with writing(target, size):
        cloned = _clone(source, target)
    needed = _room(size, cloned)
    free = _free(target)
    if free is not None and free < needed:
        target.unlink(missing_ok=True)
        raise WriteFailed(target, os.strerror(errno.ENOSPC), needed, free)
    if cloned:
        _log.info("cloned %s to %s (copy-on-write, %s)", source, target, _size(size))
        return True
    with writing(target, needed):
        shutil.copyfile(source, target)
    _log.info("copied %s to %s (no clone on this file system, %s)", source, target,
              _size(size))
    return False


def write_back(work: Path) -> None:
    """Start writing the working copy back to disk while the change runs, if it is a full
    copy (a clone shares its blocks) and the change is going ahead: the copy leaves the
    whole file in dirty pages, which the checkpoint's own fsync then wrote out under the
    lock (most of its 1.6-1.8 s at 40M relief rows on ext4, bench/RESULTS.md). A change that
    is refused, or a load whose files were all loaded before, drops its copy unwritten."""
    work = Path(work)
    if work in _flushes and _flushes[work] is None:
        _flushes[work] = _Flush(work)


class _Flush(threading.Thread):
    """Writes a full copy back to disk (fsync); `swap_in` waits for it and raises its error,
    if any, before the checkpoint."""

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"flush {path.name}", daemon=True)
        self.path, self.error = path, None
        self.start()

    def run(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self.error = exc


# full working copy -> the thread writing it back (None until `write_back`)
_flushes: dict[Path, _Flush | None] = {}


# A clone takes new blocks only where DuckDB writes: a monthly file's load wrote 5-6 MB into
# 5M- and 10M-row warehouses (1-2%), a withdrawal 6-9% of the file (bench/RESULTS.md). An
# eighth of the file keeps a change from starting on a disk it would fill; past that
# `writing` stops it.
_CLONE_SHARE = 8


def _room(size: int, cloned: bool) -> int:
    """Room a change needs beside the warehouse: the whole file for a copy, a share of it
    for a clone."""
    return size // _CLONE_SHARE if cloned else size


# linux/fs.h: FICLONE = _IOW(0x94, 9, int), what `cp --reflink` calls; fcntl names it from
# Python 3.12 on.
_FICLONE = getattr(fcntl, "FICLONE", 0x40049409)
# What a file system, or a pair of files, that cannot share blocks answers: ext4 and tmpfs
# EOPNOTSUPP, two file systems EXDEV, some stacked ones ENOTTY or EINVAL.
_NO_CLONE = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS}


def _clone(source: Path, target: Path) -> bool:
    """Make `target` a copy-on-write clone of `source` (its blocks shared, nothing copied);
    False, with no `target`, where the file system cannot. A full disk or a refusal is
    raised, not answered with a copy that would fail the same way."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return True
        except OSError as exc:
            if exc.errno not in _NO_CLONE:
                raise
    # Gone before the copy: ext4 writes back at once a file truncated and written again
    # (auto_da_alloc), which made the copy half as slow again over this empty one.
    target.unlink()
    return False


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
