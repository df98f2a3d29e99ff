"""A full disk or a read-only folder stops a load plainly: which file, what it needed, exit 2
from `python -m etl load`, no traceback, and the warehouse as it was."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import duckdb
import pytest

from etl import quality, swap
from etl import rejects as rj
from etl.__main__ import main
from tests import messy_files as mf
from tests.registry import registered


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def setup(tmp_path):
    db = registered(tmp_path / "w.duckdb")
    return db, mf.bad_rows_csv(tmp_path), tmp_path / "rej", _sha(db)


def _load(capsys, db, path, rejects) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["load", str(path), "--db", str(db), "--rejects", str(rejects)])
    return code, capsys.readouterr().err


def _unchanged(db: Path, sha: str) -> None:
    assert _sha(db) == sha
    assert not list(db.parent.glob(f".{db.name}.loading-*"))  # no working copy left


def test_rejects_report_filling_the_disk(setup, capsys, monkeypatch):
    db, path, rejects, sha = setup
    real = Path.write_bytes

    def full(self, data):
        if self.name.startswith(".rejects-"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = _load(capsys, db, path, rejects)
    assert code == 2 and "Traceback" not in err
    assert "No space left on device" in err and str(rejects) in err and ".csv.tmp" in err
    assert "bytes" in err and "需要约" in err  # what the report needed
    assert "warehouse is unchanged" in err
    _unchanged(db, sha)
    monkeypatch.setattr(Path, "write_bytes", real)
    assert _load(capsys, db, path, rejects)[0] == 3  # the next load works
    assert _sha(db) != sha


def test_working_copy_filling_the_disk(setup, capsys, monkeypatch):
    db, path, rejects, sha = setup

    def full(src, dst, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(swap.shutil, "copyfile", full)
    code, err = _load(capsys, db, path, rejects)
    assert code == 2 and "Traceback" not in err
    assert f".{db.name}.loading-" in err and f"{db.stat().st_size:,} bytes" in err
    _unchanged(db, sha)


def test_full_copy_written_back_before_the_swap(setup, capsys, monkeypatch):
    """A full copy (no clone) is written back to disk from a thread while the load runs,
    once a file has loaded (a load of files loaded before drops its copy unwritten); the
    swap waits for it, and a write-back error (delayed allocation: ENOSPC only then) stops
    the load with the warehouse as it was."""
    db, path, rejects, sha = setup
    monkeypatch.setattr(swap, "_clone", lambda source, target: False)  # as on ext4
    flushed, run = [], swap._Flush.run

    def watched(self):
        run(self)
        flushed.append(self.path)

    monkeypatch.setattr(swap._Flush, "run", watched)
    assert _load(capsys, db, path, rejects)[0] == 3
    assert [p.name for p in flushed] == [f".{db.name}.loading-{os.getpid()}"]
    assert not swap._flushes  # waited for, and let go
    _load(capsys, db, path, rejects)  # the same file again: skipped, nothing written back
    assert len(flushed) == 1 and not swap._flushes
    sha = _sha(db)

    def failing(self):
        self.error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    monkeypatch.setattr(swap._Flush, "run", failing)
    code, err = _load(capsys, db, mf.write_csv(db.parent / "other.csv", [
        ["1", "某某", mf.ID_A, "150702001", "", "临时救助", "工会自筹", "300", "2012-07-01", "",
         ""]]), rejects)
    assert code == 2 and "Traceback" not in err
    assert "No space left on device" in err and f".{db.name}.loading-" in err
    _unchanged(db, sha)
    assert not swap._flushes


def test_too_little_room_is_refused_before_copying(setup, capsys, monkeypatch):
    db, path, rejects, sha = setup
    monkeypatch.setattr(swap, "_free", lambda _p: 1000)
    code, err = _load(capsys, db, path, rejects)
    assert code == 2 and "Traceback" not in err
    assert "1,000 bytes free" in err and f"{db.stat().st_size:,} bytes" in err
    _unchanged(db, sha)


def test_duckdb_running_out_of_room_in_the_copy(setup, capsys, monkeypatch):
    db, path, rejects, sha = setup

    def full(con, **_):  # the quality refresh, scoped or whole
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    monkeypatch.setattr(quality, "refresh", full)
    code, err = _load(capsys, db, path, rejects)
    assert code == 2 and "Traceback" not in err
    assert "No space left on device" in err and f".{db.name}.loading-" in err
    _unchanged(db, sha)


def test_read_only_rejects_folder(setup, capsys, monkeypatch):
    db, path, rejects, sha = setup
    rejects.mkdir()
    rejects.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root writes anyway: simulate what the folder does to others
        def refused(self, data):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        monkeypatch.setattr(Path, "write_bytes", refused)
    try:
        code, err = _load(capsys, db, path, rejects)
    finally:
        rejects.chmod(stat.S_IRWXU)
    assert code == 2 and "Traceback" not in err
    assert "Permission denied" in err and str(rejects) in err
    _unchanged(db, sha)
    assert not list(rejects.iterdir())


def test_write_failed_names_file_and_room():
    e = swap.WriteFailed(Path("/x/r.csv"), "No space left on device", 3 * 2**20, 2**20)
    assert "/x/r.csv" in e.en and "3.0 MB (3,145,728 bytes)" in e.en and "1.0 MB" in e.en
    assert rj.publish(None) is None
