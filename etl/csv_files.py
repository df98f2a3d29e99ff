"""CSV station files: UTF-8 (with or without BOM) or GB18030/GBK, read a chunk at a time.

A UTF-8 file on disk is streamed by Polars CHUNK_ROWS rows at a time; an upload or a GB18030
file is cut into pieces of about CHUNK_BYTES at line ends outside quotes. Only the columns a
kind uses are parsed; the other cells are read again only for rows that may be a 合计 or
signature line.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.messages import Message, register
from etl import sheets
from etl.headers import HEADER_SCAN_ROWS
from etl.sheets import Chunk, FileError, RawSheet


def _decode_head(data: bytes) -> tuple[str, str]:
    """(encoding for Polars, decoded first 64 KB); UTF-8 first, else GB18030 (superset of GBK)."""
    head = data[:65536]
    try:
        return "utf8", codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    try:
        return "gb18030", codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError:
        raise FileError("etl.csv.encoding") from None


def csv_sheet(data: bytes | Path, start: bytes) -> RawSheet:
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    # Excel for Mac's 'CSV (Macintosh)' ends lines with a carriage return alone: read as line
    # feeds, a piece at a time (pieces), never by Polars' streaming reader
    mac = b"\r" in start and b"\n" not in start
    start = start.replace(b"\r", b"\n") if mac else start
    encoding, text = _decode_head(start[bom:])
    # a carriage return alone inside a cell ends no line for Polars, nor here (the csv module
    # raised 'new-line character seen in unquoted field')
    reader = csv.reader(io.StringIO(re.sub(r"\r(?!\n)", " ", text)))
    head, line_starts = [], []
    for row in reader:
        line_starts.append(reader.line_num - _physical_lines(row))
        head.append([c or None for c in row])
        if len(head) == HEADER_SCAN_ROWS:
            break

    def chunks(header: int, positions: Sequence[int]) -> Iterator[Chunk]:
        try:
            yield from read(header, positions)
        except FileError as e:
            raise explained(e) from None

    def explained(e: FileError) -> FileError:
        """Polars' words for a misplaced quote replaced by where it is and what to do."""
        if e.message.key == "etl.csv.unreadable" and (said := misquoted(data, encoding)):
            return FileError(said)
        return e

    def whole(piece: bytes, encoding: str, schema: dict) -> pl.DataFrame:
        """Every column of a piece: the cells past those wanted are parsed here first."""
        try:
            return _read_csv(piece, encoding, schema, False).cells
        except FileError as e:
            raise explained(e) from None

    def read(header: int, positions: Sequence[int]) -> Iterator[Chunk]:
        schema = {f"c{i}": pl.String for i in range(len(head[header]))}
        # The data start after the header's last physical line (a cell may hold line breaks).
        skip = line_starts[header] + _physical_lines([c or "" for c in head[header]])
        if encoding == "utf8" and isinstance(data, Path) and not mac:
            streamed = _streamed(data, skip, schema, positions)
            if (first_chunk := next(streamed, None)) is not None:
                yield first_chunk
                yield from streamed
                return
        offset = bom + _line_offset(start[bom:], skip)
        piece_encoding, first = encoding, True
        for piece in pieces(data, offset, mac=mac):
            # Only the columns wanted: names, notes and serial numbers are a third of a
            # roster's cells (10^7 rows: ~0.4 s less)
            read = _read_csv(piece, piece_encoding, schema, first, positions)
            piece_encoding, first = read.encoding, False
            yield Chunk(read.cells, lambda piece=piece, encoding=piece_encoding:
                        whole(piece, encoding, schema))
    return RawSheet(None, head, chunks)


