"""Formula cells without a saved result. Excel and WPS save each formula's last result beside
it; a workbook written by a program (openpyxl, some report generators) and never opened in
Excel holds the formulas only, which every reader (ours: calamine) sees as empty cells, so
such a roster would be rejected row by row as "金额 empty". It is refused as a whole instead,
with the fix: open it in Excel or WPS and save it."""

from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from core.messages import Message, register
from etl.messages import joined

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def uncached(data: bytes | str | Path, sheets: list[str]) -> dict[str, list[str]]:
    """Sheet name → references of its formula cells that have no saved value, for the named
    sheets of an .xlsx (none for other files). Name only the sheets that hold formulas
    (etl/xlsx_scan.py finds them in its pass): each named sheet is parsed whole."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with zipfile.ZipFile(source) as z:
            found = {}
            for name, member in sheet_members(z).items():
                if name in sheets:
                    cells = _formula_cells_without_values(z, member)
                    if cells:
                        found[name] = cells
            return found
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return {}  # not an .xlsx zip (an .xls), or one calamine reads in its own way


def message(found: dict[str, list[str]]) -> Message:
    """The refusal, naming a sheet and a few cells."""
    sheet, cells = next(iter(found.items()))
    key = "etl.formulas.uncached" if len(found) == 1 else "etl.formulas.uncached_sheets"
    return Message(key, {"sheet": sheet, "n": sum(len(c) for c in found.values()),
                         "some": joined(cells[:3])})


register("etl.formulas", {
    "uncached": ("工作表“{sheet}”有 {n} 个公式单元格没有保存计算结果（如 {some}）：文件由程序"
                 "生成、未在 Excel 中打开过，读出来是空的。请用 Excel 或 WPS 打开该文件、保存后重新上传",
                 "sheet '{sheet}' has {n} formula cells without a saved result (e.g. {some}): "
                 "the file was written by a program and never opened in Excel, so they read as "
                 "empty. Open it in Excel or WPS, save it, and upload it again"),
    "uncached_sheets": ("工作表“{sheet}”等有 {n} 个公式单元格没有保存计算结果（如 {some}）：文件由程序"
                        "生成、未在 Excel 中打开过，读出来是空的。请用 Excel 或 WPS 打开该文件、保存后重新上传",
                        "sheet '{sheet}' and others have {n} formula cells without a saved result "
                        "(e.g. {some}): the file was written by a program and never opened in "
                        "Excel, so they read as empty. Open it in Excel or WPS, save it, and "
                        "upload it again"),
})


def sheet_members(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from the workbook and its relationships."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for s in book.iter(f"{_MAIN}sheet"):
        path = target.get(s.get(f"{_REL}id"), "")
        out[s.get("name")] = (path.lstrip("/") if path.startswith("/")
                              else posixpath.normpath(posixpath.join("xl", path)))
    return out


def _formula_cells_without_values(z: zipfile.ZipFile, member: str) -> list[str]:
    cells = []
    with z.open(member) as f:
        for _, el in ET.iterparse(f, events=("end",)):
            if el.tag == f"{_MAIN}c":
                if el.find(f"{_MAIN}f") is not None:
                    v = el.find(f"{_MAIN}v")
                    inline = el.find(f"{_MAIN}is")
                    if (v is None or not (v.text or "").strip()) and inline is None:
                        cells.append(el.get("r") or "?")
                el.clear()
            elif el.tag == f"{_MAIN}row":
                el.clear()
    return cells
