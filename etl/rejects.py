"""Rejected rows: one line per failing cell, saying where (file, sheet, Excel row, the row's
masked ID, column as headed in the file), what (the value) and why/how to fix (a catalogue
message, etl/messages.py, kept in Chinese and English: `reason`).

The report is written beside the warehouse, outside its protection, so it holds nothing that
identifies a person: an ID number is masked like the warehouse's (150702********123X) in the
row's ID, in a rejected ID cell and wherever one appears in a value or reason, and so is a
mobile or landline number; names are never read (etl/headers.py drops those columns). The row
number and masked ID are enough to find the row in the station's own file. Reports written
before this rule are masked in place by the next load (`migrate_reports`)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import polars as pl

from core.cells import neutral_frame
from core.messages import Message
from etl import swap
from etl.messages import both

SCHEMA = {
    "file": pl.String, "sheet": pl.String, "row": pl.Int64, "id_masked": pl.String,
    "column": pl.String,
    "value": pl.String, "reason_zh": pl.String, "reason_en": pl.String,
    "station_code": pl.String,
}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA) if rows else empty()


def reason(message: Message) -> dict[str, str]:
    """A reject's reason columns: the message in both languages, as the warehouse's
    load_rejects and the report keep it (staff read the report in either)."""
    zh, en = both(message)
    return {"reason_zh": zh, "reason_en": en}


def file_level(file: str, message: Message, sheet: str | None = None) -> pl.DataFrame:
    """A reject that concerns a whole file or sheet (no row)."""
    return frame([{"file": file, "sheet": sheet, "row": None, "column": None, "value": None,
                   **reason(message), "station_code": None}])


# ID numbers (18 digits, the last may be X; or the old 15; \d takes full-width digits)
# anywhere in a text: first 6 kept (the region), last 4 kept, the birth date and the rest
# starred, as etl/pseudonym.mask_id.
_ID_RUN = r"(\d{6})\d{5,8}(\d{3}[\dXx])"  # 15-18 digits: a typo's 16 or 17 too
_MOBILE = r"(1[3-9]\d)\d{4}(\d{4})"  # mainland mobile numbers: 139****5678
_LANDLINE = r"(0\d{2,3}[- ]?)\d{3,4}(\d{4})"  # 0470-8221234: area code and last 4 kept
TEXT_COLUMNS = ("value", "reason_zh", "reason_en")


def mask_ids(text: pl.Expr) -> pl.Expr:
    """ID, mobile and landline numbers inside a text masked; the rest as it is."""
    return (text.str.replace_all(_ID_RUN, "${1}********${2}")
            .str.replace_all(_MOBILE, "${1}****${2}")
            .str.replace_all(_LANDLINE, "${1}****${2}"))


def mask_id_cell(raw: pl.Expr) -> pl.Expr:
    """A cell of an ID column, whatever was typed (wrong check digit, a digit short,
    full-width): its first 6 characters, stars, and its last 4 when it is long enough to keep
    6 hidden. A cell with fewer than 10 digits cannot name anyone (1.50702E+17: the digits
    are lost) and is kept as typed, which says what went wrong."""
    t = raw.cast(pl.String).str.replace_all(r"\s", "").str.to_uppercase()
    n = t.str.len_chars()
    return (pl.when(t.is_null() | (n == 0)).then(pl.lit(None, dtype=pl.String))
            .when(t.str.count_matches(r"\d") < 10).then(raw.cast(pl.String))
            .when(n >= 14).then(t.str.slice(0, 6) + "********" + t.str.slice(-4, 4))
            .otherwise(t.str.slice(0, 6) + "********"))


def redact(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejects with every ID and phone number in their text masked (idempotent)."""
    cols = [c for c in TEXT_COLUMNS if c in rejects.columns
            and rejects.schema[c] == pl.String]
    return rejects.with_columns(mask_ids(pl.col(c)).alias(c) for c in cols) if cols else rejects


def report_csv(rejects: pl.DataFrame) -> bytes:
    """The rejects as CSV for Excel (UTF-8 with BOM): masked, cells neutral (core/cells.py)."""
    report = neutral_frame(redact(rejects.drop("station_code", strict=False)))
    return b"\xef\xbb\xbf" + report.write_csv().encode("utf-8")


def report_path(out_dir: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return out_dir / f"rejects-{stamp}-{os.getpid()}.csv"


def write_report(rejects: pl.DataFrame, out_dir: Path) -> Path | None:
    """The run's rejects as CSV for Excel (UTF-8 with BOM); None when nothing was rejected."""
    if rejects.is_empty():
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = report_path(out_dir)
    path.write_bytes(report_csv(rejects))
    return path


def prepare_report(rejects: pl.DataFrame, out_dir: Path) -> Path | None:
    """Write the run's report (and mask old ones) BEFORE the warehouse is swapped, under a
    temporary name: a full disk or a read-only folder then stops the load with
    `swap.WriteFailed` and the warehouse unchanged. `publish` gives it its name after."""
    with swap.writing(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob(".rejects-*.csv.tmp"):  # of a load killed before its swap
            if not _alive(stale):  # a load into another warehouse may share the folder
                stale.unlink(missing_ok=True)
        migrate_reports(out_dir)
    if rejects.is_empty():
        return None
    final = report_path(out_dir)
    tmp = final.with_name(f".{final.name}.tmp")
    data = report_csv(rejects)
    with swap.writing(tmp, len(data)):
        tmp.write_bytes(data)
    return tmp


def _alive(tmp: Path) -> bool:
    """Whether the process that is writing `tmp` (.rejects-<time>-<pid>.csv.tmp) still runs."""
    pid = tmp.name.removesuffix(".csv.tmp").rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def publish(tmp: Path | None) -> Path | None:
    """The prepared report under its final name (rejects-<time>-<pid>.csv)."""
    if tmp is None:
        return None
    final = tmp.with_name(tmp.name.removeprefix(".").removesuffix(".tmp"))
    os.replace(tmp, final)
    return final


_UNMASKED = re.compile(rb"\d{15}|1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}")


def migrate_reports(out_dir: Path) -> list[Path]:
    """Reports written before masking, masked in place (a report that cannot be read as one
    is removed): the reports folder then holds no full ID or phone number. Returns the
    files changed. Reports already masked are only scanned, not rewritten."""
    changed = []
    for path in sorted(out_dir.glob("rejects-*.csv")) if out_dir.is_dir() else []:
        data = path.read_bytes()
        if not _UNMASKED.search(data):
            continue
        try:
            old = pl.read_csv(data, infer_schema=False)
        except pl.exceptions.PolarsError:
            old = None
        if old is None or not {"file", "row", "column", "value"} <= set(old.columns):
            path.unlink()  # not a report this code wrote: it cannot be masked for sure
            changed.append(path)
            continue
        if "id_masked" not in old.columns and {"row", "column", "value"} <= set(old.columns):
            ids = old.filter(pl.col("column").str.contains("身份|证件"))
            old = old.join(ids.select("file", "row", id_masked=mask_id_cell(pl.col("value")))
                           .unique(["file", "row"]), on=["file", "row"], how="left")
        if {"column", "value"} <= set(old.columns):
            old = old.with_columns(value=pl.when(pl.col("column").str.contains("身份|证件"))
                                   .then(mask_id_cell(pl.col("value"))).otherwise("value"))
        old = old.with_columns(  # every text column: the old layout, or one edited by hand
            mask_ids(pl.col(c)).alias(c) for c in old.columns)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(b"\xef\xbb\xbf" + neutral_frame(old).write_csv().encode("utf-8"))
        os.replace(tmp, path)
        changed.append(path)
    return changed
