"""A monthly file's load and withdrawal into a big warehouse, each step timed (issue 21).

    python bench/bench_incremental.py --source W.duckdb --files DIR [--rows 2000]
        [--work DIR] [--label NAME]

The source warehouse (e.g. `bench/bench_pages.py generated --scale 4`, ~1.6M relief rows,
or the sample's) is copied and never written; its derived tables are first made by today's
code, untimed. From its generated relief rosters, the December 2024 rows of as many counties
as it takes to reach --rows, moved to January 2025, make a monthly file M (bench_withdraw's
`monthly_files`); M with 5% of its amounts corrected and a few rows added makes M'. Each
step runs in a child process: load M, withdraw M, load M, load M', withdraw M'; each reports
its wall and CPU time, its peak memory and the time of its parts (the copy of the
warehouse, the file itself, the per-person columns, the rollups, the quality refresh and each
check, the checkpoint and swap), found by wrapping the functions that do them, whichever of
them the code being measured has. Run from a clone of an older commit (copy this file into
its bench/) to measure that commit the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (module, function, part): what a step's parts are; missing ones are skipped
PARTS = [("etl.swap", "_copy", "copy of the warehouse"),
         ("etl.warehouse", "prepare", "schema, labels and regions (prepare)"),
         ("etl.load", "_load_file", "the file (read, check, upsert)"),
         ("etl.derived", "capture", "what the batch touched"),
         ("etl.withdraw", "_rows_back", "withdrawn rows out, replaced rows back"),
         ("etl.touched", "stage", "the touched persons' rows"),
         ("etl.person_index", "refresh", "per-person columns"),
         ("etl.rollups", "scope", "rollup cells"),
         ("etl.rollups", "refresh", "rollups and season tables"),
         ("etl.marts", "refresh", "page marts"),
         ("etl.quality", "refresh", "data-quality refresh"),
         ("etl.swap", "swap_in", "checkpoint and swap"),
         ("etl.publish", "after_change", "Parquet facts published (after the swap)")]


def monthly_file(files: Path, out: Path, rows: int) -> tuple[Path, Path]:
    """M and M' of the counties whose December 2024 rows first add up to `rows`, in one
    file under the first header each column has in etl/mappings/columns.csv (each county's
    roster heads its columns its own way)."""
    from bench.bench_withdraw import monthly_files
    from etl import mappings

    named = {h: c.headers[0] for c in mappings.columns("relief") for h in c.headers}
    counties = sorted({p.name.split("_")[0] for p in (files / "relief").glob("*_*.csv")})
    parts: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    for county in counties:
        try:
            m, m2 = monthly_files(files, county, out)
        except (RuntimeError, SystemExit, StopIteration):  # no 2024 roster, no December rows,
            continue  # or headers it does not know
        parts.append(tuple(_canonical(pl.read_csv(p, infer_schema=False), named)
                           for p in (m, m2)))
        if sum(f.height for f, _ in parts) >= rows:
            break
    m, m2 = out / "月报_2025-01.csv", out / "月报_2025-01_更正.csv"
    pl.concat([f for f, _ in parts], how="diagonal").head(rows).write_csv(m)
    pl.concat([f for _, f in parts], how="diagonal").head(rows + 10).write_csv(m2)
    return m, m2


def _canonical(frame: pl.DataFrame, named: dict[str, str]) -> pl.DataFrame:
    """The columns the ETL knows, under one header each."""
    from etl.mappings import normalise_header

    known = {c: named[normalise_header(c)] for c in frame.columns
             if normalise_header(c) in named}
    return frame.select(list(known)).rename(known)


def _timed(parts: dict[str, float], module, name: str, part: str) -> None:
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            parts[part] = parts.get(part, 0.0) + time.perf_counter() - t

    setattr(module, name, wrapped)


def _run_child(action: str, db: Path, arg: str) -> None:
    import importlib

    parts: dict[str, float] = {}
    for module_name, name, part in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            _timed(parts, module, name, part)
    from etl.checks import contract

    checks: dict[str, float] = {}
    for method in ("run", "refresh"):
        if hasattr(contract.Statement, method):
            original = getattr(contract.Statement, method)

            def wrapped(self, con, *args, _o=original, **kwargs):  # whatever else it takes
                t = time.perf_counter()
                try:
                    return _o(self, con, *args, **kwargs)
                finally:
                    checks[self.name] = checks.get(self.name, 0.0) + time.perf_counter() - t

            setattr(contract.Statement, method, wrapped)
    from etl import load, withdraw

    cpu, t = time.process_time(), time.perf_counter()
    if action == "load":
        f = load.load_files([Path(arg)], db, rejects_dir=db.parent / "rejects").files[0]
        done = {"batch_id": f.batch_id, "status": f.status, "rows_loaded": f.rows_loaded,
                "inserted": f.rows_inserted, "updated": f.rows_updated}
    else:
        r = withdraw.withdraw(db, arg)
        done = {"batch_id": arg, "rows_removed": r.plan.rows_removed,
                "rows_restored": r.plan.rows_restored}
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM"))
    print(json.dumps({"action": action, "seconds": round(seconds, 2), "cpu": round(cpu, 2),
                      "peak_mb": round(hwm / 1024), **done,
                      "parts": {k: round(v, 3) for k, v in parts.items()},
                      "checks": {k: round(v, 3) for k, v in sorted(checks.items(),
                                                                   key=lambda kv: -kv[1])}},
                     ensure_ascii=False))


def child(action: str, db: Path, arg: str) -> dict:
    from etl import config

    env = dict(os.environ)
    env.setdefault(*config.POLARS_ALLOCATOR)  # as the command line runs
    out = subprocess.run([sys.executable, __file__, "_child", action, str(db), arg],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"{action} failed ({out.returncode}):\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    if result.get("status") == "failed":
        raise RuntimeError(f"{action} {arg}: the file was not loaded: {result}")
    return result


def _prepare(con) -> None:
    """Today's schema and every derived table, as the loads below find them."""
    from etl import warehouse

    warehouse.prepare(con)
    try:
        from etl import derived
    except ImportError:  # before etl/derived.py: the findings were all that was refreshed
        from etl import quality

        quality.refresh(con)
    else:
        derived.refresh_all(con)


