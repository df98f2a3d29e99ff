"""Station files with the mess of DESIGN.md §4, written into a test's tmp_path.

Each builder returns the path it wrote. The expected parse of each file is stated beside it
(EXPECTED_*), so the tests read as input → output tables.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlsxwriter

from etl.parse import make_id, to_fullwidth

# Persons (valid IDs; the second has an X check character).
ID_A = make_id("15070219800101123")  # 150702198001011239
ID_B = make_id("15070219850203456")  # 15070219850203456X
ID_C = make_id("15042219700505001")
ID_D = make_id("15070219900808002")
OLD_15 = "150702751212001"  # 15-digit old form of ID_E
ID_E = make_id("15070219751212001")
WRONG_CHECK = ID_C[:17] + ("0" if ID_C[17] != "0" else "1")

HEADER = ["序号", "姓名", "身份证号码", "帮扶站点", "所属旗县区", "帮扶类型", "资金来源",
          "金额（元）", "发放日期", "联系电话", "备注"]


def _row(n, pid, station, kind, source, amount, date, county=""):
    return [str(n), f"职工{n}", pid, station, county, kind, source, amount, date,
            "13904700000", ""]


# ---------------------------------------------------------------- CSV rosters

GOOD_ROWS = [
    _row(1, ID_A + "  ", "海拉尔区正阳街道帮扶站", "送温暖", "中央专项", "1,200.00元", "2012年5月4日"),
    _row(2, ID_B, "150702001", "两节慰问", "自治区专项", "１２００", "41033"),
    _row(3, OLD_15, "150702002 ", "临时救助", "工会自筹", "￥800", "2012/5/4", "海拉尔区"),
]
# (person id, station, county, relief_type, fund_source, amount, date) as loaded
EXPECTED_GOOD = [
    (ID_A, "150702001", "150702", "festival_condolence", "central_special", "1200.00",
     dt.date(2012, 5, 4)),
    (ID_B, "150702001", "150702", "festival_condolence", "provincial_special", "1200.00",
     dt.date(2012, 5, 4)),
    (ID_E, "150702002", "150702", "temporary", "union_own", "800.00", dt.date(2012, 5, 4)),
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              title: bool = True, header: list[str] = HEADER, totals: str | None = None) -> Path:
    lines = []
    if title:
        lines += [["海拉尔区总工会2012年“两节”慰问困难职工花名册"] + [""] * (len(header) - 1),
                  ["填报单位：海拉尔区总工会", "", "", "", "填报日期：2013年1月5日"]
                  + [""] * (len(header) - 5)]
    lines += [header, *rows]
    if totals is not None:
        lines.append(["合计", "", "", "", "", "", "", totals, "", "", ""][:len(header)])
    lines += [["经办人：王某", "", "审核人：李某"] + [""] * (len(header) - 3), [""] * len(header)]
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(lines)
    return path


def gb18030_csv(tmp: Path) -> Path:
    return write_csv(tmp / "海拉尔_gbk.csv", GOOD_ROWS, encoding="gb18030", totals="3200")


def bom_csv(tmp: Path) -> Path:
    return write_csv(tmp / "海拉尔_bom.csv", GOOD_ROWS, encoding="utf-8-sig", totals="3200.00")


def totals_mismatch_csv(tmp: Path) -> Path:
    return write_csv(tmp / "totals.csv", GOOD_ROWS, totals="9999")


# Rows that fail, each with the Excel row (title 2 rows + header = row 3; data from row 4),
# the column as headed, and a fragment of the English reason.
BAD_ROWS = [
    _row(1, ID_A, "150702001", "临时救助", "中央专项", "500", "2012-06-01"),  # good
    _row(2, WRONG_CHECK, "150702001", "临时救助", "中央专项", "500", "2012-06-01"),
    _row(3, "1.50702E+17", "150702001", "临时救助", "中央专项", "500", "2012-06-01"),
    _row(4, ID_D, "150702001", "临时救助", "外星专项", "500", "2012-06-01"),
    _row(5, ID_D, "150799009", "临时救助", "中央专项", "500", "2012-06-01"),
    _row(6, ID_D, "150702001", "临时救助", "中央专项", "500", "2012-06-01", county="巴林左旗"),
    _row(7, ID_D, "150702001", "临时救助", "中央专项", "-50", "2012-06-01"),
    _row(8, ID_D, "150702001", "临时救助", "中央专项", "500", "1989-06-01"),
    _row(9, ID_D, "150702001", "临时救助", "中央专项", "500", "2012-07-01"),  # good, dup below
    _row(10, ID_D, "150702001", "临时救助", "中央专项", "600", "2012-07-01"),  # kept
    _row(11, ID_D, "150702001", "", "中央专项", "500", "2012-08-01"),
]
EXPECTED_BAD = [  # (excel row, column, value, fragment of reason_en)
    (5, "身份证号码", WRONG_CHECK[:6] + "********" + WRONG_CHECK[-4:], "check digit"),  # masked
    (6, "身份证号码", "1.50702E+17", "scientific notation"),
    (7, "资金来源", "外星专项", "Unknown value '外星专项'"),
    (8, "帮扶站点", "150799009", "Unknown help station"),
    (9, "所属旗县区", "巴林左旗", "does not match the help station"),
    (10, "金额（元）", "-50", "negative"),
    (11, "发放日期", "1989-06-01", "outside the plausible range"),
    (14, "帮扶类型", None, "Required cell '帮扶类型' is empty"),
    (12, None, None, "duplicate row"),
]


def bad_rows_csv(tmp: Path) -> Path:
    return write_csv(tmp / "bad_rows.csv", BAD_ROWS)


def missing_column_csv(tmp: Path) -> Path:
    header = [h for h in HEADER if h != "资金来源"]
    rows = [[c for i, c in enumerate(r) if HEADER[i] != "资金来源"] for r in GOOD_ROWS]
    return write_csv(tmp / "no_fund_source.csv", rows, header=header)


def utf16_csv(tmp: Path) -> Path:
    """Excel's "Unicode text": neither UTF-8 nor GB18030."""
    path = tmp / "unicode_text.csv"
    path.write_bytes("序号,身份证号码\n1,150702198001011239\n".encode("utf-16"))
    return path


