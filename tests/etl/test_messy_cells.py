"""Cells whose value cannot be told are rejected, not guessed: an amount whose commas are not
thousands separators ("1,2000" was read as 12000, "12,00" as 1200, "1.200,00" as 1.20) and a
month typed 2025.10 that Excel kept as the number 2025.1 (read as January). A 合计 below
each station's 小计 is checked against all rows (the first 小计 was, and a false mismatch was
noted). A hidden sheet holding a roster is said in the report, not left out unseen. Found
feeding a 德阳市 deployment rosters as its stations type them."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
from decimal import Decimal

import duckdb
import pytest
import xlsxwriter

from etl import load, parse, warehouse
from etl.parse import ParseError, make_id
from tests.deployment_files import PLACES, station_files


@pytest.mark.parametrize("raw, expected", [
    ("1,200", "1200.00"), ("1,200.00元", "1200.00"), ("￥12,345,678.5", "12345678.50"),
    ("1,200万", "12000000.00"), ("1200", "1200.00"),
])
def test_thousands_separators_are_read(raw, expected):
    assert parse.parse_amount(raw, limit=Decimal("1e9")) == Decimal(expected)


@pytest.mark.parametrize("raw", ["1,2000", "12,00", "1.200,00", "1,20,000", ",1200", "1200,"])
def test_commas_that_are_not_thousands_separators_are_rejected(raw):
    with pytest.raises(ParseError) as e:
        parse.parse_amount(raw)
    assert e.value.message.key == "etl.parse.amount_grouping"
    assert raw in e.value.zh and "1200.00" in e.value.zh


def test_a_month_that_may_be_october_kept_as_a_number_is_rejected():
    with pytest.raises(ParseError) as e:
        parse.parse_date("2025.1")
    assert e.value.message.key == "etl.parse.date_month_ambiguous"
    assert "2025-10-01" in e.value.zh and "2025-01-01" in e.value.zh
    # the other dotted forms keep their one reading
    assert parse.parse_date("2025.10") == dt.date(2025, 10, 1)
    assert parse.parse_date("2025.1.5") == dt.date(2025, 1, 5)
    assert parse.parse_date("2025.3") == dt.date(2025, 3, 1)


HEADER = ["序号", "姓名", "身份证号码", "帮扶站点", "帮扶类型", "资金来源", "金额（元）", "发放日期"]
# (amount cell, date cell, amount loaded or None when the row is rejected, reject's column)
ROWS = [("1,200.00", "2025.3.5", "1200.00", None),
        ("1,2000", "2025.3.6", None, "金额（元）"),
        ("12,00", "2025.3.7", None, "金额（元）"),
        (800, 2025.1, None, "发放日期"),  # typed 2025.10 in a number cell
        (900, 2025.3, "900.00", None)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A 德阳市 warehouse with its one station registered; each test loads into a copy."""
    where = tmp_path_factory.mktemp("deyang")
    db = where / "w.duckdb"
    warehouse.init(db, [PLACES["deyang"].scope])
    assert load.load_files(station_files(where, PLACES["deyang"])[:1], db).exit_code == 0
    return db


def _roster(path, lines: list[list]) -> list:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("3月")
    for r, line in enumerate([HEADER, *lines]):
        sheet.write_row(r, 0, line)
    book.close()
    return [path]


def _row(i: int, amount: object, day: object) -> list:
    pid = make_id(f"51060319{80 + i}0101{100 + i:03d}")
    return [i + 1, f"王{i}", pid, PLACES["deyang"].station, "临时救助", "工会自筹", amount, day]


def _load(registry, tmp_path, lines: list[list]):
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)
    return db, load.load_files(_roster(tmp_path / "救助花名册.xlsx", lines), db,
                               rejects_dir=tmp_path / "rej")


