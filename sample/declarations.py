"""零报告 in the sample: stations that paid nothing in a month say so, as real ones can.

The sample declares the quiet months of 2012 (months between a station's first and last
payment of the year with no relief row), through the product's own
declaration file (etl.zero_reports.declaration_file), so the quality grid shows 零报告 beside
已报 and 漏报, and every warehouse table has sample rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from etl.zero_reports import declaration_file

YEAR = 2012
MAX_DECLARED = 8


def quiet_months(relief: pl.DataFrame, year: int = YEAR) -> list[tuple[str, dt.date]]:
    """(station, month) with no relief row in a month between the station's first and last
    payment of the year, at most MAX_DECLARED of them."""
    rows = relief.filter(pl.col("relief_date").dt.year() == year)
    paid = rows.group_by("station").agg(pl.col("relief_date").dt.month().unique().alias("months"))
    out = []
    for station, months in sorted(paid.iter_rows()):
        out += [(station, dt.date(year, m, 1)) for m in range(min(months), max(months))
                if m not in months]
    return out[:MAX_DECLARED]


def write(out_dir: Path, relief: pl.DataFrame) -> list[Path]:
    """The declaration files of the quiet months, under relief/."""
    paths = []
    for station, month in quiet_months(relief):
        name, data = declaration_file(str(station), month)
        path = Path(out_dir) / "relief" / name
        path.write_bytes(data)
        paths.append(path)
    return paths
