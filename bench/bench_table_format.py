"""Issue 21's table format, measured before it is chosen: a warehouse's relief facts as an
Apache Iceberg table (pyiceberg, its SQL catalog in SQLite, partitioned by month) beside the
one DuckDB file the product writes today, whose every change copies the whole file on ext4.

A commit of the table is atomic (a reader plans the snapshot before it or after it, never
half) and writes only the files of the partitions it touches. Timed, each step a commit:
- build: the source's relief rows appended a year at a time (once);
- a monthly file: R rows in the last month (beside other stations' rows), a batch of their own;
- its correction: the same rows with other amounts, replacing them (overwrite by batch_id);
- its withdrawal: the batch deleted;
- the readers: the snapshot's data files planned (pyiceberg), DuckDB's sum by county over them
  (read_parquet), and pyarrow's over the same files: the same totals as the warehouse's;
- against: a copy of the warehouse file, fsync'ed (what a load does first on ext4).

Prints a Markdown table of medians over the rounds (seconds: wall / CPU of this process), the
table's files and the warehouse's size. Usage:
    python bench/bench_table_format.py --source W.duckdb [--rows 2000] [--rounds 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import EqualTo
from pyiceberg.transforms import MonthTransform

ROOT = Path(__file__).resolve().parents[1]
# Iceberg has no unsigned integers: a UBIGINT key is stored shifted into BIGINT's range
# (order and equality kept), as a writer of this layout would.
_SHIFT = 9223372036854775808
BUILD_ROWS = 4_000_000  # rows a commit of the build appends


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn: Callable[..., object], *args: object) -> tuple[float, float, object]:
    """fn(*args)'s wall and CPU seconds, and its result."""
    w, c = time.perf_counter(), _cpu()
    out = fn(*args)
    return time.perf_counter() - w, _cpu() - c, out


def _columns(con: duckdb.DuckDBPyConnection) -> str:
    """The relief columns as the table stores them (UBIGINT shifted into BIGINT)."""
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = 'relief' ORDER BY ordinal_position").fetchall()
    return ", ".join(f"({name}::HUGEINT - {_SHIFT})::BIGINT AS {name}" if kind == "UBIGINT"
                     else name for name, kind in cols)


def _catalog(where: Path) -> SqlCatalog:
    return SqlCatalog("union", uri=f"sqlite:///{where / 'catalog.db'}",
                      warehouse=f"file://{where}")


def build(source: Path, where: Path) -> tuple[object, str, int]:
    """The source's relief rows as an Iceberg table under `where`: (table, columns, rows)."""
    where.mkdir(parents=True)
    catalog = _catalog(where)
    catalog.create_namespace("union")
    with duckdb.connect(str(source), read_only=True) as con:
        cols = _columns(con)
        schema = con.sql(f"SELECT {cols} FROM relief LIMIT 0").to_arrow_table().schema
        table = catalog.create_table("union.relief", schema=schema)
        with table.update_spec() as spec:
            spec.add_field("relief_date", MonthTransform(), "relief_month")
        rows = 0
        reader = con.sql(f"SELECT {cols} FROM relief ORDER BY relief_date").to_arrow_reader(
            BUILD_ROWS)
        for part in reader:  # a commit per BUILD_ROWS rows: memory bounded at any size
            table.append(pa.Table.from_batches([part]))
            rows += part.num_rows
    return table, cols, rows


def monthly_file(source: Path, cols: str, rows: int, batch: str, bump: int) -> pa.Table:
    """`rows` rows like the source's latest, in its last month (whose partition holds other
    stations' rows: a correction or withdrawal rewrites its files), with ids and a batch of
    their own; `bump` yuan added to each amount (a correction's)."""
    with duckdb.connect(str(source), read_only=True) as con:
        return con.sql(
            f"""SELECT * REPLACE (relief_id + 1 + row_number() OVER () AS relief_id,
                       (amount_yuan + $bump)::DECIMAL(14, 2) AS amount_yuan,
                       $batch AS batch_id)
                FROM (SELECT {cols} FROM relief ORDER BY relief_date DESC LIMIT $n)""",
            params={"n": rows, "bump": bump, "batch": batch}).to_arrow_table()


def totals_duckdb(files: list[str]) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute("SELECT county_code, count(*), sum(amount_yuan) FROM read_parquet($f) "
                           "GROUP BY 1 ORDER BY 1", {"f": files}).fetchall()


