"""The swap moves a name; the replaced warehouse's blocks are freed after it. `os.replace`
over a file whose last name it drops frees that file's blocks and page-cache pages inside
the rename (0.8 s of a monthly load at 40M relief rows on ext4, bench/RESULTS.md), so the
swap first gives the old file a second name and a thread drops it once the new warehouse is
in place; a reader that has the old file open keeps reading it, and a name left by a kill is
dropped by the next change."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from etl import swap


def _warehouse(path: Path, value: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT $v AS v", {"v": value})
    con.close()
    return path


def _change(value: int):
    return lambda con: con.execute("UPDATE t SET v = $v", {"v": value})


def _discards() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, swap._Discard)]


def test_the_swap_renames_over_a_second_name_and_drops_it_after(tmp_path, monkeypatch):
    db = _warehouse(tmp_path / "w.duckdb", 1)
    old_inode = db.stat().st_ino
    seen: dict[str, object] = {}
    real_replace = os.replace

    def replace(src, dst):  # what the rename finds: the old file with a second name
        seen["links"] = os.stat(dst).st_nlink
        seen["kept"] = [p for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb.replaced-")]
        seen["inode"] = seen["kept"][0].stat().st_ino if seen["kept"] else None
        real_replace(src, dst)

    monkeypatch.setattr(swap.os, "replace", replace)
    swap.rewrite(db, _change(2))
    for t in _discards():
        t.join()
    assert seen["links"] == 2 and len(seen["kept"]) == 1, seen
    assert seen["inode"] == old_inode
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]  # dropped after
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT v FROM t").fetchall() == [(2,)]
    con.close()


def test_a_reader_of_the_replaced_file_still_reads_it(tmp_path):
    db = _warehouse(tmp_path / "w.duckdb", 1)
    reader = duckdb.connect()
    reader.execute(f"ATTACH '{db}' AS old (READ_ONLY)")
    swap.rewrite(db, _change(2))
    for t in _discards():
        t.join()
    assert reader.execute("SELECT v FROM old.t").fetchall() == [(1,)]
    reader.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT v FROM t").fetchall() == [(2,)]
    con.close()


def test_a_name_left_by_a_kill_is_dropped_by_the_next_change(tmp_path):
    db = _warehouse(tmp_path / "w.duckdb", 1)
    left = tmp_path / ".w.duckdb.replaced-99999-0"
    os.link(db, left)  # as a process killed between the second name and its drop leaves it
    swap.rewrite(db, _change(3))
    for t in _discards():
        t.join()
    assert not left.exists()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT v FROM t").fetchall() == [(3,)]
    con.close()


def test_without_hard_links_the_swap_replaces_as_before(tmp_path, monkeypatch):
    db = _warehouse(tmp_path / "w.duckdb", 1)

    def no_link(*_a, **_k):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(swap.os, "link", no_link)
    swap.rewrite(db, _change(4))
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT v FROM t").fetchall() == [(4,)]
    con.close()
