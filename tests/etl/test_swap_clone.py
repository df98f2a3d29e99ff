"""The working copy of a load is a copy-on-write clone where the file system shares blocks
(XFS with reflink, btrfs), a full copy elsewhere: the same bytes either way, the way it went
logged, and the swap's guarantees (a fault or a kill leaves the warehouse as it was, a reader
sees the old file or the new one) kept on a file system that clones.

The clone tests need such a file system. Where the test's tmp dir is not one, they make a
small sparse XFS image with reflink and loop-mount it, which takes root and `mkfs.xfs`
(`make system-deps` installs xfsprogs); without them they fail, saying so, rather than skip:
the clone path would otherwise go untested."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from etl import load, swap
from tests import messy_files as mf
from tests.registry import registered

ROOT = Path(__file__).resolve().parents[2]
SHARED = 0x2000  # FIEMAP_EXTENT_SHARED: the extent belongs to more than one file


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file(path: Path, mb: int = 8) -> Path:
    """Bytes that compress to nothing and are not a multiple of a block, on disk."""
    with open(path, "wb") as f:
        f.write(os.urandom(mb * 2**20 + 1234))
        os.fsync(f.fileno())
    return path


def _can_clone(folder: Path) -> bool:
    """What coreutils says, independently of etl.swap: can this folder's file system clone?"""
    probe = _file(folder / "probe", 1)
    done = subprocess.run(["cp", "--reflink=always", str(probe), str(folder / "probe.clone")],
                          capture_output=True)
    probe.unlink()
    (folder / "probe.clone").unlink(missing_ok=True)
    return done.returncode == 0


def _ways(caplog) -> list[str]:
    return [r.getMessage().split()[0] for r in caplog.records if r.name == "etl.swap"]


def test_the_copy_has_the_same_bytes_and_says_which_way(tmp_path, caplog):
    source = _file(tmp_path / "w.duckdb")
    caplog.set_level(logging.INFO, logger="etl.swap")
    swap._copy(source, tmp_path / "copy")
    assert _sha(tmp_path / "copy") == _sha(source)
    assert _ways(caplog) == ["cloned" if _can_clone(tmp_path) else "copied"]


@pytest.mark.parametrize("code", [errno.EOPNOTSUPP, errno.EXDEV, errno.ENOTTY, errno.EINVAL])
def test_a_file_system_that_cannot_clone_gets_a_full_copy(tmp_path, caplog, monkeypatch, code):
    def refused(*_a):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(swap.fcntl, "ioctl", refused)
    source = _file(tmp_path / "w.duckdb", 1)
    caplog.set_level(logging.INFO, logger="etl.swap")
    swap._copy(source, tmp_path / "copy")
    assert _sha(tmp_path / "copy") == _sha(source) and _ways(caplog) == ["copied"]


def test_a_clone_refused_for_want_of_room_is_not_retried_as_a_copy(tmp_path, monkeypatch):
    def full(*_a):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(swap.fcntl, "ioctl", full)
    monkeypatch.setattr(swap.shutil, "copyfile", lambda *_a: pytest.fail("copied anyway"))
    with pytest.raises(swap.WriteFailed, match="No space left on device") as e:
        swap._copy(_file(tmp_path / "w.duckdb", 1), tmp_path / "copy")
    assert e.value.path == tmp_path / "copy"


@pytest.fixture(scope="module")
def reflink_dir(tmp_path_factory) -> Iterator[Path]:
    """A folder on a file system that clones: the tmp dir if it does, else a loop-mounted
    300 MB sparse XFS image with reflink, unmounted afterwards."""
    base = tmp_path_factory.mktemp("reflink")
    if _can_clone(base):
        yield base
        return
    if os.geteuid() != 0:
        pytest.fail(f"{base} cannot clone files and mounting an XFS image to test the clone "
                    "path needs root: run as root, or with the tmp dir on XFS (reflink) or "
                    "btrfs (pytest --basetemp)")
    mkfs = shutil.which("mkfs.xfs")
    if mkfs is None:
        pytest.fail("mkfs.xfs not found: `make system-deps` installs xfsprogs, which the test "
                    "of the clone path needs")
    image, mount = base / "xfs.img", base / "mnt"
    mount.mkdir()
    with open(image, "wb") as f:
        f.truncate(300 * 2**20)  # sparse: a few MB on the disk; mkfs.xfs's smallest
    subprocess.run([mkfs, "-q", "-m", "reflink=1", str(image)], check=True,
                   capture_output=True)
    done = subprocess.run(["mount", "-o", "loop", str(image), str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"cannot loop-mount an XFS image to test the clone path: {done.stderr}")
    try:
        assert _can_clone(mount)
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(mount)], check=True)
        image.unlink()


def _extents(path: Path) -> tuple[int, int]:
    """(bytes on the disk, bytes of them shared with another file), by FIEMAP (xfs_io)."""
    out = subprocess.run(["xfs_io", "-r", "-c", "fiemap -v", str(path)], check=True,
                         capture_output=True, text=True).stdout
    total = shared = 0
    for blocks, flags in re.findall(r"^\s*\d+: \[\S+\]:\s+\d+\.\.\d+\s+(\d+)\s.*?(0x[0-9a-f]+)$",
                                    out, re.M):
        total += int(blocks) * 512
        shared += int(blocks) * 512 if int(flags, 16) & SHARED else 0
    return total, shared


