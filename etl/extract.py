"""Station files → sheets of raw text cells with their header row found and kind recognised.

A file is .xlsx/.xls (one sheet per month or campaign; hidden and empty sheets skipped) or
.csv in UTF-8, UTF-8 with BOM or GB18030/GBK. Above the header there may be title rows and a
unit/date line; below the data a totals row (合计) and signature lines. The header row is the
row among the first few that best matches one kind's headers (etl/mappings/columns.csv).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import fastexcel
import polars as pl

from etl import mappings
from etl.mappings import Column

HEADER_SCAN_ROWS = 12
# Big files are read, checked and staged a chunk at a time so memory stays flat at 10^7 rows:
# a UTF-8 CSV file CHUNK_ROWS rows at a time by Polars' streaming reader; an uploaded or
# GB18030 CSV in pieces of about CHUNK_BYTES (cut at line ends); a sheet in CHUNK_ROWS rows.
CHUNK_BYTES = int(os.environ.get("UNION_DASH_CHUNK_BYTES", 128 * 2**20))
CHUNK_ROWS = 1_000_000
# Recognised, then dropped: names and contact details are never stored.
DROPPED_HEADERS = {
    mappings.normalise_header(h) for h in (
        "序号", "姓名", "职工姓名", "工作单位", "单位", "所在单位", "联系电话", "电话", "手机号码",
        "联系方式", "备注", "家庭人口", "家庭人口数", "月人均收入", "家庭月人均收入", "家庭住址",
        "住址", "领取人签字", "签字", "签名", "本人签字")
}
_TOTAL_WORDS = ("合计", "总计", "小计", "共计")
_SIGNATURE = re.compile(
    r"^(经办人|审核人|负责人|制表人|填表人|填报人|复核人|单位负责人|主管领导|审批人|"
    r"制表|审核|填表|填报单位|填报日期|制表日期)\s*[:：]?")


class FileError(Exception):
    """Nothing of this file (or sheet) can be loaded; the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


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


# ---------------------------------------------------------------- reading files


def read_file(name: str, data: bytes | Path) -> list[RawSheet]:
    """The sheets of a file from its bytes or its path, recognised by content (zip/OLE =
    Excel) and name. From a path, a CSV is read a chunk at a time, never whole."""
    start = data[:65536] if isinstance(data, bytes) else _start_of(data)
    if not start.strip():
        raise FileError("文件是空的；请重新导出后再上传", "The file is empty; export it again")
    if start[:4] == b"PK\x03\x04" or start[:4] == b"\xd0\xcf\x11\xe0":
        return _excel_sheets(data if isinstance(data, bytes) else str(data))
    if name.lower().endswith((".csv", ".txt")):
        return [_csv_sheet(data, start)]
    raise FileError(
        f"不支持的文件类型“{name}”；请上传 Excel（.xlsx）或 CSV 文件",
        f"Unsupported file type '{name}'; upload an Excel (.xlsx) or CSV file")


def _start_of(path: Path) -> bytes:
    """The first 64 KB, or more while they are only blanks (an "empty" file of spaces)."""
    with open(path, "rb") as f:
        start = f.read(65536)
        while start and not start.strip():
            more = f.read(65536)
            if not more:
                break
            start = more
    return start


def _excel_sheets(data: bytes | str) -> list[RawSheet]:
    try:
        reader = fastexcel.read_excel(data)
    except Exception as e:  # calamine reports damaged workbooks with many exception types
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise FileError(f"Excel 文件无法打开（{why}）；请在 Excel 中另存为 .xlsx 后重试",
                        f"The Excel file cannot be opened ({why}); save it again as .xlsx",
                        ) from None
    sheets = []
    for sheet_name in reader.sheet_names:
        sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
        if sheet.visible != "visible" or sheet.height == 0:
            continue
        grid = sheet.to_polars()
        grid.columns = [f"c{i}" for i in range(grid.width)]
        sheets.append(RawSheet(sheet_name, _head_rows(grid), _slicer(grid),
                               _numeric_cells(reader, sheet_name)))
    return sheets


