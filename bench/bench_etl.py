"""ETL throughput: relief rosters from CSV (and a smaller XLSX) into a fresh warehouse.

    python bench/bench_etl.py --rows 10000000 --persons 1000000 [--xlsx-rows 1000000]
        [--repeat 3] [--with-quality] [--etl-only] [--csv existing.csv]

Writes synthetic relief files with a fast Polars writer (valid IDs, a few thousand distinct
dates and amounts, ~1 relief per person per year), then times `etl.load.load_files` on them
(read, validate, pseudonymise, load, swap) in a child process each, reporting rows/s, the
child's CPU time and peak memory (VmHWM; and, sampled every 10 ms, the peaks of its private
memory and of the file pages it maps) and the load average: the median of --repeat runs,
with the spread. tests/bench/test_bench_smoke.py runs it on 2,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = ["序号", "姓名", "身份证号码", "帮扶站点", "所属旗县区", "困难类别", "帮扶类型",
           "资金来源", "金额（元）", "发放日期", "备注"]


def person_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    """About n distinct valid 18-digit IDs (GB 11643 check digit)."""
    from etl import parse
    from sample import regions

    counties = np.array(list(regions.COUNTIES))
    birth = (np.datetime64("1950-01-01") + rng.integers(0, 18000, n)).astype("datetime64[D]")
    frame = pl.DataFrame({"region": rng.choice(counties, n), "birth": birth,
                          "seq": rng.integers(0, 1000, n)})
    id17 = (pl.col("region") + pl.col("birth").dt.strftime("%Y%m%d")
            + pl.col("seq").cast(pl.String).str.zfill(3))
    ids = frame.select(id17=id17).unique().select(
        pl.col("id17") + parse.check_char(pl.col("id17")))
    return ids.to_series().to_numpy()


def relief_frame(rows: int, persons: int, seed: int = 7) -> pl.DataFrame:
    from sample import regions

    rng = np.random.default_rng(seed)
    ids = person_ids(persons, rng)
    stations = np.array([r.region_code for r in regions.all_regions() if r.level == "station"])
    person = rng.integers(0, len(ids), rows)
    station = stations[person % len(stations)]  # a person belongs to one station
    days = rng.integers(0, 365 * 14, rows)
    dates = (np.datetime64("2010-01-01") + days).astype("datetime64[D]").astype(str)
    amounts = (rng.integers(2, 60, rows) * 50).astype(str)
    return pl.DataFrame({
        "序号": np.arange(1, rows + 1).astype(str), "姓名": np.full(rows, "某某"),
        "身份证号码": ids[person], "帮扶站点": station,
        "所属旗县区": np.array([s[:6] for s in stations])[person % len(stations)],
        "困难类别": rng.choice(["低收入", "下岗失业", "因病致困", "子女上大学"], rows),
        "帮扶类型": rng.choice(["两节慰问", "送温暖", "临时救助", "医疗救助", "金秋助学"], rows),
        "资金来源": rng.choice(["中央财政专项", "自治区专项", "工会自筹"], rows),
        "金额（元）": amounts, "发放日期": dates, "备注": np.full(rows, ""),
    }).unique(["身份证号码", "发放日期", "帮扶类型", "帮扶站点"], keep="first",
              maintain_order=True)


def run_child(kind: str, path: Path, db: Path, quality: bool = True,
              person_index: bool = True) -> dict:
    """Time one load in a fresh process so its VmHWM is that load's peak. With
    quality=False the data-quality refresh (etl/quality.py, whole-warehouse checks run before
    the swap) is skipped, to show the ETL's own cost; with person_index=False also the
    per-person columns (etl/person_index.py: computed on the way into an empty table, else
    after the files are in; here the tables are made without them) and the monthly rollups
    (etl/rollups.py)."""
    for old in db.parent.glob(db.name + "*"):  # the file, its WAL, its published facts
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    code = f"""
import json, resource, sys, threading, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
peaks = {{"RssAnon": 0, "RssFile": 0}}
def sample():  # private memory apart from file pages mapped (the CSV, read by Polars)
    while True:
        for line in open("/proc/self/status"):
            name, _, value = line.partition(":")
            if name in peaks:
                peaks[name] = max(peaks[name], int(value.split()[0]))
        time.sleep(0.01)
threading.Thread(target=sample, daemon=True).start()
from core import schema
from etl import marts, quality, rollups
if not {quality!r}:  # the later steps: findings and the pages' marts
    quality.refresh = lambda con, **kw: None
    marts.refresh = lambda con, **kw: None
