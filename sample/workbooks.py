"""The 2012 relief workbooks of Hailar (the documents' 两节 roster and the monthly rosters)
and of Bairin Left (monthly, with an ID typed as a number that Excel shows as 1.50422E+17)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from sample.design import BAIRIN_LEFT, HAILAR
from sample.files import Style, dress, header_of
from sample.people import People, as_typed_number
from sample.xlsx import Sheet, write_workbook

HAILAR_ROSTER = "relief/150702_海拉尔区_2012年两节慰问花名册.xlsx"
HAILAR_MONTHLY = "relief/150702_海拉尔区_2012年困难职工救助发放花名册.xlsx"
BAIRIN_MONTHLY = "relief/150422_巴林左旗_2012年救助发放花名册.xlsx"
SIGNATURE = "经办人：{}        审核人：{}        负责人：{}"
NUMERIC_ID_SHEET = "5月"


def relief_workbooks(rng, w, out: Path, relief: pl.DataFrame, persons: dict,
                     people: People) -> None:
    festival = pl.col("relief_type") == "festival_condolence"
    hailar = relief.filter(pl.col("county") == HAILAR)
    _hailar_roster(rng, w, out, hailar.filter(festival), persons)
    _monthly(rng, w, out, HAILAR_MONTHLY, "海拉尔区", hailar.filter(~festival), persons, None)
    _monthly(rng, w, out, BAIRIN_MONTHLY, "巴林左旗",
             relief.filter(pl.col("county") == BAIRIN_LEFT), persons, people)


def _record(w, out: Path, rel: str, rows: int) -> None:
    w.paths.append(out / rel)
    w.files.append({"file": rel, "kind": "relief", "encoding": "xlsx", "date_style": "excel",
                    "rows": rows})


def _hailar_roster(rng, w, out: Path, rows: pl.DataFrame, persons: dict) -> None:
    title = "海拉尔区总工会2012年“两节”慰问困难职工花名册"
    unit = ("填报单位：海拉尔区总工会困难职工帮扶中心（盖章）", "填报日期：2012年1月25日")
    sign = SIGNATURE.format("王秀兰", "李建国", "张志强")
    new_year = pl.col("relief_date") <= date(2012, 1, 6)
    style = Style(header_variety=0.5, value_variety=0)
    sheets = [
        Sheet("元旦慰问", title, dress(rng, "relief", rows.filter(new_year).sort("relief_date"),
                                     persons, Style(dates="cn", header_variety=0.5)),
              unit, excel_dates=False, signature=sign),
        Sheet("春节慰问", title, dress(rng, "relief", rows.filter(~new_year).sort("relief_date"),
                                     persons, style), unit, signature=sign),
    ]
    write_workbook(out / HAILAR_ROSTER, "relief", sheets, hidden=["选项"], empty=["Sheet4"])
    _record(w, out, HAILAR_ROSTER, len(rows))


def _monthly(rng, w, out: Path, rel: str, county_zh: str, rows: pl.DataFrame,
             persons: dict, people: People | None) -> None:
    sheets = []
    style = Style(header_variety=0.2)
    for m in range(1, 13):
        month = rows.filter(pl.col("relief_date").dt.month() == m).sort("relief_date")
        frame = dress(rng, "relief", month, persons, style)
        sheet = Sheet(f"{m}月", f"{county_zh}总工会2012年{m}月困难职工救助发放花名册", frame,
                      signature=SIGNATURE.format("刘淑珍", "赵海军", "孙德成"))
        if people is not None and sheet.name == NUMERIC_ID_SHEET and len(frame):
            sheet = _numeric_id(rng, w, rel, sheet, people)
        sheets.append(sheet)
    write_workbook(out / rel, "relief", sheets)
    _record(w, out, rel, len(rows))


def _numeric_id(rng, w, rel: str, sheet: Sheet, people: People) -> Sheet:
    """A new person's row whose ID was typed as a number (its last digits lost)."""
    at = int(rng.integers(1, len(sheet.frame)))
    person = people.new(BAIRIN_LEFT, 1)
    row = sheet.frame.slice(at, 1).with_columns(
        pl.lit(person["id_number"][0]).alias(header_of(sheet.frame, "relief", "id_number")),
        pl.lit(person["name"][0]).alias("姓名"))
    frame = pl.concat([sheet.frame.slice(0, at), row, sheet.frame.slice(at)])
    w.bad_rows.append({"file": rel, "sheet": sheet.name, "data_row": at + 1,
                       "excel_row": at + 3, "column": "id_number",
                       "value": f"{as_typed_number(person['id_number'][0]):.5E}",
                       "reason_zh": "身份证号码被存成数字（Excel显示为科学计数法），后三位已丢失"})
    return Sheet(sheet.name, sheet.title, frame, sheet.unit_line, sheet.excel_dates,
                 sheet.signature, {at})