def test_a_clone_shares_every_block_until_written(reflink_dir, caplog):
    source = _file(reflink_dir / "w.duckdb")
    free = shutil.disk_usage(reflink_dir).free
    caplog.set_level(logging.INFO, logger="etl.swap")
    swap._copy(source, reflink_dir / "clone")
    assert _ways(caplog) == ["cloned"]
    assert _sha(reflink_dir / "clone") == _sha(source)
    assert free - shutil.disk_usage(reflink_dir).free < 2**20  # 8 MB "copied" in < 1 MB
    size = source.stat().st_size
    assert _extents(reflink_dir / "clone") == (_extents(source)[0], _extents(source)[0])
    assert _extents(source)[0] >= size
    sha = _sha(source)
    with open(reflink_dir / "clone", "r+b") as f:  # a write takes its own block
        f.seek(2**20)
        f.write(b"x" * 4096)
        os.fsync(f.fileno())
    assert _sha(source) == sha
    total, shared = _extents(reflink_dir / "clone")
    assert 0 < total - shared <= 2**20  # 4 KB written: one extent of CoW, not the file
    for p in (source, reflink_dir / "clone"):
        p.unlink()


def test_a_clone_needs_room_for_what_the_change_writes_not_for_a_copy(reflink_dir,
                                                                     monkeypatch):
    source = _file(reflink_dir / "w.duckdb", 1)
    size, target = source.stat().st_size, reflink_dir / "clone"
    monkeypatch.setattr(swap, "_free", lambda _p: size // 8)  # too little for a full copy
    swap._copy(source, target)
    assert _sha(target) == _sha(source)
    target.unlink()
    monkeypatch.setattr(swap, "_free", lambda _p: size // 8 - 1)
    with pytest.raises(swap.WriteFailed, match="No space left on device") as e:
        swap._copy(source, target)
    assert (e.value.needed, e.value.free) == (size // 8, size // 8 - 1)
    assert not target.exists()
    source.unlink()


@pytest.fixture
def warehouse(reflink_dir, request) -> Iterator[Path]:
    """A loaded warehouse of the tests' registry, on the file system that clones."""
    folder = reflink_dir / request.node.name
    folder.mkdir()
    db = registered(folder / "w.duckdb")
    load.load_files([mf.bom_csv(folder)], db, rejects_dir=folder / "rej")
    yield db
    shutil.rmtree(folder)


def _relief(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.sql("SELECT * EXCLUDE (batch_id) FROM relief").fetchall(), key=str)
    finally:
        con.close()


def test_a_load_on_a_clone_changes_the_warehouse_and_leaves_no_copy(warehouse, caplog):
    before = _relief(warehouse)
    reader = duckdb.connect(str(warehouse), read_only=True)  # opened before the load
    caplog.set_level(logging.INFO, logger="etl.swap")
    a = mf.station_csv(warehouse.parent, "a.csv", "150702001", mf.ID_C, "2013-01-05")
    assert load.load_files([a], warehouse, rejects_dir=warehouse.parent / "rej").exit_code == 0
    assert "cloned" in _ways(caplog)
    # the reader's file is the old one, whole, though the new one shares its blocks
    assert sorted(reader.sql("SELECT * EXCLUDE (batch_id) FROM relief").fetchall(),
                  key=str) == before
    reader.close()  # (a connection to the path in this process would share its instance)
    after = _relief(warehouse)
    assert len(after) > len(before) and set(before) <= set(after)
    assert not list(warehouse.parent.glob(f".{warehouse.name}.loading-*"))


def test_a_fault_in_a_load_on_a_clone_leaves_the_warehouse_as_it_was(warehouse, monkeypatch):
    sha = _sha(warehouse)

    def crash(point: str) -> None:
        if point == "before_swap":  # the clone written, checkpointed and closed
            raise RuntimeError("injected fault")

    monkeypatch.setattr(swap, "FAULT_HOOK", crash)
    a = mf.station_csv(warehouse.parent, "a.csv", "150702001", mf.ID_C, "2013-01-05")
    with pytest.raises(RuntimeError, match="injected"):
        load.load_files([a], warehouse, rejects_dir=warehouse.parent / "rej")
    assert _sha(warehouse) == sha
    assert not list(warehouse.parent.glob(f".{warehouse.name}.loading-*"))


def test_a_load_killed_on_a_clone_leaves_the_warehouse_as_it_was(warehouse):
    sha, before = _sha(warehouse), _relief(warehouse)
    a = mf.station_csv(warehouse.parent, "a.csv", "150702001", mf.ID_C, "2013-01-05")
    env = dict(os.environ, UNION_DASH_FAULT_AT="before_swap")
    run = subprocess.run([sys.executable, "-m", "etl", "load", str(a), "--db", str(warehouse),
                          "--rejects", str(warehouse.parent / "rej")], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert run.returncode == -9, run.stderr  # SIGKILL with the clone complete beside it
    assert _sha(warehouse) == sha and _relief(warehouse) == before
    assert list(warehouse.parent.glob(f".{warehouse.name}.loading-*"))  # the killed copy
    assert load.load_files([a], warehouse, rejects_dir=warehouse.parent / "rej").exit_code == 0
    assert len(_relief(warehouse)) > len(before)
    assert not list(warehouse.parent.glob(f".{warehouse.name}.loading-*"))