if not {person_index!r}:  # the marts count persons by these columns
    schema.PERSON_INDEX.clear()
    rollups.refresh = rollups.scope = lambda con, *args, **kw: None
    marts.refresh = lambda con, **kw: None
from sample import regions as sample_regions
from etl.load import load_files
from etl.warehouse import init
db = Path({str(db)!r})
if not db.exists():  # a deployment with the sample's stations registered, outside the timing
    init(db, sample_regions.SCOPE)
    load_files([sample_regions.write_registry(db.parent)], db, rejects_dir=db.parent)
t = time.perf_counter()
r = load_files([Path({str(path)!r})], Path({str(db)!r}), rejects_dir=Path({str(db.parent)!r}))
dt = time.perf_counter() - t
f = r.files[0]
u = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child of a big parent
# (the one that wrote the XLSX) would report the parent's peak.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM"))
print(json.dumps({{"seconds": dt, "rows_loaded": f.rows_loaded, "rows_read": f.rows_read,
                  "rejected": f.rows_rejected, "status": f.status,
                  "cpu_seconds": u.ru_utime + u.ru_stime, "peak_mb": hwm / 1024,
                  "peak_anon_mb": peaks["RssAnon"] / 1024,
                  "peak_file_mb": peaks["RssFile"] / 1024}}))
"""
    from etl import config

    # As the command line runs a load (etl/__main__.py).
    env = dict(os.environ, UNION_DASH_KEY="bench-key")
    env.setdefault(*config.POLARS_ALLOCATOR)
    load_before = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"the {kind} load failed ({out.returncode}):\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["kind"] = kind
    result["quality_refresh"] = quality
    result["person_index"] = person_index
    result["rows_per_s"] = result["rows_read"] / result["seconds"]
    result["load_average"] = (load_before, os.getloadavg()[0])
    print(json.dumps(result), file=sys.stderr)
    return result


def median_of(runs: list[dict]) -> dict:
    """The run with the median time, and the spread of times and peaks of all runs."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    middle = dict(ordered[len(ordered) // 2])
    middle["all_seconds"] = [round(r["seconds"], 1) for r in runs]
    middle["all_peak_mb"] = [round(r["peak_mb"]) for r in runs]
    middle["all_peak_anon_mb"] = [round(r["peak_anon_mb"]) for r in runs]
    middle["all_load_average"] = [r["load_average"] for r in runs]
    return middle


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--xlsx-rows", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="runs per input; the median is kept")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--csv", type=Path, default=None, help="an existing relief CSV to load")
    ap.add_argument("--with-quality", action="store_true",
                    help="also time a CSV load that runs the data-quality refresh")
    ap.add_argument("--etl-only", action="store_true",
                    help="also time a CSV load without the steps after the files are in "
                         "(per-person columns and the data-quality refresh)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench_etl_"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    t = time.perf_counter()
    csv_path = args.csv or work / f"relief_{args.rows}.csv"
    frame = None
    if args.csv is None or args.xlsx_rows:
        frame = relief_frame(args.rows, args.persons)
    if args.csv is None:
        frame.write_csv(csv_path)
        print(f"wrote {frame.height:,} rows CSV ({csv_path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f}s", file=sys.stderr)
    runs = [run_child("csv", csv_path, work / "csv.duckdb", quality=False)
            for _ in range(args.repeat)]
    results.append(median_of(runs))
    if args.etl_only:
        results.append(median_of([run_child("csv", csv_path, work / "csv.duckdb", quality=False,
                                            person_index=False) for _ in range(args.repeat)]))
    if args.with_quality:
        results.append(median_of([run_child("csv", csv_path, work / "csv.duckdb")
                                  for _ in range(args.repeat)]))
    if args.xlsx_rows:
        t = time.perf_counter()
        xlsx_path = work / f"relief_{args.xlsx_rows}.xlsx"
        frame.head(args.xlsx_rows).write_excel(xlsx_path, autofit=False)
        del frame
        print(f"wrote {args.xlsx_rows:,} rows XLSX in {time.perf_counter() - t:.1f}s",
              file=sys.stderr)
        results.append(median_of([run_child("xlsx", xlsx_path, work / "xlsx.duckdb",
                                            quality=False) for _ in range(args.repeat)]))
    import duckdb
    machine = {"python": platform.python_version(), "polars": pl.__version__,
               "duckdb": duckdb.__version__, "cpus": os.cpu_count(),
               "machine": platform.machine(), "system": platform.platform(),
               "bench_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "load_average": os.getloadavg()}
    print(json.dumps({"machine": machine, "results": results}, indent=1))


if __name__ == "__main__":
    main()
