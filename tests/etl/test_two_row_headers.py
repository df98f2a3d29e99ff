"""A roster whose header spans two rows, as statistical forms are kept: a group title merged
across its sub-headers (救助情况 over 救助项目 | 资金来源 | 发放金额（元）) and the other headers
merged down both rows, their text in the upper cell only. Loaded into a fresh 广州市
deployment (tests/deployment_files.py): the rows with their amounts, sources and dates, and a
reject named by the sheet's own row number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from etl import extract, load
from tests.deployment_files import STATIONS, fresh
from tests.messy_files import make_id

STATION = "天河区五山街道帮扶站"
# (relief type, fund source as written, amount, date as written); the third amount is bad
ROWS = [("两节慰问", "工会自筹", "800", "2026-01-05"),
        ("医疗救助", "中央财政专项", "1200", "2026-01-06"),
        ("临时救助", "工会自筹", "一千", "2026-01-07"),
        ("金秋助学", "社会捐助", "500", "2026-01-08")]
LOADED = [("festival_condolence", "union_own", Decimal("800.00"), date(2026, 1, 5)),
          ("medical", "central_special", Decimal("1200.00"), date(2026, 1, 6)),
          ("education", "donation", Decimal("500.00"), date(2026, 1, 8))]
FIRST_DATA_ROW = 5  # two title rows, the two header rows, then the data
BAD_ROW = FIRST_DATA_ROW + 2  # the sheet's row of the unreadable amount


def _ids() -> list[str]:
    return [make_id(f"44010619{80 + i}0101{100 + i:03d}") for i in range(len(ROWS))]


def grouped_roster(path: Path) -> Path:
    """序号 姓名 身份证号码 帮扶站点 and 发放日期 merged down rows 3–4; 救助情况 merged across
    E3:G3 over 救助项目 资金来源 发放金额（元）; a title and a 填报单位 line above, 合计 below."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年1月"
    ws.append(["天河区2026年1月困难职工救助发放花名册"])
    ws.merge_cells("A1:H1")
    ws.append([f"填报单位：{STATION}"])
    ws.merge_cells("A2:H2")
    ws.append(["序号", "姓名", "身份证号码", "帮扶站点", "救助情况", None, None, "发放日期"])
    ws.append([None, None, None, None, "救助项目", "资金来源", "发放金额（元）", None])
    for column in "ABCDH":
        ws.merge_cells(f"{column}3:{column}4")
    ws.merge_cells("E3:G3")
    for i, (pid, (kind, fund, amount, day)) in enumerate(zip(_ids(), ROWS, strict=True)):
        ws.append([i + 1, f"职工{i}", pid, STATION, kind, fund, amount, day])
    ws.append(["合计", None, None, None, None, None, 2500, None])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Path:
    """A fresh 广州市 warehouse with its stations registered."""
    db, report = fresh(tmp_path_factory.mktemp("two-rows"), "440100", STATIONS)
    assert report.exit_code == 0
    return db


def _copy(db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    return copy


def _relief(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT relief_type, fund_source, amount_yuan, relief_date FROM relief "
                           "ORDER BY relief_date").fetchall()
    finally:
        con.close()


def test_a_two_row_header_loads_its_rows(deployment, tmp_path):
    db = _copy(deployment, tmp_path)
    report = load.load_files([grouped_roster(tmp_path / "救助花名册.xlsx")], db,
                             rejects_dir=tmp_path / "rej")
    f = report.files[0]
    assert (f.status, f.kind, f.rows_read, f.rows_loaded, f.rows_rejected) == (
        "partial", "relief", 4, 3, 1), f.line
    assert _relief(db) == LOADED
    rejects = f.rejects.select("sheet", "row", "column", "value").rows()
    assert rejects == [("2026年1月", BAD_ROW, "发放金额（元）", "一千")]


def test_the_data_start_below_the_second_header_row(tmp_path):
    """The sheet's rows as numbered in Excel; the totals row found below them."""
    raw = extract.read_file("r.xlsx", grouped_roster(tmp_path / "r.xlsx"))[0]
    sheet = extract.recognise(raw)
    assert sheet.header_row == FIRST_DATA_ROW - 2  # 0-based index of the lower header row
    assert sheet.data["_row"].to_list() == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + 4))
    assert sheet.data["amount_yuan"].to_list() == [r[2] for r in ROWS]
    assert sheet.totals_row == FIRST_DATA_ROW + 4 and sheet.totals["amount_yuan"] == "2500"
    assert sheet.headers["fund_source"] == "资金来源" and "救助情况" not in sheet.unmatched


def test_a_csv_with_two_header_rows_loads_the_same(deployment, tmp_path):
    """A CSV export of the merged header: each merged text in its first cell only."""
    db = _copy(deployment, tmp_path)
    lines = ["天河区2026年1月困难职工救助发放花名册,,,,,,,",
             f"填报单位：{STATION},,,,,,,",
             "序号,姓名,身份证号码,帮扶站点,救助情况,,,发放日期",
             ",,,,救助项目,资金来源,发放金额（元）,"]
    lines += [f"{i + 1},职工{i},{pid},{STATION},{kind},{fund},{amount},{day}"
              for i, (pid, (kind, fund, amount, day)) in enumerate(zip(_ids(), ROWS, strict=True))]
    path = tmp_path / "救助花名册.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = load.load_files([path], db, rejects_dir=tmp_path / "rej").files[0]
    assert (f.rows_loaded, f.rows_rejected) == (3, 1), f.line
    assert _relief(db) == LOADED
    assert f.rejects["row"].to_list() == [BAD_ROW]


def test_sub_headers_read_with_their_group_title(tmp_path):
    """发放 over 金额（元） and 日期: 日期 alone is not the roster's column, 发放日期 is."""
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "身份证号码", "帮扶站点", "帮扶类型", "资金来源", "发放", None])
    ws.append([None, None, None, None, None, "金额（元）", "日期"])
    ws.merge_cells("F1:G1")
    ws.append([1, _ids()[0], STATION, "两节慰问", "工会自筹", 800, "2026-01-05"])
    wb.save(tmp_path / "r.xlsx")
    sheet = extract.recognise(extract.read_file("r.xlsx", tmp_path / "r.xlsx")[0])
    assert sheet.kind == "relief" and sheet.headers["relief_date"] == "发放日期"
    assert sheet.data.select("_row", "amount_yuan", "relief_date").rows() == [
        (3, "800", "2026-01-05")]
