"""Station files as stations keep them: title rows, a 填报单位 line, the table, then 合计, a
signature line and footnotes (注：本表一式三份…, 说明：1. … over several lines); and empty
rosters (header and month, no rows) that declare a month with nothing to report (零报告).
Written into a test's tmp_path; the expected parse is stated beside each builder."""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

from tests.messy_files import ID_A, ID_B, ID_C

STATION = "150702001"  # 海拉尔区正阳街道帮扶站 in the registered sample scope
STATION_NAME = "海拉尔区正阳街道帮扶站"
HEADER = ["序号", "姓名", "身份证号码", "帮扶站点", "帮扶类型", "资金来源", "金额（元）",
          "发放日期", "备注"]
ROWS = [
    ["1", "张三", ID_A, STATION, "临时救助", "工会自筹", "500", "2012-03-05", ""],
    ["2", "李四", ID_B, STATION, "医疗救助", "中央专项", "1200", "2012-03-12", "住院"],
    ["3", "王五", ID_C, STATION, "临时救助", "工会自筹", "300", "2012-03-20", ""],
]
TITLE = f"{STATION_NAME}2012年3月困难职工救助发放花名册"
UNIT = "填报单位：海拉尔区正阳街道帮扶站（盖章）        填报日期：2012年4月5日"
TOTAL = ["合计", "", "", "", "", "", "2000", "", ""]
SIGNATURES = ["经办人：王某", "", "", "审核人：李某", "", "", "单位负责人：赵某", "", ""]
NOTE = "注：本表一式三份，帮扶站、旗县区总工会、市总工会各留存一份。"
EXPLAIN = ["说明：1. 金额单位为元；", "2. 身份证号码以文本格式填写，不得使用科学计数法；",
           "3. 本表于次月5日前报送。"]
# Excel rows (1-based) of the lines below the table in both builders, and what they are.
SKIPPED = [(8, "total"), (10, "signature"), (11, "note"), (13, "note"), (14, "note"),
           (15, "note")]
XLSX_SKIPPED = [*SKIPPED, (17, "note")]  # and the 填表说明 of one cell of several lines


def _lines(rows: list[list[str]], total: str = "2000") -> list[list[str]]:
    """Title, unit line, blank, header (row 4), rows, 合计, blank, signatures, notes."""
    blank = [""] * len(HEADER)
    pad = [""] * (len(HEADER) - 1)
    return [[TITLE, *pad], [UNIT, *pad], blank, HEADER, *rows, [*TOTAL[:6], total, "", ""],
            blank, SIGNATURES,
            # a merged note comes out of Excel's CSV export with its text in the first cell
            [NOTE, *pad], blank, *([line, *pad] for line in EXPLAIN)]


def trailer_csv(tmp: Path, *, name: str = "正阳站2012年3月.csv",
                rows: list[list[str]] = ROWS, encoding: str = "gb18030") -> Path:
    """A GB18030 CSV as Excel saves one (the default CSV of a Chinese Windows)."""
    path = tmp / name
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(_lines(rows))
    return path


def trailer_xlsx(tmp: Path, *, name: str = "正阳站2012年3月.xlsx",
                 rows: list[list[str]] = ROWS, total: str = "2000") -> Path:
    """The same sheet in Excel: the title and footnotes merged across the table's width,
    the note of several lines also once as one cell with line breaks (Alt+Enter)."""
    path = tmp / name
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("3月")
    merged = wb.add_format({"align": "center", "bold": True})
    wrap = wb.add_format({"text_wrap": True})
    last = len(HEADER) - 1
    lines = _lines(rows, total)
    for i, line in enumerate(lines):
        if i == 0 or (line[0] and not any(line[1:]) and line[0] not in TOTAL):
            ws.merge_range(i, 0, i, last, line[0], merged if i == 0 else wrap)
        else:
            ws.write_row(i, 0, [int(c) if c.isdigit() and len(c) < 6 else c for c in line])
    ws.merge_range(len(lines) + 1, 0, len(lines) + 1, last,
                   "\n".join(["填表说明：", *EXPLAIN[1:]]), wrap)
    wb.close()
    return path


def zero_csv(tmp: Path, *, title: str = TITLE, unit: str = UNIT,
             name: str = "正阳站零报告.csv") -> Path:
    """An empty roster: title, unit line, header, 合计 0, signatures; no data rows."""
    path = tmp / name
    pad = [""] * (len(HEADER) - 1)
    lines = [[title, *pad], [unit, *pad], HEADER, ["合计", "", "", "", "", "", "0", "", ""],
             SIGNATURES]
    with open(path, "w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows(lines)
    return path