def test_a_roster_with_unclear_cells_loads_only_the_clear_rows(registry, tmp_path):
    db, report = _load(registry, tmp_path,
                       [_row(i, amount, day) for i, (amount, day, _, _) in enumerate(ROWS)])

    rejects = report.rejects.select("sheet", "row", "column").rows()
    assert rejects == [("3月", i + 2, column) for i, (*_, column) in enumerate(ROWS) if column]
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = con.sql("SELECT relief_date, amount_yuan FROM relief ORDER BY 1").fetchall()
    assert loaded == [(dt.date(2025, 3, 1), Decimal("900.00")),
                      (dt.date(2025, 3, 5), Decimal("1200.00"))]


@pytest.mark.parametrize("grand, noted", [(4500, False), (4400, True)])
def test_the_total_below_subtotals_is_checked_against_all_rows(registry, tmp_path, grand,
                                                                noted):
    rows = [_row(i, 500 + 100 * i, f"2025-03-0{i + 1}") for i in range(6)]  # 500 … 1000
    _, report = _load(registry, tmp_path, [
        *rows[:3], ["小计", "", "", "", "", "", 1800, ""],
        *rows[3:], ["小计", "", "", "", "", "", 2700, ""], ["合计", "", "", "", "", "", grand, ""]])
    (result,) = report.files
    assert (result.rows_loaded, result.rows_rejected) == (6, 0)
    assert [what for _, _, what, _ in result.skipped] == ["total"] * 3
    zh = [text for text, _ in result.warnings]
    assert any("4400" in t and "4500" in t and "第 10 行" in t for t in zh) == noted
    assert len(result.notes) == noted


def test_a_hidden_roster_sheet_is_said_not_left_out_unseen(registry, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)
    path = tmp_path / "救助花名册.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, month in (("2月", 2), ("3月", 3)):
        sheet = book.add_worksheet(name)
        for r, line in enumerate([HEADER, *[_row(i, 500, f"2025-0{month}-1{i}")
                                             for i in range(3)]]):
            sheet.write_row(r, 0, line)
    lists = book.add_worksheet("下拉选项")
    lists.write_column(0, 0, ["临时救助", "两节慰问"])
    book.worksheets()[1].activate()
    book.worksheets()[0].hide()
    lists.hide()
    book.close()

    (result,) = load.load_files([path], db, rejects_dir=tmp_path / "rej").files

    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert [(s.name, s.status) for s in result.sheets] == [("2月", "ignored"), ("3月", "loaded")]
    assert [zh for zh, _ in result.warnings] == [
        "工作表“2月”：是隐藏的工作表，未载入；如其中的行也要载入，请在 Excel 中取消隐藏后重新上传"]


def test_hidden_rows_are_loaded_and_said(registry, tmp_path):
    """Rows hidden in a visible sheet are read like the others (calamine does not tell them
    apart): loaded, and the report names the hidden data rows (not the hidden 合计 row or a
    hidden column) so that rows meant to stay out can be deleted."""
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)
    path = tmp_path / "救助花名册.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("3月")
    sheet.write_row(0, 0, ["德阳市困难职工救助发放花名册"])
    lines = [_row(i, 500, f"2025-03-1{i}") for i in range(6)]
    for r, line in enumerate([HEADER, *lines, ["合计", "", "", "", "", "", 3000]]):
        sheet.write_row(r + 1, 0, line)
    for excel_row in (4, 5, 7, 9):  # three data rows, and the 合计
        sheet.set_row(excel_row - 1, None, None, {"hidden": True})
    sheet.set_column(2, 2, None, None, {"hidden": True})  # 身份证号码 hidden: not a hidden row
    book.close()

    (result,) = load.load_files([path], db, rejects_dir=tmp_path / "rej").files

    assert (result.status, result.rows_loaded) == ("loaded", 6)
    assert [w for w in result.warnings if "隐藏" in w[0]] == [(
        "工作表“3月”：第 4–5、7 行在 Excel 中是隐藏的（共 3 行），已照常载入；"
        "如这些行不应上报，请删除后重新上传",
        "sheet '3月': rows 4–5, 7 are hidden in Excel (3 rows) and were loaded like the others; "
        "if they should not be reported, delete them and upload the file again")]
    shown = tmp_path / "shown.xlsx"  # the same roster with nothing hidden: no such line
    book = xlsxwriter.Workbook(str(shown))
    sheet = book.add_worksheet("3月")
    for r, line in enumerate([HEADER, *lines]):
        sheet.write_row(r, 0, line)
    book.close()
    shutil.copy(registry, db)
    (result,) = load.load_files([shown], db, rejects_dir=tmp_path / "rej").files
    assert result.rows_loaded == 6 and not [w for w in result.warnings if "隐藏" in w[0]]