def totals_pyarrow(files: list[str]) -> list[tuple]:
    got = ds.dataset(files, format="parquet").to_table(columns=["county_code", "amount_yuan"])
    grouped = got.group_by("county_code").aggregate([("amount_yuan", "count"),
                                                     ("amount_yuan", "sum")])
    return sorted(zip(*(grouped[c].to_pylist() for c in
                        ("county_code", "amount_yuan_count", "amount_yuan_sum")), strict=True))


def totals_warehouse(source: Path) -> list[tuple]:
    with duckdb.connect(str(source), read_only=True) as con:
        return con.execute("SELECT county_code, count(*), sum(amount_yuan) FROM relief "
                           "GROUP BY 1 ORDER BY 1").fetchall()


def data_files(table) -> list[str]:
    return [task.file.file_path.removeprefix("file://") for task in table.scan().plan_files()]


def copy_file(source: Path, to: Path) -> None:
    shutil.copyfile(source, to)
    with open(to, "rb+") as f:
        os.fsync(f.fileno())


Steps = dict[str, list[tuple[float, float]]]


def run(source: Path, out: Path, rows: int, rounds: int) -> Steps:
    """Each step's (wall, CPU) per round; checks the readers' totals against the warehouse."""
    steps: Steps = {}
    wall, cpu, (_table, cols, n) = _timed(build, source, out / "iceberg")
    steps[f"build ({n:,} rows)"] = [(wall, cpu)]
    expected = totals_warehouse(source)
    catalog = _catalog(out / "iceberg")
    for k in range(rounds):
        _round(catalog, source, out, cols, rows, f"bench-{k}", expected, steps)
    return steps


def _round(catalog: SqlCatalog, source: Path, out: Path, cols: str, rows: int, batch: str,
           expected: list[tuple], steps: Steps) -> None:
    def note(step: str, fn: Callable[..., object], *args: object) -> object:
        wall, cpu, result = _timed(fn, *args)
        steps.setdefault(step, []).append((wall, cpu))
        return result

    month = monthly_file(source, cols, rows, batch, 0)
    fixed = monthly_file(source, cols, rows, batch, 1)
    note("a monthly file appended", catalog.load_table("union.relief").append, month)
    note("its correction (overwrite by batch)", catalog.load_table("union.relief").overwrite,
         fixed, EqualTo("batch_id", batch))
    note("its withdrawal (delete by batch)", catalog.load_table("union.relief").delete,
         EqualTo("batch_id", batch))
    files = note("readers: plan the snapshot's files", data_files,
                 catalog.load_table("union.relief"))
    by_duckdb = note("readers: DuckDB's sum by county", totals_duckdb, files)
    by_arrow = note("readers: pyarrow's sum by county", totals_pyarrow, files)
    assert by_duckdb == expected, "DuckDB over the table's files differs from the warehouse"
    assert [(c, n, float(s)) for c, n, s in by_arrow] == [
        (c, n, float(s)) for c, n, s in expected], "pyarrow differs from the warehouse"
    note("against: the warehouse file copied", copy_file, source, out / "copy.duckdb")
    (out / "copy.duckdb").unlink()


def table(steps: Steps, source: Path, out: Path) -> str:
    lines = ["| step | wall s (median) | CPU s (median) | rounds |", "|---|---|---|---|"]
    for step, times in steps.items():
        lines.append(f"| {step} | {statistics.median(t[0] for t in times):.3f} | "
                     f"{statistics.median(t[1] for t in times):.3f} | {len(times)} |")
    parquet = [p for p in (out / "iceberg").rglob("*.parquet")]
    lines.append(f"| table's data files | {len(parquet)} files, "
                 f"{sum(p.stat().st_size for p in parquet) / 2**20:,.1f} MB | | |")
    lines.append(f"| warehouse file | {source.stat().st_size / 2**20:,.1f} MB | | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="a warehouse (read only)")
    ap.add_argument("--rows", type=int, default=2000, help="rows of the monthly file")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, help="where the table is written (default: a "
                    "temporary folder, removed after)")
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="table-format-"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        steps = run(a.source.resolve(), out, a.rows, a.rounds)
        print(table(steps, a.source, out))
    finally:
        if a.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
