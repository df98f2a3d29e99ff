"""No personal data outside the warehouse: the rejects report beside it (and the upload
page's table and download) carries the row, the masked ID, the column and the reason, never a
full ID number, a name or a phone number; old reports are masked by the next load."""

from __future__ import annotations

import re

import polars as pl

from etl import load
from etl import rejects as rj
from tests import messy_files as mf
from tests.registry import registered
from ui import upload_view as uv

FULL_ID = re.compile(r"\d{15}|\d{17}[\dXx]")
PHONE = re.compile(r"1[3-9]\d{9}")


def _masked(pid: str) -> str:
    return pid[:6] + "********" + pid[-4:]


def _report(tmp_path) -> load.LoadReport:
    return load.load_files([mf.bad_rows_csv(tmp_path)], registered(tmp_path / "w.duckdb"),
                           rejects_dir=tmp_path / "rej")


def test_report_has_row_masked_id_column_reason_and_no_person(tmp_path):
    report = _report(tmp_path)
    text = report.rejects_path.read_bytes().decode("utf-8-sig")
    assert not FULL_ID.search(text) and not PHONE.search(text)  # the file has 13904700000
    assert "职工" not in text  # the names column (职工1 ...) is never read
    on_disk = pl.read_csv(report.rejects_path, infer_schema=False)
    assert on_disk.columns[:5] == ["file", "sheet", "row", "id_masked", "column"]
    by_row = {int(r["row"]): r for r in on_disk.iter_rows(named=True) if r["row"]}
    # the wrong check digit: enough to find the row, not the number
    assert by_row[5]["id_masked"] == _masked(mf.WRONG_CHECK) == by_row[5]["value"]
    assert by_row[7]["id_masked"] == _masked(mf.ID_D)  # a row rejected for another cell
    assert by_row[7]["column"] == "资金来源" and by_row[7]["value"] == "外星专项"
    assert by_row[6]["value"] == "1.50702E+17"  # lost digits name no one: kept as typed
    # the upload page shows and downloads the same, masked
    table = uv.rejects_table(report, [])
    shown = " ".join(str(v) for row in table.rows() for v in row)
    assert not FULL_ID.search(shown) and _masked(mf.WRONG_CHECK) in shown
    download = uv.rejects_csv(table).decode("utf-8-sig")
    assert not FULL_ID.search(download) and "身份证号（遮蔽）" in download


def test_ids_and_phones_typed_in_other_cells_are_masked():
    frame = rj.frame([{"file": "f.csv", "row": 4, "column": "备注",
                       "value": f"{mf.ID_A} 电话13904701234 0470-8221234",
                       "reason_zh": f"无法识别“{mf.ID_B}”", "reason_en": f"unknown '{mf.ID_B}'"}])
    out = rj.redact(frame).row(0, named=True)
    assert out["value"] == f"{_masked(mf.ID_A)} 电话139****1234 0470-****1234"
    assert mf.ID_B not in out["reason_zh"] + out["reason_en"]
    assert _masked(mf.ID_B) in out["reason_en"]


def test_old_reports_are_masked_by_the_next_load(tmp_path):
    folder = tmp_path / "rej"
    folder.mkdir()
    old = folder / "rejects-20240101-000000-1.csv"  # the layout before masking, full IDs
    old.write_bytes(b"\xef\xbb\xbf" + pl.DataFrame({
        "file": ["a.csv", "a.csv"], "sheet": [None, None], "row": [5, 6],
        "column": ["身份证号码", "金额（元）"], "value": [mf.WRONG_CHECK, "-50"],
        "reason_zh": ["校验位不符", f"金额为负数（{mf.ID_A}）"],
        "reason_en": ["check digit", "negative"]}).write_csv().encode())
    broken = folder / "rejects-20240101-000001-1.csv"
    broken.write_bytes(b'"unterminated,' + mf.ID_A.encode() + b"\n\x00")
    _report(tmp_path)
    for path in folder.glob("rejects-*.csv"):
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        assert not FULL_ID.search(text), path.name
    if old.exists():  # migrated in place, still a report of the same rows
        back = pl.read_csv(old, infer_schema=False)
        assert back["id_masked"].to_list()[0] == _masked(mf.WRONG_CHECK)
        assert back["value"].to_list() == [_masked(mf.WRONG_CHECK), "'-50"]
    assert not list(folder.glob(".*.tmp"))


def test_a_report_being_written_by_another_load_is_left_alone(tmp_path):
    """Two warehouses may share a rejects folder: a load removes only the temporary reports
    of loads that no longer run (killed before their swap), never one still being written."""
    import subprocess
    import sys

    from etl import rejects

    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".rejects-20260101-000000-{writer.pid}.csv.tmp"
        dead = tmp_path / ".rejects-20260101-000000-4194999.csv.tmp"  # above any pid_max
        live.write_text("x")
        dead.write_text("x")
        rejects.prepare_report(rejects.empty(), tmp_path)
        assert live.exists() and not dead.exists()
    finally:
        writer.kill()