def _slicer(grid: pl.DataFrame) -> Callable[[int, Sequence[int]], Iterator[Chunk]]:
    def chunks(header: int, positions: Sequence[int]) -> Iterator[Chunk]:
        for offset in range(header + 1, max(grid.height, header + 2), CHUNK_ROWS):
            rows = grid.slice(offset, CHUNK_ROWS)
            yield Chunk(rows.select([f"c{p}" for p in positions]), lambda rows=rows: rows)
    return chunks


def _head_rows(grid: pl.DataFrame) -> list[list[str | None]]:
    return [list(r) for r in grid.head(HEADER_SCAN_ROWS).iter_rows()]


def _numeric_cells(reader: fastexcel.ExcelReader, sheet_name: str):
    """Which cells of a column hold numbers (not text): an ID typed as a number lost digits."""
    def numeric(header: int, column: int) -> pl.Series:
        name = f"__UNNAMED__{column}"
        mask = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, use_columns=[name],
                                 dtypes={name: "boolean"}).to_polars().to_series()
        return mask.slice(header).is_not_null()
    return numeric


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
        raise FileError(
            "CSV 文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）；请在 Excel 中另存为“CSV UTF-8”",
            "The CSV file's encoding is neither UTF-8 nor GBK/GB18030; save it from Excel "
            "as 'CSV UTF-8'") from None


def _csv_sheet(data: bytes | Path, start: bytes) -> RawSheet:
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    encoding, text = _decode_head(start[bom:])
    reader = csv.reader(io.StringIO(text))
    head, line_starts = [], []
    for row in reader:
        line_starts.append(reader.line_num - _physical_lines(row))
        head.append([c or None for c in row])
        if len(head) == HEADER_SCAN_ROWS:
            break

    def chunks(header: int, positions: Sequence[int]) -> Iterator[Chunk]:
        schema = {f"c{i}": pl.String for i in range(len(head[header]))}
        # The data start after the header's last physical line (a cell may hold line breaks).
        skip = line_starts[header] + _physical_lines([c or "" for c in head[header]])
        if encoding == "utf8" and isinstance(data, Path):
            streamed = _streamed(data, skip, schema, positions)
            if (first_chunk := next(streamed, None)) is not None:
                yield first_chunk
                yield from streamed
                return
        offset = bom + _line_offset(start[bom:], skip)
        piece_encoding, first = encoding, True
        for piece in _pieces(data, offset):
            # Only the columns wanted: names, notes and serial numbers are a third of a
            # roster's cells (10^7 rows: ~0.4 s less)
            read = _read_csv(piece, piece_encoding, schema, first, positions)
            piece_encoding, first = read.encoding, False
            yield Chunk(read.cells, lambda piece=piece, encoding=piece_encoding:
                        _read_csv(piece, encoding, schema, False).cells)
    return RawSheet(None, head, chunks)


def _streamed(path: Path, skip_lines: int, schema: dict,
              positions: Sequence[int]) -> Iterator[Chunk]:
    """A UTF-8 CSV file's rows CHUNK_ROWS at a time, read by Polars' streaming engine. Nothing
    when its bytes turn out not to be UTF-8 before the first chunk (then GB18030)."""
    frame = pl.scan_csv(path, has_header=False, schema=schema, skip_lines=skip_lines,
                        truncate_ragged_lines=True)
    wanted = [f"c{p}" for p in positions]
    given = False
    try:
        for batch in frame.collect_batches(chunk_size=CHUNK_ROWS):
            given = True
            yield Chunk(batch.select(wanted), lambda batch=batch: batch)
    except pl.exceptions.PolarsError as e:
        if not _utf8_error(e):
            raise _unreadable(e) from None
        if given:
            raise FileError(*_MIXED) from None


