"""One pass over each sheet's XML before calamine reads a workbook: its size, whether it holds
formulas, and which of its rows are hidden.

An .xlsx is a zip, and calamine expands a sheet whole: a 0.5 MB file of one repeated row read
as 147 MB of XML and 1.5 million rows (381 MB of memory), so a 50 MB upload made that way
would take the dashboard's server down for every user. The sizes the zip declares are checked
first (a workbook whose parts declare more than the limit is refused, with the fix: split it,
or save it as CSV, which is read a chunk at a time), then each part is read through once,
where Python's zip reader stops at the declared size, so a sheet (or styles, strings...) that
holds more than it declares is refused as damaged before calamine sees it. The same pass
notes formulas (for etl/formulas.py) and hidden rows (etl/hidden_rows.py), which had a pass
each.
"""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.messages import register
from etl import hidden_rows
from etl.formulas import sheet_members
from etl.sheets import FileError

_CHUNK = 1 << 20
_FORMULA = (b"<f>", b"<f ", b"<f/>")
LIMIT_MB = 1024  # the parts' XML (a full sheet of 1,048,576 rows of 8 cells is ~380 MB)

register("etl.xlsx_scan", {
    "too_large": ("Excel 文件解压后约 {size} MB，超过单个文件可载入的上限 {limit} MB；"
                  "请把它拆成几个文件，或另存为 CSV（按块读取，不受此限）后上传",
                  "the Excel file expands to about {size} MB, above the {limit} MB a "
                  "file may hold; split it into several files, or save it as CSV (read a chunk "
                  "at a time, without this limit) and upload that"),
    "damaged": ("Excel 文件已损坏：工作表“{sheet}”的内容与文件记录的大小不符；请在 Excel 中"
                "打开、另存为 .xlsx 后重新上传",
                "the Excel file is damaged: sheet '{sheet}' holds more or other than the file "
                "records; open it in Excel, save it as .xlsx and upload it again"),
    "damaged_part": ("Excel 文件已损坏：其中的“{part}”与文件记录的大小不符；请在 Excel 中打开、"
                     "另存为 .xlsx 后重新上传",
                     "the Excel file is damaged: its part '{part}' holds more or other than the "
                     "file records; open it in Excel, save it as .xlsx and upload it again"),
})


@dataclass(frozen=True)
class SheetScan:
    formulas: bool = False  # the bytes of a formula cell appear
    hidden_rows: frozenset[int] = frozenset()  # Excel numbers of hidden rows


def limit_bytes() -> int:
    """The sheets' XML a workbook may expand to: UNION_DASH_XLSX_LIMIT_MB (read at call time)
    or LIMIT_MB."""
    return int(float(os.environ.get("UNION_DASH_XLSX_LIMIT_MB") or LIMIT_MB) * 2**20)


def scan(data: bytes | str | Path) -> dict[str, SheetScan]:
    """Sheet name → what one pass over its XML found, for an .xlsx ({} for an .xls or a zip
    without a workbook, which calamine reads in its own way). FileError for a workbook that
    expands beyond `limit_bytes` or holds more than it declares."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        z = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        return {}
    with z:
        declared = sum(i.file_size for i in z.infolist())  # styles and all: calamine reads them
        if declared > limit_bytes():
            raise FileError("etl.xlsx_scan.too_large", size=_mb(declared), limit=_mb(limit_bytes()))
        try:
            members = sheet_members(z)
        except zipfile.BadZipFile:  # the workbook's own part holds more than it declares
            raise FileError("etl.xlsx_scan.damaged_part", part="xl/workbook.xml") from None
        except (KeyError, ET.ParseError):
            return {}
        sheets = {m: name for name, m in members.items() if m in z.NameToInfo}
        found = {}
        for info in z.infolist():  # every part once: none may hold more than it declares
            scanned = _scan_part(z, info, sheets.get(info.filename))
            if info.filename in sheets:
                found[sheets[info.filename]] = scanned
        return found


def _mb(n: int) -> str:
    mb = n / 2**20
    return f"{mb:,.1f}" if mb < 10 else f"{mb:,.0f}"


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str | None) -> SheetScan:
    formulas, rows, tail = False, set(), b""
    try:
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                text = tail + chunk
                cut = text.rfind(b"<")  # a tag cut by the chunk's end is read with the next
                head, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                formulas = formulas or any(m in head for m in _FORMULA)
                rows |= hidden_rows.rows_in(head)
    except (zipfile.BadZipFile, EOFError):  # Bad CRC-32: more (or other) than declared
        if sheet is None:
            raise FileError("etl.xlsx_scan.damaged_part", part=info.filename) from None
        raise FileError("etl.xlsx_scan.damaged", sheet=sheet) from None
    formulas = formulas or any(m in tail for m in _FORMULA)
    return SheetScan(formulas, frozenset(rows))
