"""What reading a station file gives: sheets of text cells, read a chunk at a time, and the
error that stops a file. Shared by the Excel and CSV readers (etl/extract.py, etl/csv_files.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

from core.messages import Message, Pair, register
from etl.mappings import Column
from etl.messages import Said, both

HEADER_SCAN_ROWS = 12
# Big files are read, checked and staged a chunk at a time so memory stays flat at 10^7 rows:
# a UTF-8 CSV file CHUNK_ROWS rows at a time by Polars' streaming reader; an uploaded or
# GB18030 CSV in pieces of about CHUNK_BYTES (cut at line ends); a sheet in CHUNK_ROWS rows.
CHUNK_BYTES = int(os.environ.get("UNION_DASH_CHUNK_BYTES", 128 * 2**20))
CHUNK_ROWS = 1_000_000


class FileError(Said):
    """Nothing of this file (or sheet) can be loaded; the reason, a catalogue message."""


class MissingColumns(FileError):
    """The kind is recognised but required columns are absent: data lost, not a notes sheet."""


@dataclass
class Chunk:
    """Rows of a sheet as text: the columns asked for (c0, c1, ... by position), and all
    columns of the same rows on demand (only rows with an empty cell are looked at whole,
    for 合计 and signature lines: a CSV cut in pieces has its other columns read again)."""

    cells: pl.DataFrame
    every: Callable[[], pl.DataFrame]


@dataclass
class RawSheet:
    """The cells of one sheet (a CSV is one sheet named None) before the header is known."""

    name: str | None
    head: list[list[str | None]]  # the first rows, for finding the header
    # (header row index, positions of the columns wanted) → the rows below it, a chunk at a time
    chunks: Callable[[int, Sequence[int]], Iterator[Chunk]]
    numeric: Callable[[int, int], pl.Series] | None = None  # (header row, column) → number cell?
    hidden: bool = False  # a hidden Excel sheet: never loaded, said in the report if it has data
    hidden_rows: frozenset[int] = frozenset()  # Excel numbers of rows hidden in a visible sheet


@dataclass
class Sheet:
    """One sheet with its kind known: data rows under canonical column names, as text."""

    name: str | None
    kind: str
    columns: dict[str, Column]  # canonical name → column definition
    headers: dict[str, str]  # canonical name → header as typed in the file
    data: pl.DataFrame  # canonical columns (text) + `_row`, the Excel row number
    totals: dict[str, str] = field(default_factory=dict)  # canonical → value in the 合计 row
    totals_row: int | None = None
    unmatched: list[str] = field(default_factory=list)  # headers neither used nor dropped
    header_row: int = 0  # index of the header among the sheet's rows
    positions: dict[str, int] = field(default_factory=dict)  # canonical name → column index
    # Lines below (or between) the data that are not data: the 合计 row, signature lines and
    # footnotes (注：…, 说明：…), as (row, what: total | signature | note, text), for the report.
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


# What a skipped line was (total, signature, note: the load report's what_zh, what_en),
# and a terminal's line about it.
register("etl.skipped", {
    "total": ("合计行", "totals row"), "signature": ("签名行", "signature line"),
    "note": ("表注说明", "note"),
    "line": ("未作为数据：{where}第 {row} 行（{what}）{text}", "not data: {where}row {row} ({what}){text}"),
    "more": ("另有 {n} 行未作为数据", "{n} more lines not data"),
})
SKIPPED_SHOWN = 20  # lines of one file a terminal shows; the upload page lists all


def skipped_frame(lines: list[tuple[str, str | None, int, str, str]]) -> pl.DataFrame:
    """(file, sheet, row, what, text) → a frame with `what` in both languages."""
    return pl.DataFrame(
        [(f, s, r, *both(Message(f"etl.skipped.{w}")), t) for f, s, r, w, t in lines],
        orient="row",
        schema={"file": pl.String, "sheet": pl.String, "row": pl.Int64, "what_zh": pl.String,
                "what_en": pl.String, "text": pl.String})


def skipped_lines(lines: list[tuple[str | None, int, str, str]]) -> list[Message]:
    """One message per skipped line of a file (sheet, row, what, text), at most
    SKIPPED_SHOWN and then how many more (a terminal's; the upload page lists all)."""
    # the English line leaves the line's (Chinese) text out
    out = [Message("etl.skipped.line", {"where": f"{sheet} " if sheet else "", "row": row,
                                        "what": Message(f"etl.skipped.{what}"),
                                        "text": Pair(f"“{text}”", "")})
           for sheet, row, what, text in lines[:SKIPPED_SHOWN]]
    if len(lines) > SKIPPED_SHOWN:
        out.append(Message("etl.skipped.more", {"n": len(lines) - SKIPPED_SHOWN}))
    return out