def _streamed(path: Path, skip_lines: int, schema: dict,
              positions: Sequence[int]) -> Iterator[Chunk]:
    """A UTF-8 CSV file's rows sheets.CHUNK_ROWS at a time, read by Polars' streaming engine. Nothing
    when its bytes turn out not to be UTF-8 before the first chunk (then GB18030)."""
    # Cells past the header's last column (a note typed beside a row) are passed over;
    # truncate_ragged_lines alone fails a file whose first row has one (Polars' English).
    frame = pl.scan_csv(path, has_header=False, schema=schema, skip_lines=skip_lines,
                        truncate_ragged_lines=True, extra_columns="ignore")
    wanted = [f"c{p}" for p in positions]
    given = False
    try:
        for batch in frame.collect_batches(chunk_size=sheets.CHUNK_ROWS):
            given = True
            yield Chunk(batch.select(wanted), lambda batch=batch: batch)
    except pl.exceptions.PolarsError as e:
        if not _utf8_error(e):
            raise _unreadable(e) from None
        if given:
            raise FileError("etl.csv.mixed") from None


def misquoted(data: bytes | Path, encoding: str) -> Message | None:
    """What is wrong with a file's quotes, naming the line (1-based, as a text editor and,
    without line breaks in cells, Excel number them), or None: a quote no later quote closes
    (the rest of the file is one cell; a quote byte is never part of a multi-byte UTF-8 or
    GB18030 character), else the first cell with text after its closing quote ("红旗"厂)."""
    opened = None
    with _binary(data) as source:
        for number, line in enumerate(source, 1):
            if line.count(b'"') % 2:
                opened = None if opened else number
    if opened:
        return Message("etl.csv.quote", {"row": opened})
    with _binary(data) as source:
        text = io.TextIOWrapper(source, "utf-8-sig" if encoding == "utf8" else encoding,
                                errors="replace", newline="")
        reader = csv.reader(text, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error:
            return Message("etl.csv.quote_text", {"row": reader.line_num})
    return None


def _binary(data: bytes | Path) -> io.BufferedIOBase:
    return io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115


def _line_offset(data: bytes, lines: int) -> int:
    """Byte offset of the start of physical line `lines` (0-based)."""
    offset = 0
    for _ in range(lines):
        nl = data.find(b"\n", offset)
        if nl < 0:
            return len(data)
        offset = nl + 1
    return offset


def pieces(data: bytes | Path, offset: int, *, mac: bool = False) -> Iterator[bytes]:
    """The CSV from `offset` in pieces of about sheets.CHUNK_BYTES, each ending at a line end outside
    quotes (an even number of quote characters before it), so no record is split. A line
    feed byte never occurs inside a multi-byte UTF-8 or GB18030 character.

    Read into one reused buffer: a fresh 128 MB `bytes` per read costs more in page faults
    than the read itself (10^7 rows: 2.0 s against 0.6 s). `mac`: lines end with a carriage
    return alone, each read as a line feed."""
    source = io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115
    with source:
        size = source.seek(0, os.SEEK_END) - offset
        source.seek(offset)
        buf = bytearray(max(min(sheets.CHUNK_BYTES, size + 1), 1))  # a small file, a small buffer
        held, yielded = 0, False
        while True:
            with memoryview(buf) as view:
                got = source.readinto(view[held:])
            if mac:
                buf[held:held + got] = buf[held:held + got].replace(b"\r", b"\n")
            held += got
            if not got:
                break
            if held < len(buf):
                continue
            cut = _cut(buf, held, held)
            if cut is None:  # one record longer than the buffer
                buf.extend(bytes(len(buf)))
                continue
            with memoryview(buf) as view:
                piece = bytes(view[:cut])
            buf[:held - cut] = buf[cut:held]
            held -= cut
            yielded = True
            yield piece
        with memoryview(buf) as view:
            rest = bytes(view[:held])
    if rest.strip() or not yielded:
        yield rest


def _cut(data: bytes | bytearray, near: int, end: int | None = None) -> int | None:
    """The end of the last complete record at or before `near` (or after it, up to `end`,
    when one record is longer), or None when `data[:end]` holds no complete record yet."""
    end = len(data) if end is None else end
    if data.find(b'"', 0, end) < 0:  # no quotes (most files): any line end is a record end
        nl = data.rfind(b"\n", 0, near)
        nl = data.find(b"\n", near, end) if nl < 0 else nl
        return None if nl < 0 else nl + 1
    # The quotes before each line end are counted from the last line end's, not from the
    # start: a stray quote near the top (他说"好) leaves every later line end inside quotes,
    # and counting from the start for each of them took minutes for a few MB (quadratic).
    before = data.count(b'"', 0, near) % 2
    odd, after = before, near
    nl = data.rfind(b"\n", 0, near)
    while nl >= 0:
        odd ^= data.count(b'"', nl, after) % 2  # the quotes before `nl`
        if not odd:
            return nl + 1
        after, nl = nl, data.rfind(b"\n", 0, nl)
    odd, start = before, near
    nl = data.find(b"\n", near, end)
    while nl >= 0:
        odd ^= data.count(b'"', start, nl) % 2
        if not odd:
            return nl + 1
        start, nl = nl, data.find(b"\n", nl + 1, end)
    return None


def _physical_lines(row: list[str]) -> int:
    return 1 + sum(cell.count("\n") for cell in row)


@dataclass
class _Read:
    cells: pl.DataFrame
    encoding: str


def _read_csv(data: bytes, encoding: str, schema: dict, first: bool,
              positions: Sequence[int] | None = None) -> _Read:
    """The cells of a piece as text (the columns at `positions`, else all). An encoding error
    anywhere fails the file, never a silent empty load; valid UTF-8 in the first 64 KB but
    not in the first piece means GB18030."""
    read = functools.partial(pl.read_csv, has_header=False, schema=schema,  # see _streamed
                             columns=None if positions is None else list(positions),
                             truncate_ragged_lines=True, extra_columns="ignore")
    try:
        if encoding == "utf8":
            try:
                return _Read(read(data), "utf8")
            except pl.exceptions.ComputeError as e:
                if not _utf8_error(e):
                    raise
            if not first:
                raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "mixed encodings")
            encoding = "gb18030"
        return _Read(read(data.decode(encoding).encode()), encoding)
    except UnicodeDecodeError:
        raise FileError("etl.csv.mixed") from None
    except pl.exceptions.NoDataError:
        wanted = schema if positions is None else {f"c{p}": pl.String for p in positions}
        return _Read(pl.DataFrame(schema=wanted), encoding)
    except pl.exceptions.PolarsError as e:
        raise _unreadable(e) from None