def main() -> None:
    if sys.argv[1:2] == ["_child"]:
        _run_child(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, required=True, help="a warehouse; copied, not written")
    ap.add_argument("--files", type=Path, required=True, help="its generated station files")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_incremental_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "w.duckdb"
    shutil.copyfile(args.source, db)
    from etl import swap

    t = time.perf_counter()
    swap.rewrite(db, _prepare)
    prepared = time.perf_counter() - t
    try:
        from etl import publish
    except ImportError:  # before etl/publish.py
        pass
    else:  # untimed, like the refresh: the loads below then write only what they touch
        publish.publish_all(db)
    m, m2 = monthly_file(args.files, work, args.rows)
    steps = [child("load", db, str(m))]
    steps.append(child("withdraw", db, steps[-1]["batch_id"]))
    steps.append(child("load", db, str(m)))
    steps.append(child("load", db, str(m2)))
    steps.append(child("withdraw", db, steps[-1]["batch_id"]))
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    relief = con.sql("SELECT count(*) FROM relief").fetchall()[0][0]
    con.close()
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=ROOT).stdout.strip()
    machine = {"python": platform.python_version(), "duckdb": duckdb.__version__,
               "polars": pl.__version__, "cpus": os.cpu_count(),
               "load_average": os.getloadavg()}
    print(json.dumps({"label": args.label, "commit": git, "machine": machine,
                      "relief_rows": relief, "file_rows": steps[0]["rows_loaded"],
                      "warehouse_mb": round(db.stat().st_size / 2**20),
                      "full_refresh_s": round(prepared, 1), "steps": steps},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
