"""Rejected rows: one line per failing cell, saying where (file, sheet, Excel row, column as
headed in the file), what (the value) and why/how to fix (Chinese and English)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl

SCHEMA = {
    "file": pl.String, "sheet": pl.String, "row": pl.Int64, "column": pl.String,
    "value": pl.String, "reason_zh": pl.String, "reason_en": pl.String,
    "station_code": pl.String,
}
DUPLICATE = ("重复记录：同一文件中后面有相同记录（{key}），以第 {kept} 行为准；如确为两笔请核对日期或类型",
             "duplicate row: a later row of this file has the same record ({key}); row {kept} "
             "is kept; if these are two payments, check their date or type")


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA) if rows else empty()


def file_level(file: str, zh: str, en: str, sheet: str | None = None) -> pl.DataFrame:
    """A reject that concerns a whole file or sheet (no row)."""
    return frame([{"file": file, "sheet": sheet, "row": None, "column": None, "value": None,
                   "reason_zh": zh, "reason_en": en, "station_code": None}])


def write_report(rejects: pl.DataFrame, out_dir: Path) -> Path | None:
    """The run's rejects as CSV for Excel (UTF-8 with BOM); None when nothing was rejected."""
    if rejects.is_empty():
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"rejects-{stamp}-{os.getpid()}.csv"
    report = rejects.drop("station_code")
    path.write_bytes(b"\xef\xbb\xbf" + report.write_csv().encode("utf-8"))
    return path
