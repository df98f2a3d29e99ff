"""Rows hidden in Excel. Staff hide rows to leave them out of sight (people taken off the
list, months paid before, a filter on one station), and every reader (ours: calamine) reads
them as any other. They are loaded as the file holds them, and the report says which rows
were hidden, so that rows meant to stay out can be deleted and the file sent again. The rows
are found in the sheet's XML by etl/xlsx_scan.py's one pass."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.messages import Message, register
from etl.messages import joined

# <row r="12" spans="1:8" hidden="1" ...>: the number and the flag, in either order
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")

register("etl.hidden_rows", {
    "loaded": ("第 {rows} 行在 Excel 中是隐藏的（共 {n} 行），已照常载入；如这些行不应上报，"
               "请删除后重新上传",
               "rows {rows} are hidden in Excel ({n} rows) and were loaded like the others; if "
               "they should not be reported, delete them and upload the file again"),
})


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


def rows_in(xml: bytes) -> set[int]:
    """The numbers of the hidden rows whose tags `xml` (a sheet's XML, cut between tags)
    holds; a part without the flag's bytes is not searched further."""
    if not _HIDDEN.search(xml):
        return set()
    return {int(n[1]) for m in _ROW.finditer(xml)
            if _HIDDEN.search(m[1]) and (n := _NUMBER.search(m[1]))}
