"""Withdrawing a monthly station file from a 10M-row warehouse (撤销导入).

    python bench/bench_withdraw.py --source /tmp/bench10m/bench.duckdb --files DIR
        [--work DIR] [--county 150702] [--check]

The source warehouse (e.g. `bench/bench_pages.py generated --scale 26`) is copied first and
never written. From the county's generated relief roster, its December 2024 rows moved to
January 2025 make a new monthly station file M; M with 5% of its amounts corrected and a few
rows added makes a resubmission M'. Each step runs in a child process (its VmHWM is that
step's peak memory) and is timed: load M; withdraw M; load M again and M'; withdraw M' (which
brings M's rows back). With --check the warehouse after withdrawing M is compared with the
copy before it, every table EXCEPT ALL both ways (minutes at 10M rows).
tests/bench/test_bench_changes.py runs it on a warehouse of one county's files.
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


def monthly_files(files: Path, county: str, out: Path) -> tuple[Path, Path]:
    """M (the county's December 2024 rows as January 2025) and its resubmission M'."""
    roster = next(p for p in sorted((files / "relief").glob(f"{county}_*.csv"))
                  if "2024" in p.name)
    raw = roster.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = pl.read_csv(text.encode(), infer_schema=False)
    from etl.mappings import normalise_header

    date, amount = (next(c for c in rows.columns if normalise_header(c).startswith(s))
                    for s in ("发放日期", "金额"))  # headers vary by file, stray spaces too
    # dates are written as stations write them (2024/12/5, 2024年12月5日 …): as ISO dates
    iso = {d: _iso_date(d) for d in rows[date].drop_nulls().unique().to_list()}
    month = rows.with_columns(pl.col(date).replace_strict(iso, default=None)).filter(
        pl.col(date).str.starts_with("2024-12")).with_columns(
        pl.col(date).str.replace("^2024-12", "2025-01"))
    if month.is_empty():
        raise SystemExit(f"{roster.name}: no rows of December 2024")
    yuan = pl.col(amount).str.replace_all("[,，元 ]", "").cast(pl.Float64, strict=False)
    corrected = month.with_columns(
        pl.when((pl.int_range(pl.len()) % 20 == 0) & yuan.is_not_null())
        .then((yuan + 50).cast(pl.String))
        .otherwise(pl.col(amount)).alias(amount))
    extra = month.head(10).with_columns(pl.col(date).str.replace("^2025-01-..", "2025-01-31"))
    m, m2 = out / f"{county}_救助发放花名册_2025-01.csv", out / f"{county}_救助发放花名册_2025-01_更正.csv"
    month.write_csv(m)
    pl.concat([corrected, extra]).unique(keep="first", maintain_order=True).write_csv(m2)
    return m, m2


def _iso_date(text: str) -> str | None:
    """A date as the ETL reads it, as YYYY-MM-DD (None for a value it rejects)."""
    from etl import parse

    try:
        return parse.parse_date(text).isoformat()
    except ValueError:
        return None


def child(action: str, db: Path, arg: str) -> dict:
    """One step in a fresh process: `load` a file or `withdraw` a batch."""
    # The pseudonym key is the environment's, as the source warehouse was built with (its
    # persons are then the file's persons).
    env = dict(os.environ)
    from etl import config

    env.setdefault(*config.POLARS_ALLOCATOR)  # as the command line runs
    out = subprocess.run([sys.executable, __file__, "_child", action, str(db), arg],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{action} failed ({out.returncode}):\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    if result.get("status") == "failed":
        raise RuntimeError(f"{action} {arg}: the file was not loaded: {result}")
    return result


def _run_child(action: str, db: Path, arg: str) -> None:
    from etl import load, withdraw

    t = time.perf_counter()
    if action == "load":
        f = load.load_files([Path(arg)], db, rejects_dir=db.parent / "rejects").files[0]
        done = {"batch_id": f.batch_id, "status": f.status, "rows_loaded": f.rows_loaded,
                "inserted": f.rows_inserted, "updated": f.rows_updated}
    else:
        r = withdraw.withdraw(db, arg)
        done = {"batch_id": arg, "rows_removed": r.plan.rows_removed,
                "rows_restored": r.plan.rows_restored, "persons_removed": r.persons_removed}
    seconds = time.perf_counter() - t
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM"))
    print(json.dumps({"action": action, "seconds": round(seconds, 2),
                      "peak_mb": round(hwm / 1024), **done}, ensure_ascii=False))


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Per table, (rows of a not in b, rows of b not in a), as EXCEPT ALL both ways counts
    them, in one GROUP BY over both (a's rows +1, b's -1; a group summing to d > 0 has d more
    copies in a): DuckDB's EXCEPT ALL numbers duplicates with a window first, several times
    slower, and it runs once each way."""
    import duckdb

    con = duckdb.connect()
    con.sql(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.sql(f"ATTACH '{b}' AS b (READ_ONLY)")
    tables = [t for (t,) in con.sql("SELECT table_name FROM duckdb_tables() "
                                    "WHERE database_name = 'a'").fetchall() if t != "dq_meta"]
    found = {}
    for t in tables:
        cols = ", ".join('"' + c.replace('"', '""') + '"'
                         for c in con.sql(f"SELECT * FROM a.{t} LIMIT 0").columns)
        n = con.sql(f"""SELECT coalesce(sum(d) FILTER (WHERE d > 0), 0),
                               coalesce(-sum(d) FILTER (WHERE d < 0), 0)
                        FROM (SELECT sum(side_) AS d FROM (SELECT *, 1 AS side_ FROM a.{t}
                              UNION ALL SELECT *, -1 FROM b.{t}) GROUP BY {cols})""").fetchall()[0]
        if n != (0, 0):
            found[t] = tuple(map(int, n))
    con.close()
    return found


def main() -> None:
    if sys.argv[1:2] == ["_child"]:
        _run_child(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, required=True, help="a warehouse; copied, not written")
    ap.add_argument("--files", type=Path, required=True, help="its generated station files")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--county", default="150702")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_withdraw_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "w.duckdb"
    shutil.copyfile(args.source, db)
    from etl import quality, swap, warehouse

    def prepare(con) -> None:  # an older warehouse gets the archives first, untimed, and
        warehouse.prepare(con)  # findings by today's rules, as the loads below leave them
        quality.refresh(con)

    swap.rewrite(db, prepare)
    m, m2 = monthly_files(args.files, args.county, work)
    before = work / "before.duckdb"
    if args.check:
        shutil.copyfile(db, before)
    steps = [child("load", db, str(m))]
    steps.append(child("withdraw", db, steps[-1]["batch_id"]))
    check = differences(db, before) if args.check else None
    steps.append(child("load", db, str(m)))
    steps.append(child("load", db, str(m2)))
    steps.append(child("withdraw", db, steps[-1]["batch_id"]))
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    relief = con.sql("SELECT count(*) FROM relief").fetchall()[0][0]
    con.close()
    machine = {"python": platform.python_version(), "duckdb": duckdb.__version__,
               "polars": pl.__version__, "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    print(json.dumps({"machine": machine, "relief_rows": relief,
                      "warehouse_mb": round(db.stat().st_size / 2**20), "steps": steps,
                      "differences_after_withdrawal": check}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
