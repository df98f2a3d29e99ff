"""Station files → sheets of raw text cells with their header row found and kind recognised.

A file is .xlsx/.xls (one sheet per month or campaign; hidden and empty sheets skipped, a
hidden one that holds a table said in the report) or .csv in UTF-8, UTF-8 with BOM or
GB18030/GBK. Above the header there may be title rows and a unit/date line; below the data a
totals row (合计) and signature lines. The header row is the row among the first few that best
matches one kind's headers (etl/mappings/columns.csv), or two rows read as one (a group title
over sub-headers): `Sheet.header_row` is then the lower one, so the data, their row numbers and
the number-cell masks start below it as for one row.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import fastexcel
import polars as pl

from core.messages import Message, Pair, register
from etl import csv_files, formulas, headers, mappings, sheets, xlsx_scan
from etl.headers import DROPPED_HEADERS, find_header, header_key
from etl.headers import header_cells as header_cells_of  # `headers` is a local in identify
from etl.messages import joined, listed
from etl.sheets import Chunk, FileError, MissingColumns, RawSheet, Sheet

_TOTAL_WORDS = ("合计", "总计", "小计", "共计")
_SUBTOTAL = "小计"  # a part's total (one station's, one month's), not the whole sheet's
_SIGNATURE = re.compile(
    r"^(经办人|审核人|负责人|制表人|填表人|填报人|复核人|单位负责人|主管领导|审批人|"
    r"制表|审核|填表|填报单位|填报日期|制表日期)\s*[:：]?")
# A footnote below the table (on text without white space): 注：… 说明：… 备注：… 注1： 附注
# 填表说明, alone in its row (the rest empty or the same text merged across). Rows of one
# cell that follow it (说明：1. … then 2. …, 3. …) are the same note.
_NOTE = (r"^[*＊※]?(?:(?:注|说明|备注|附注|注意事项)[0-9０-９一二三四五六七八九十]*[:：]"
         r"|填表说明|填报说明|编制说明|附注|(?:注|说明|备注)$)")


# ---------------------------------------------------------------- reading files


def read_file(name: str, data: bytes | Path) -> list[RawSheet]:
    """The sheets of a file from its bytes or its path, recognised by content (zip/OLE =
    Excel) and name. From a path, a CSV is read a chunk at a time, never whole."""
    start = data[:65536] if isinstance(data, bytes) else _start_of(data)
    if not start.strip():
        raise FileError("etl.extract.empty")
    if start[:4] == b"PK\x03\x04" or start[:4] == b"\xd0\xcf\x11\xe0":
        return _excel_sheets(data if isinstance(data, bytes) else str(data))
    if name.lower().endswith((".csv", ".txt")):
        return [csv_files.csv_sheet(data, start)]
    raise FileError("etl.extract.file_type", name=name)


register("etl.extract", {
    "empty": ("文件是空的；请重新导出后再上传", "The file is empty; export it again"),
    "file_type": ("不支持的文件类型“{name}”；请上传 Excel（.xlsx）或 CSV 文件",
                  "Unsupported file type '{name}'; upload an Excel (.xlsx) or CSV file"),
    "excel": ("Excel 文件无法打开（{why}）；请在 Excel 中另存为 .xlsx 后重试",
              "The Excel file cannot be opened ({why}); save it again as .xlsx"),
    "no_header": ("未能识别表头：前几行中找不到已知报表的列名（如 身份证号码、帮扶类型、金额）；"
                  "请使用标准模板的列名",
                  "No header row recognised: the first rows have none of the known column names "
                  "(e.g. 身份证号码, 帮扶类型, 金额); use the standard template's headers"),
    "missing_columns": ("识别为“{kind}”，但缺少必填列：{want}。表头中的列：{found}；"
                        "请补上这些列或改用可用的列名后重新上传",
                        "Recognised as a {kind}, but required columns are missing: {want}. "
                        "The header row has: {found}; add them or use an accepted name, and "
                        "upload again"),
    "missing_column": ("{header}（可用列名：{accepted}{county}）",
                       "{header} ({name}; accepted headers: {accepted}{county})"),
    # the county column is also accepted in any region's words (core/vocabulary.py)
    "county_note": ("，或“所属”加县级名称，如 所属区（市）县、所属县（市、区）、所属区",
                    ", or 所属 with the county-level word, e.g. 所属区（市）县, 所属县（市、区）, 所属区"),
})


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
    scanned = xlsx_scan.scan(data)  # before calamine expands a sheet: a zip bomb is refused
    try:
        reader = fastexcel.read_excel(data)
    except Exception as e:  # calamine reports damaged workbooks with many exception types
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise FileError("etl.extract.excel", why=why) from None
    sheets, grids = [], {}
    for sheet_name in reader.sheet_names:
        sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
        if sheet.height == 0:
            continue
        grid = sheet.to_polars()
        grid.columns = [f"c{i}" for i in range(grid.width)]
        if sheet.visible != "visible":  # not loaded; its head only, to say what it holds
            sheets.append(RawSheet(sheet_name, _head_rows(grid), _slicer(grid), hidden=True))
            continue
        grids[sheet_name] = grid
        found = scanned.get(sheet_name, xlsx_scan.SheetScan())
        sheets.append(RawSheet(sheet_name, _head_rows(grid), _slicer(grid),
                               _numeric_cells(reader, sheet_name),
                               hidden_rows=found.hidden_rows))
    _refuse_uncached_formulas(data, {name: grid for name, grid in grids.items()
                                     if name not in scanned or scanned[name].formulas})
    return sheets


def _refuse_uncached_formulas(data: bytes | str, grids: dict[str, pl.DataFrame]) -> None:
    """A workbook never opened in Excel: its formulas read as empty cells, so say to open and
    save it rather than reject its rows as empty. A 合计 row's formula alone is let be (the
    total is only compared with the rows, and an empty one is skipped)."""
    found = formulas.uncached(data, list(grids)) if grids else {}
    missing = {name: [c for c in cells if not _in_totals_row(grids[name], c)]
               for name, cells in found.items()}
    missing = {name: cells for name, cells in missing.items() if cells}
    if missing:
        raise FileError(formulas.message(missing))


def _in_totals_row(grid: pl.DataFrame, ref: str) -> bool:
    """Whether cell `ref` (e.g. "C12") is in a row that starts a total (合计, 总计, ...)."""
    row = int("".join(ch for ch in ref if ch.isdigit()) or 0) - 1
    if not 0 <= row < grid.height:
        return False
    return any(str(v).replace(" ", "").startswith(_TOTAL_WORDS)
               for v in grid.row(row) if v is not None)


def _slicer(grid: pl.DataFrame) -> Callable[[int, Sequence[int]], Iterator[Chunk]]:
    def chunks(header: int, positions: Sequence[int]) -> Iterator[Chunk]:
        for offset in range(header + 1, max(grid.height, header + 2), sheets.CHUNK_ROWS):
            rows = grid.slice(offset, sheets.CHUNK_ROWS)
            yield Chunk(rows.select([f"c{p}" for p in positions]), lambda rows=rows: rows)
    return chunks


def _head_rows(grid: pl.DataFrame) -> list[list[str | None]]:
    return [list(r) for r in grid.head(headers.HEADER_SCAN_ROWS).iter_rows()]


def _numeric_cells(reader: fastexcel.ExcelReader, sheet_name: str):
    """Which cells of a column hold numbers (not text): an ID typed as a number lost digits."""
    def numeric(header: int, column: int) -> pl.Series:
        name = f"__UNNAMED__{column}"
        mask = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, use_columns=[name],
                                 dtypes={name: "boolean"}).to_polars().to_series()
        return mask.slice(header).is_not_null()
    return numeric



# ---------------------------------------------------------------- sheets with their kind


def recognise(raw: RawSheet) -> Sheet:
    """The header row, kind and data rows of a sheet; FileError if no kind matches."""
    sheet = identify(raw)
    parts = list(sheet_chunks(raw, sheet))
    totalled = next((p for p in parts if p.totals_row is not None), parts[0])
    sheet.data = pl.concat([p.data for p in parts])
    sheet.totals, sheet.totals_row = totalled.totals, totalled.totals_row
    sheet.skipped = [line for p in parts for line in p.skipped]
    return sheet


def identify(raw: RawSheet) -> Sheet:
    """Kind, columns and headers of a sheet from its first rows, without its data (empty);
    FileError if no kind matches or required columns are missing."""
    match = find_header(raw.head)
    if match is None:
        raise FileError("etl.extract.no_header")
    header_cells = header_cells_of(raw.head, match)  # two rows read as one, if two
    headers = {col.name: str(header_cells[pos]).strip() for pos, col in match.columns.items()}
    _require(match.kind, headers, header_cells)
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
        data, totals, totals_row, skipped = _split_rows(
            cells, names, lambda chunk=chunk, first=first:
            chunk.every().with_row_index("_row", offset=first))
        yield Sheet(sheet.name, sheet.kind, sheet.columns, sheet.headers, data, totals,
                    totals_row, sheet.unmatched, sheet.header_row, sheet.positions, skipped)
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


def _require(kind: str, headers: dict[str, str], header_cells: list) -> None:
    """MissingColumns naming each missing column with the names it is accepted under, and
    the columns the header row does have (a header in other words is then easy to spot)."""
    missing = [c for c in mappings.columns(kind) if c.required and c.name not in headers]
    if not missing:
        return
    found = [str(h).strip() for h in header_cells if h is not None and str(h).strip()]
    name = mappings.kinds()[kind]
    want = listed([Message("etl.extract.missing_column", {
        "header": c.headers[0], "name": c.name, "accepted": joined(c.headers),
        "county": Message("etl.extract.county_note") if c.type == "county" else ""})
        for c in missing])
    raise MissingColumns("etl.extract.missing_columns", kind=Pair(name.name_zh, name.name_en),
                         want=want, found=joined(found))


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
    """Data rows (mapped columns, renamed, stripped) apart from empty rows, the 合计 row,
    signature lines and footnotes; also the 合计 row's cells, its row, and the rows dropped
    other than empty ones as (row, what, text). Only rows with an empty mapped cell can be
    those: keeps big files fast. `every` gives all columns of the rows (with `_row`),
    looked at for those rows only."""
    cells = _stripped(cells, list(names))
    data = cells.select("_row", *[pl.col(c).alias(n) for c, n in names.items()])
    suspects = cells.filter(pl.any_horizontal([pl.col(c).is_null() for c in names]))
    if suspects.is_empty():
        return data, {}, None, []
    whole = every().filter(pl.col("_row").is_in(suspects["_row"].implode()))
    flags = _flags(whole)
    totals, totals_row = {}, None
    totals_row = _grand_total(flags)
    if totals_row is not None:
        first = suspects.filter(pl.col("_row") == totals_row).row(0, named=True)
        totals = {n: first[c] for c, n in names.items() if first[c] is not None}
    dropped = flags.filter(pl.col("_empty") | pl.col("_total") | pl.col("_sign")
                           | pl.col("_note"))
    if dropped.is_empty():  # most chunks drop nothing: no copy then
        return data, totals, totals_row, []
    data = data.filter(~pl.col("_row").is_in(dropped["_row"].implode()))
    return data, totals, totals_row, _skipped_lines(whole, dropped.filter(~pl.col("_empty")))


def _grand_total(flags: pl.DataFrame) -> int | None:
    """The row of the total that covers every row: the last 合计/总计/共计 below a station's
    小计 rows (checking 合计 against one station's 小计 reported a false mismatch), else a
    lone 小计; None when there are only several 小计, each of some rows."""
    totals = flags.filter(pl.col("_total"))
    grand = totals.filter(~pl.col("_sub"))["_row"]
    if grand.len():
        return grand[-1]
    return totals["_row"][0] if totals.height == 1 else None


def _flags(whole: pl.DataFrame) -> pl.DataFrame:
    """Per row: empty, a 合计 row, a signature line, a footnote (or a line continuing one)."""
    cells = [c for c in whole.columns if c != "_row"]
    # The cells without white space, made once: an expression used in several flags would
    # be computed again for each (10^6 suspect rows: seconds).
    text = whole.select("_row", *(pl.col(c).str.replace_all(r"\s", "") for c in cells))
    text = text.with_columns(_first=pl.coalesce([pl.when(pl.col(c) != "").then(pl.col(c))
                                                 for c in cells]))
    first = pl.col("_first")
    # One text in the row (a merged cell repeats it in a CSV export): a note's shape.
    alone = first.is_not_null() & pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c) == "") | (pl.col(c) == first) for c in cells])
    flags = text.select(
        "_row",
        _empty=first.is_null(),
        _total=pl.any_horizontal([pl.col(c).str.starts_with(w) for c in cells
                                  for w in _TOTAL_WORDS]).fill_null(False),
        _sub=pl.any_horizontal([pl.col(c).str.starts_with(_SUBTOTAL) for c in cells])
        .fill_null(False),
        _sign=pl.any_horizontal([pl.col(c).str.contains(_SIGNATURE.pattern) for c in cells])
        .fill_null(False),
        _alone=alone.fill_null(False),
        _starts=(alone & first.str.contains(_NOTE)).fill_null(False))
    if not flags["_starts"].any():  # most chunks: no footnote, nothing to follow
        return flags.with_columns(_note=pl.lit(False))
    # A note goes on over the one-text rows after it while only empty, note or signature
    # rows come between (an unbroken run of these rows: a full data row breaks it).
    run = (pl.col("_row").diff().fill_null(1) != 1).cum_sum()
    seen = pl.col("_starts").cast(pl.Int8).cum_max().over(run)
    return flags.with_columns(_note=pl.col("_starts") | (pl.col("_alone") & (seen == 1)
                                                         & ~pl.col("_total")))


def _skipped_lines(whole: pl.DataFrame, dropped: pl.DataFrame) -> list[tuple[int, str, str]]:
    """(row, total | signature | note, the row's text as written) of dropped lines."""
    if dropped.is_empty():
        return []
    rows = whole.join(dropped, on="_row", how="semi")
    cells = [c for c in whole.columns if c != "_row"]
    texts = rows.select("_row", text=pl.concat_list(pl.col(cells).str.strip_chars())
                        .list.eval(pl.element().filter(pl.element() != "").unique(
                            maintain_order=True)).list.join("  "))
    what = dropped.select("_row", what=pl.when("_total").then(pl.lit("total"))
                          .when(pl.col("_sign") & ~pl.col("_starts")).then(pl.lit("signature"))
                          .otherwise(pl.lit("note")))
    return [(int(r), w, t) for r, w, t in
            what.join(texts, on="_row").sort("_row").iter_rows()]


def _stripped(cells: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The columns without surrounding white space, a cell of white space only being empty
    (NULL, as the CSV reader gives an empty cell). Few columns ever hold such a cell, so
    they are found first (a length check) and only those are compared with "": half the
    cost of doing both to every column (10^7 rows: ~1 s of CPU)."""
    cells = cells.with_columns(pl.col(c).str.strip_chars() for c in columns)
    blank = cells.select((pl.col(c).str.len_bytes() == 0).any() for c in columns).row(0)
    return cells.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
                              for c, any_blank in zip(columns, blank, strict=True) if any_blank)
