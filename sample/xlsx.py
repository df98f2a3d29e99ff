"""Station workbooks (花名册) as stations keep them in Excel: a merged title row, a
填报单位/填报日期 line, the header, the data, a 合计 row whose formula sums the amounts, a
signature line; one sheet per month or campaign, sometimes a hidden or an empty sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from etl import mappings
from sample.people import as_typed_number

# A fixed creation time keeps the workbook's bytes the same from run to run.
CREATED = datetime(2012, 5, 4, 9, 0, 0)


@dataclass
class Sheet:
    name: str
    title: str
    frame: pl.DataFrame                  # dressed, all text, dates in ISO form
    unit_line: tuple[str, str] | None = None
    excel_dates: bool = True             # real Excel dates (serials) or text as typed
    signature: str | None = None
    numeric_ids: set[int] = field(default_factory=set)  # rows whose ID was typed as a number


def _types(kind: str) -> dict[str, str]:
    return {h: c.type for c in mappings.columns(kind) for h in c.headers}


def write_workbook(path: Path, kind: str, sheets: list[Sheet], hidden: list[str] | None = None,
                   empty: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED, "author": "帮扶中心"})
    f = {
        "title": wb.add_format({"bold": True, "font_size": 16, "align": "center"}),
        "head": wb.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True}),
        "cell": wb.add_format({"border": 1}),
        "text": wb.add_format({"border": 1, "num_format": "@"}),
        "date": wb.add_format({"border": 1, "num_format": "yyyy/m/d"}),
        "money": wb.add_format({"border": 1, "num_format": "#,##0.00"}),
        "sci": wb.add_format({"border": 1, "num_format": "0.00E+00"}),
        "total": wb.add_format({"bold": True, "border": 1}),
    }
    for sheet in sheets:
        _sheet(wb.add_worksheet(sheet.name), kind, sheet, f)
    for name in hidden or []:
        ws = wb.add_worksheet(name)
        ws.write_column(0, 0, ["下拉选项", "困难职工", "劳模", "临时救助对象"])
        ws.write_column(0, 1, ["", "中央财政专项", "自治区专项", "工会自筹", "社会捐助"])
        ws.hide()
    for name in empty or []:
        wb.add_worksheet(name)
    wb.close()
    return path


def _sheet(ws, kind: str, sheet: Sheet, f: dict) -> None:
    frame = sheet.frame.with_row_index("序号", offset=1).with_columns(pl.col("序号").cast(pl.String))
    cols = frame.columns
    types = _types(kind)
    kinds = [types.get(mappings.normalise_header(c), "extra") for c in cols]
    last = len(cols) - 1
    ws.merge_range(0, 0, 0, last, sheet.title, f["title"])
    row = 1
    if sheet.unit_line:
        ws.merge_range(1, 0, 1, last // 2, sheet.unit_line[0])
        ws.merge_range(1, last // 2 + 1, 1, last, sheet.unit_line[1])
        row = 2
    ws.write_row(row, 0, cols, f["head"])
    first_data = row + 1
    for i, values in enumerate(frame.iter_rows()):
        r = first_data + i
        for j, (v, t) in enumerate(zip(values, kinds, strict=True)):
            _cell(ws, r, j, v, t, cols[j], sheet, i, f)
    total_row = first_data + len(frame)
    ws.write(total_row, 0, "合计", f["total"])
    for j, t in enumerate(kinds):
        if t == "amount":
            col = xlsxwriter.utility.xl_col_to_name(j)
            total = sum(float(v) for v in frame[cols[j]].to_list() if v)
            ws.write_formula(total_row, j, f"=SUM({col}{first_data + 1}:{col}{total_row})",
                             f["money"], total)
    if sheet.signature:
        ws.merge_range(total_row + 2, 0, total_row + 2, last, sheet.signature)
    ws.set_column(0, last, 12)


def _cell(ws, r: int, c: int, v, t: str, header: str, sheet: Sheet, i: int, f: dict) -> None:
    if v is None or v == "":
        ws.write_blank(r, c, None, f["cell"])
    elif t == "id" and i in sheet.numeric_ids:
        # Excel keeps 15 significant digits: the last three are lost (1.50422E+17).
        ws.write_number(r, c, float(f"{as_typed_number(v):.14e}"), f["sci"])
    elif t == "amount" or header == "序号":
        ws.write_number(r, c, float(v), f["money"] if t == "amount" else f["cell"])
    elif t == "date" and sheet.excel_dates and v[:4].isdigit() and "-" in v:
        ws.write_datetime(r, c, datetime.strptime(v, "%Y-%m-%d"), f["date"])
    elif header == "联系电话":
        ws.write_number(r, c, float(v), f["cell"])     # phones typed as numbers
    else:
        ws.write_string(r, c, v, f["text"] if t == "id" else f["cell"])