def _utf8_error(e: Exception) -> bool:
    return "utf-8" in str(e).lower() or "utf8" in str(e).lower()


register("etl.csv", {
    "encoding": ("CSV 文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）；请在 Excel 中另存为“CSV UTF-8”",
                 "The CSV file's encoding is neither UTF-8 nor GBK/GB18030; save it from Excel "
                 "as 'CSV UTF-8'"),
    "mixed": ("CSV 文件中有无法解码的字符（编码混杂）；请在 Excel 中另存为“CSV UTF-8”",
              "The CSV file has bytes that cannot be decoded (mixed encodings); save it from "
              "Excel as 'CSV UTF-8'"),
    "unreadable": ("CSV 文件无法读取（{why}）；请检查是否为逗号分隔的表格",
                   "The CSV file cannot be read ({why}); check it is comma-separated"),
    "quote": ('CSV 文件第 {row} 行有一个英文引号（"）没有配对，其后的内容都被读成了一个单元格；'
              "请删除该引号或改用中文引号（“”），再上传",
              'Row {row} of the CSV file has a quote (") that is never closed, so everything '
              "after it reads as one cell; delete it or use Chinese quotes (“”), and upload "
              "again"),
    "quote_text": ('CSV 文件第 {row} 行有单元格以英文引号（"）括起的文字开头、引号后还有文字'
                   '（如 "红旗"机械厂），无法读取；请删除这对引号或改用中文引号（“”），再上传',
                   'Row {row} of the CSV file has a cell that starts with a quoted word and goes '
                   'on after the closing quote (like "红旗"机械厂), which cannot be read; delete '
                   "those quotes or use Chinese quotes (“”), and upload again"),
})


def _unreadable(e: Exception) -> FileError:
    return FileError("etl.csv.unreadable", why=str(e))