def broken_xlsx(tmp: Path) -> Path:
    path = tmp / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    return path


def unknown_kind_csv(tmp: Path) -> Path:
    path = tmp / "menu.csv"
    path.write_text("菜名,价格\n红烧肉,38\n", encoding="utf-8")
    return path


def station_csv(tmp: Path, name: str, station: str, pid: str, date: str) -> Path:
    """One relief row of one person at one station (for person deduplication)."""
    return write_csv(tmp / name, [_row(1, pid, station, "临时救助", "工会自筹", "300", date)])


def corrections(tmp: Path) -> tuple[Path, Path]:
    """A roster of 5 rows and its resent correction: rows 2 and 4 changed, one row added."""
    base = [_row(i, pid, "150702001", "临时救助", "工会自筹", f"{100 * i}", "2012-03-01")
            for i, pid in enumerate([ID_A, ID_B, ID_C, ID_D, ID_E], start=1)]
    fixed = [list(r) for r in base]
    fixed[1][7] = "999"  # amount changed
    fixed[3][6] = "中央专项"  # fund source changed
    fixed.append(_row(6, ID_A, "150702001", "医疗救助", "工会自筹", "700", "2012-03-01"))
    return (write_csv(tmp / "march.csv", base),
            write_csv(tmp / "march_corrected.csv", fixed))


# ---------------------------------------------------------------- the Excel roster

EXPECTED_XLSX = {  # (sheet, excel row) → (relief_type, amount, date)
    ("1月", 5): ("festival_condolence", "1200.00", dt.date(2012, 1, 10)),
    ("1月", 6): ("festival_condolence", "800.50", dt.date(2012, 1, 11)),
    ("1月", 7): ("temporary", "1200.00", dt.date(2012, 1, 12)),
    ("1月", 8): ("festival_condolence", "300.00", dt.date(2012, 1, 13)),
    ("2月", 4): ("medical", "2000.00", dt.date(2012, 2, 20)),
}
EXPECTED_XLSX_REJECTS = [("1月", 9, "身份证号码", f"{float(ID_C):.5E}", "scientific notation")]


