"""A load refreshes the relief rollups only for the stations it touched: the tables come out
as a full rebuild makes them, load after load."""

from __future__ import annotations

import shutil

import duckdb

from etl import load, rollups
from tests import messy_files as mf
from tests.registry import registered

A, B, C = "150702001", "150702002", "150702003"


def _file(tmp_path, name: str, *rows) -> object:
    return mf.write_csv(tmp_path / name, [mf._row(n, *r) for n, r in enumerate(rows, start=1)])


def _tables(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.sql(f"SELECT * FROM {t}").fetchall(), key=str)
                for t in rollups.tables()}
    finally:
        con.close()


def _rebuilt(db, tmp_path) -> dict:
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    rollups.refresh(con)
    con.close()
    return _tables(copy)


def test_each_load_leaves_the_rollups_as_a_rebuild_would(tmp_path):
    db = tmp_path / "w.duckdb"
    loads = [
        # station A: three persons, festival relief in two seasons
        _file(tmp_path, "a.csv", (mf.ID_A, A, "送温暖", "中央专项", "500", "2012-01-10"),
              (mf.ID_B, A, "送温暖", "中央专项", "500", "2012-01-12"),
              (mf.ID_C, A, "临时救助", "工会自筹", "300", "2012-03-01"),
              (mf.ID_A, A, "送温暖", "中央专项", "600", "2013-01-20")),
        # station B: a person of A (now in two places) and a new one
        _file(tmp_path, "b.csv", (mf.ID_B, B, "医疗救助", "工会自筹", "800", "2012-06-01"),
              (mf.ID_D, B, "送温暖", "中央专项", "500", "2012-12-20")),
        # A's March row corrected, an earlier row for A's person (changes the next one's
        # previous payment), station C untouched before
        _file(tmp_path, "a2.csv", (mf.ID_C, A, "临时救助", "工会自筹", "350", "2012-03-01"),
              (mf.ID_A, A, "临时救助", "工会自筹", "200", "2011-11-05"),
              (mf.ID_E, C, "送温暖", "中央专项", "400", "2013-01-05")),
    ]
    for path in loads:
        assert load.load_files([path], registered(db), rejects_dir=tmp_path / "rej").exit_code == 0
        got = _tables(db)
        assert got == _rebuilt(db, tmp_path)
    assert all(got[t] for t in ("relief_monthly", "relief_persons", "relief_seasons"))