def test_a_workbook_that_expands_beyond_the_limit_is_refused_before_it_is_read(
        registry, tmp_path, monkeypatch):
    """A zip bomb: calamine expands a sheet whole (a 0.5 MB file of one repeated row was
    147 MB of XML, 381 MB of memory), so a workbook whose sheets declare more than the limit
    is refused with the fix, and the other files of the load go in."""
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)
    big = _roster(tmp_path / "大.xlsx", [_row(i % 90, 500, "2025-03-10") for i in range(600)])
    small = _roster(tmp_path / "小.xlsx", [_row(1, 500, "2025-03-11")])
    monkeypatch.setenv("UNION_DASH_XLSX_LIMIT_MB", "0.1")

    report = load.load_files([*big, *small], db, rejects_dir=tmp_path / "rej")

    refused, loaded = report.files
    assert refused.status == "failed" and loaded.status == "loaded", refused.message
    said = load.render(refused.message, "zh")
    assert said.startswith("Excel 文件解压后约 ") and "超过单个文件可载入的上限 0.1 MB" \
        in said and "另存为 CSV" in said, said


def _declare(path, member: bytes, size: int) -> None:
    """Make the zip declare `size` bytes for `member` (its local and central headers)."""
    data = bytearray(path.read_bytes())
    for sig, name_len, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22),
                                            (b"PK\x01\x02", 28, 46, 24)):
        at = data.find(sig)
        while at >= 0:
            n = struct.unpack("<H", data[at + name_len:at + name_len + 2])[0]
            if data[at + name_at:at + name_at + n] == member:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", size)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def test_a_sheet_that_holds_more_than_it_declares_is_refused_as_damaged(registry, tmp_path):
    """calamine reads past the size a sheet declares (a bomb that declares 1,000 bytes still
    expanded to 147 MB), Python's zip reader stops there: such a sheet is refused."""
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)
    (path,) = _roster(tmp_path / "救助花名册.xlsx", [_row(i, 500, "2025-03-10") for i in range(3)])
    _declare(path, b"xl/worksheets/sheet1.xml", 200)

    (result,) = load.load_files([path], db, rejects_dir=tmp_path / "rej").files

    assert result.status == "failed" and result.rows_loaded == 0
    assert load.render(result.message, "zh").startswith(
        "Excel 文件已损坏：工作表“3月”的内容与文件记录的大小不符")


def test_any_part_that_holds_more_than_it_declares_is_refused(registry, tmp_path):
    """calamine reads the styles and shared strings as well as the sheets: a bomb there is
    refused the same way, naming the part."""
    (path,) = _roster(tmp_path / "救助花名册.xlsx", [_row(1, 500, "2025-03-10")])
    _declare(path, b"xl/styles.xml", 100)
    db = tmp_path / "w.duckdb"
    shutil.copy(registry, db)

    (result,) = load.load_files([path], db, rejects_dir=tmp_path / "rej").files

    assert result.status == "failed"
    assert load.render(result.message, "zh").startswith(
        "Excel 文件已损坏：其中的“xl/styles.xml”与文件记录的大小不符")
