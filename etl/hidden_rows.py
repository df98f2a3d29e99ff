"""Rows hidden in Excel. Staff hide rows to leave them out of sight (people taken off the
list, months paid before, a filter on one station), and every reader (ours: calamine) reads
them as any other. They are loaded as the file holds them, and the report says which rows
were hidden, so that rows meant to stay out can be deleted and the file sent again."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from pathlib import Path

from core.messages import Message, register
from etl.formulas import sheet_members
from etl.messages import joined

_CHUNK = 1 << 20
# <row r="12" spans="1:8" hidden="1" ...>: the number and the flag, in either order
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_MARK = re.compile(rb"""hidden\s*=\s*["'](?:1|true)""")

register("etl.hidden_rows", {
    "loaded": ("第 {rows} 行在 Excel 中是隐藏的（共 {n} 行），已照常载入；如这些行不应上报，"
               "请删除后重新上传",
               "rows {rows} are hidden in Excel ({n} rows) and were loaded like the others; if "
               "they should not be reported, delete them and upload the file again"),
})


def of_sheets(data: bytes | str | Path, sheets: Sequence[str]) -> dict[str, frozenset[int]]:
    """Sheet name → the Excel numbers of its hidden rows, for the named sheets of an .xlsx
    (none for other files). A sheet without the bytes of a hidden flag is not parsed."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with zipfile.ZipFile(source) as z:
            found = {}
            for name, member in sheet_members(z).items():
                if name in sheets and (rows := _hidden_rows(z, member)):
                    found[name] = rows
            return found
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return {}  # an .xls, or a workbook calamine reads in its own way


def note(rows: Sequence[int]) -> Message:
    """The report's line for the data rows of a sheet that were hidden: runs of rows said
    as 12–15, the first ten runs only."""
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    said = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:10]]
    return Message("etl.hidden_rows.loaded", {"rows": joined(said + ["…"] * (len(runs) > 10)),
                                              "n": len(rows)})


def _hidden_rows(z: zipfile.ZipFile, member: str) -> frozenset[int]:
    rows: set[int] = set()
    tail = b""
    with z.open(member) as f:
        while chunk := f.read(_CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")  # a tag cut by the chunk's end is read with the next
            head, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            if not _MARK.search(head):
                continue
            for m in _ROW.finditer(head):
                if _HIDDEN.search(m[1]) and (n := _NUMBER.search(m[1])):
                    rows.add(int(n[1]))
    return frozenset(rows)