def roster_xlsx(tmp: Path) -> Path:
    """Sheets per month with merged title rows, a unit/date line, numeric IDs and dates,
    a totals row, signatures and empty rows; a hidden sheet, an empty one and a notes sheet."""
    path = tmp / "海拉尔区2012年花名册.xlsx"
    wb = xlsxwriter.Workbook(path)
    merged = wb.add_format({"align": "center", "bold": True})
    ymd = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("1月")
    ws.merge_range(0, 0, 0, 8, "海拉尔区总工会2012年“两节”慰问困难职工花名册", merged)
    ws.merge_range(1, 0, 1, 8, "填报单位：海拉尔区总工会        填报日期：2012年2月1日")
    ws.write_row(3, 0, ["序号", "姓 名", "身份证号码", "帮扶站点", "帮扶类型",
                        "资金来源", "慰问金额(元)", "发放日期", "备注"])
    ws.write_row(4, 0, [1, "甲", ID_A, "150702001", "送温暖", "中央财政专项", 1200])
    ws.write_datetime(4, 7, dt.datetime(2012, 1, 10), ymd)  # a real date cell
    ws.write_row(5, 0, [2, "乙", ID_B + " ", "150702001", "两节慰问 ", "中央专项", "800.5",
                        40919])  # Excel serial, typed as a plain number
    ws.write_row(6, 0, [3, "丙", int(OLD_15), "150702002", "临时救助", "工会自筹",
                        to_fullwidth("1200"), "2012年1月12日"])  # 15 digits as a number
    ws.write_row(7, 0, [4, "丁", ID_D, "海拉尔区正阳街道帮扶站", "春节慰问", "自筹",
                        "300元", "2012.1.13"])
    ws.write_row(8, 0, [5, "戊", int(ID_C), "150702001", "两节慰问", "自筹", 300, "2012-01-14"])
    ws.write_row(9, 0, ["合计", "", "", "", "", "", 3800.5])
    ws.write(11, 0, "经办人：王某")
    ws.write(11, 4, "审核人：李某")
    ws.write_row(13, 0, ["", "", ""])
    feb = wb.add_worksheet("2月")
    feb.merge_range(0, 0, 0, 7, "2012年2月救助花名册", merged)
    feb.write_row(2, 0, ["序号", "身份证号", "帮扶站", "救助项目", "经费来源", "金额", "发放时间"])
    feb.write_row(3, 0, [1, ID_E, "150702002", "大病救助", "社会捐助", "2,000", "20120220"])
    hidden = wb.add_worksheet("旧表")
    hidden.write_row(0, 0, ["身份证号码", "帮扶站点", "帮扶类型", "资金来源", "金额", "发放日期"])
    hidden.write_row(1, 0, ["garbage", "nowhere", "x", "y", "z", "w"])
    hidden.hide()
    wb.add_worksheet("空表")
    notes = wb.add_worksheet("说明")
    notes.write(0, 0, "本表由帮扶站填写，每月5日前报送。")
    wb.close()
    return path


def sheet_missing_column_xlsx(tmp: Path) -> Path:
    """March loads; April lacks 资金来源, so April's rows are lost: partial, with a reject."""
    path = tmp / "two_months.xlsx"
    wb = xlsxwriter.Workbook(path)
    header = ["身份证号码", "帮扶站点", "帮扶类型", "资金来源", "金额", "发放日期"]
    march = wb.add_worksheet("3月")
    march.write_row(0, 0, header)
    march.write_row(1, 0, [ID_A, "150702001", "临时救助", "工会自筹", "100", "2012-03-02"])
    april = wb.add_worksheet("4月")
    april.write_row(0, 0, [h for h in header if h != "资金来源"])
    april.write_row(1, 0, [ID_B, "150702001", "临时救助", "100", "2012-04-02"])
    wb.close()
    return path