def _line_offset(data: bytes, lines: int) -> int:
    """Byte offset of the start of physical line `lines` (0-based)."""
    offset = 0
    for _ in range(lines):
        nl = data.find(b"\n", offset)
        if nl < 0:
            return len(data)
        offset = nl + 1
    return offset


def _pieces(data: bytes | Path, offset: int) -> Iterator[bytes]:
    """The CSV from `offset` in pieces of about CHUNK_BYTES, each ending at a line end outside
    quotes (an even number of quote characters before it), so no record is split. A line
    feed byte never occurs inside a multi-byte UTF-8 or GB18030 character.

    Read into one reused buffer: a fresh 128 MB `bytes` per read costs more in page faults
    than the read itself (10^7 rows: 2.0 s against 0.6 s)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115
    with source:
        size = source.seek(0, os.SEEK_END) - offset
        source.seek(offset)
        buf = bytearray(max(min(CHUNK_BYTES, size + 1), 1))  # a small file, a small buffer
        held, yielded = 0, False
        while True:
            with memoryview(buf) as view:
                got = source.readinto(view[held:])
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
    nl = data.rfind(b"\n", 0, near)
    while nl >= 0 and data.count(b'"', 0, nl) % 2:
        nl = data.rfind(b"\n", 0, nl)
    if nl >= 0:
        return nl + 1
    nl = data.find(b"\n", near, end)
    while nl >= 0 and data.count(b'"', 0, nl) % 2:
        nl = data.find(b"\n", nl + 1, end)
    return None if nl < 0 else nl + 1


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
    read = functools.partial(pl.read_csv, has_header=False, schema=schema,
                             columns=None if positions is None else list(positions),
                             truncate_ragged_lines=True)
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
        raise FileError(*_MIXED) from None
    except pl.exceptions.NoDataError:
        wanted = schema if positions is None else {f"c{p}": pl.String for p in positions}
        return _Read(pl.DataFrame(schema=wanted), encoding)
    except pl.exceptions.PolarsError as e:
        raise _unreadable(e) from None


def _utf8_error(e: Exception) -> bool:
    return "utf-8" in str(e).lower() or "utf8" in str(e).lower()


_MIXED = ("CSV 文件中有无法解码的字符（编码混杂）；请在 Excel 中另存为“CSV UTF-8”",
          "The CSV file has bytes that cannot be decoded (mixed encodings); save it from "
          "Excel as 'CSV UTF-8'")


def _unreadable(e: Exception) -> FileError:
    return FileError(f"CSV 文件无法读取（{e}）；请检查是否为逗号分隔的表格",
                     f"The CSV file cannot be read ({e}); check it is comma-separated")


# ---------------------------------------------------------------- recognising the header


def header_key(cell: object) -> str:
    return mappings.normalise_header(cell).strip("*:：") if cell is not None else ""


@functools.cache
def _without_unit(key: str) -> str:
    """慰问金额（元） → 慰问金额: a unit in brackets is a variant, not another column."""
    return re.sub(r"（[^）]*）$", "", key)


@functools.cache
def _unitless_headers(col: Column) -> frozenset[str]:
    return frozenset(_without_unit(h) for h in col.headers)


def _header_matches(key: str, col: Column) -> bool:
    # cached: a header row is matched against every column of every kind
    return bool(key) and (key in col.headers or _without_unit(key) in _unitless_headers(col))


@dataclass(frozen=True)
class HeaderMatch:
    row: int
    kind: str
    columns: dict[int, Column]  # position in the row → column of the kind
    dropped: int  # recognised-and-dropped headers (序号, 姓名, ...)

    @property
    def score(self) -> tuple[int, float]:
        share = len(self.columns) / len(mappings.columns(self.kind))
        return len(self.columns) + self.dropped, share


def match_row(row: list[str | None], index: int) -> HeaderMatch | None:
    """The kind whose headers this row matches best, or None if it matches none."""
    keys = [header_key(c) for c in row]
    dropped = sum(k in DROPPED_HEADERS for k in keys)
    best = None
    for kind in mappings.kinds():
        found: dict[int, Column] = {}
        for col in mappings.columns(kind):
            pos = next((i for i, k in enumerate(keys)
                        if i not in found and _header_matches(k, col)), None)
            if pos is not None:
                found[pos] = col
        if len(found) >= 2:
            match = HeaderMatch(index, kind, found, dropped)
            if best is None or match.score > best.score:
                best = match
    return best


def find_header(head: list[list[str | None]]) -> HeaderMatch | None:
    matches = [m for i, row in enumerate(head) if (m := match_row(row, i))]
    return max(matches, key=lambda m: m.score, default=None)


# ---------------------------------------------------------------- sheets with their kind


def recognise(raw: RawSheet) -> Sheet:
    """The header row, kind and data rows of a sheet; FileError if no kind matches."""
    sheet = identify(raw)
    parts = list(sheet_chunks(raw, sheet))
    totalled = next((p for p in parts if p.totals_row is not None), parts[0])
    sheet.data = pl.concat([p.data for p in parts])
    sheet.totals, sheet.totals_row = totalled.totals, totalled.totals_row
    return sheet


def identify(raw: RawSheet) -> Sheet:
    """Kind, columns and headers of a sheet from its first rows, without its data (empty);
    FileError if no kind matches or required columns are missing."""
    match = find_header(raw.head)
    if match is None:
        raise FileError(
            "未能识别表头：前几行中找不到已知报表的列名（如 身份证号码、帮扶类型、金额）；"
            "请使用标准模板的列名",
            "No header row recognised: the first rows have none of the known column names "
            "(e.g. 身份证号码, 帮扶类型, 金额); use the standard template's headers")
    header_cells = raw.head[match.row]
    headers = {col.name: str(header_cells[pos]).strip() for pos, col in match.columns.items()}
    _require(match.kind, headers)
    unmatched = [str(h).strip() for i, h in enumerate(header_cells)
                 if h and i not in match.columns and header_key(h) not in DROPPED_HEADERS]
    columns = {col.name: col for col in match.columns.values()}
    data = pl.DataFrame(schema={"_row": pl.UInt32, **dict.fromkeys(columns, pl.String)})
    return Sheet(raw.name, match.kind, columns, headers, data, unmatched=unmatched,
                 header_row=match.row, positions={c.name: p for p, c in match.columns.items()})


def sheet_chunks(raw: RawSheet, sheet: Sheet) -> Iterator[Sheet]:
    """The identified sheet's data rows, a chunk at a time (each a Sheet with that chunk as
    `data` and the 合计 row if the chunk holds it); `_row` counts on across chunks."""
    names = {f"c{pos}": name for name, pos in sheet.positions.items()}
    numeric = _lost_digits(raw, sheet)
    done = 0
    for chunk in raw.chunks(sheet.header_row, list(sheet.positions.values())):
        height, first = chunk.cells.height, sheet.header_row + 2 + done
        cells = chunk.cells.with_row_index("_row", offset=first)
        for name, mask in numeric.items():
            cells = _numbers_to_display(cells, name, mask.slice(done, height))
        data, totals, totals_row = _split_rows(
            cells, names, lambda chunk=chunk, first=first:
            chunk.every().with_row_index("_row", offset=first))
        yield Sheet(sheet.name, sheet.kind, sheet.columns, sheet.headers, data, totals,
                    totals_row, sheet.unmatched, sheet.header_row, sheet.positions)
        done += height


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of `items`, the next one made in a thread while the caller works on this
    one: reading and splitting a chunk overlaps checking the one before (Polars and file
    reads release the GIL; with two cores, one was often idle). An exception in the thread
    is raised here; closing this generator stops the thread."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put((_END, None))
        except BaseException as e:  # handed to the caller's thread
            ready.put((None, e))

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            ready.get_nowait()
        worker.join()


_END = object()
T = TypeVar("T")


def _require(kind: str, headers: dict[str, str]) -> None:
    missing = [c for c in mappings.columns(kind) if c.required and c.name not in headers]
    if missing:
        want = "、".join(c.headers[0] for c in missing)
        want_en = ", ".join(c.headers[0] for c in missing)
        name = mappings.kinds()[kind]
        raise MissingColumns(
            f"识别为“{name.name_zh}”，但缺少必填列：{want}；请补上这些列后重新上传",
            f"Recognised as a {name.name_en}, but required columns are missing: {want_en}; "
            "add them and upload again")


def _lost_digits(raw: RawSheet, sheet: Sheet) -> dict[str, pl.Series]:
    """For each ID column: which cells below the header Excel holds as numbers."""
    if raw.numeric is None:
        return {}
    return {f"c{pos}": raw.numeric(sheet.header_row, pos).slice(1)
            for name, pos in sheet.positions.items() if sheet.columns[name].type == "id"}


def _numbers_to_display(cells: pl.DataFrame, name: str, numeric: pl.Series) -> pl.DataFrame:
    """ID cells that Excel holds as numbers are shown as Excel shows them (1.50702E+17) when
    they have more digits than a number keeps, so validation rejects them instead of trusting
    digits that were rounded away."""
    lost = numeric.extend_constant(False, max(cells.height - numeric.len(), 0)).head(
        cells.height) & cells[name].str.contains(r"^\d{16,}$")
    if lost.any():
        where = lost.arg_true()
        shown = [f"{float(v):.5E}" for v in cells[name].gather(where).to_list()]
        cells = cells.with_columns(cells[name].scatter(where, shown))
    return cells


def _split_rows(cells: pl.DataFrame, names: dict[str, str],
                every: Callable[[], pl.DataFrame]):
    """Data rows (mapped columns, renamed, stripped) apart from empty rows, the 合计 row and
    signature lines. Only rows with an empty mapped cell can be those: keeps big files fast.
    `every` gives all columns of the rows (with `_row`), looked at for those rows only."""
    cells = _stripped(cells, list(names))
    data = cells.select("_row", *[pl.col(c).alias(n) for c, n in names.items()])
    suspects = cells.filter(pl.any_horizontal([pl.col(c).is_null() for c in names]))
    if suspects.is_empty():
        return data, {}, None
    whole = every().filter(pl.col("_row").is_in(suspects["_row"].implode()))
    text = [pl.col(c).str.replace_all(r"\s", "") for c in whole.columns if c != "_row"]
    flags = whole.select(
        "_row",
        _empty=pl.all_horizontal([t.is_null() | (t == "") for t in text]),
        _total=pl.any_horizontal([t.str.starts_with(w) for t in text for w in _TOTAL_WORDS])
        .fill_null(False),
        _sign=pl.any_horizontal([t.str.contains(_SIGNATURE.pattern) for t in text])
        .fill_null(False))
    totals, totals_row = {}, None
    total_rows = flags.filter(pl.col("_total"))["_row"]
    if total_rows.len():
        totals_row = total_rows[0]
        first = suspects.filter(pl.col("_row") == totals_row).row(0, named=True)
        totals = {n: first[c] for c, n in names.items() if first[c] is not None}
    drop = flags.filter(pl.col("_empty") | pl.col("_total") | pl.col("_sign"))["_row"]
    if drop.len():  # (only suspects are dropped; most chunks drop nothing: no copy then)
        data = data.filter(~pl.col("_row").is_in(drop.implode()))
    return data, totals, totals_row


def _stripped(cells: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The columns without surrounding white space, a cell of white space only being empty
    (NULL, as the CSV reader gives an empty cell). Few columns ever hold such a cell, so
    they are found first (a length check) and only those are compared with "": half the
    cost of doing both to every column (10^7 rows: ~1 s of CPU)."""
    cells = cells.with_columns(pl.col(c).str.strip_chars() for c in columns)
    blank = cells.select((pl.col(c).str.len_bytes() == 0).any() for c in columns).row(0)
    return cells.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
                              for c, any_blank in zip(columns, blank, strict=True) if any_blank)
