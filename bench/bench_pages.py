"""Each dashboard page's full set of queries on a warehouse with 10M relief records.

    python bench/bench_pages.py all [--sample data/warehouse.duckdb] [--out /tmp/bench_pages]
    python bench/bench_pages.py generated --out /tmp/bench.duckdb --scale 26 [--files DIR] [--scope CODES]
    python bench/bench_pages.py build --sample /tmp/s.duckdb --out /tmp/bench.duckdb --copies 26
    python bench/bench_pages.py record --db /tmp/s.duckdb --calls /tmp/calls.pkl
    python bench/bench_pages.py run --db /tmp/bench.duckdb --calls /tmp/calls.pkl
    python bench/bench_pages.py pandas --db /tmp/bench.duckdb
    python bench/bench_pages.py marts --db /tmp/2m.duckdb --db /tmp/8m.duckdb --calls /tmp/calls.pkl

`generated` (what `all` uses) writes `python -m sample generate --scale 26` station files
(10.1M relief rows; skipped if DIR has them) and loads them through the ETL into a fresh
warehouse.
`build` instead replicates the sample warehouse's person-level tables `copies` times with
DuckDB SQL (each copy's person keys a hash of the key and the copy's number, its row ids
those of its natural key, as a load makes them; copy 0 is the sample's, so the sample's
files load into it later; distinct counts grow too): quicker, but the
copies repeat the sample's combinations, so the load's monthly and season tables stay as
small as the sample's (relief_monthly 242k rows against 1.6M from generated files).
`record` runs every page once through Streamlit's AppTest at the default filters and at
海拉尔区 2012, and writes down each analytics call the pages made (through `ui.data`), so the
benchmark replays exactly what a page asks for. `run` replays each page's calls without
Streamlit's cache: "cold" in a fresh process per page (opening the warehouse included; the OS
file cache stays warm), "warm" as the median of later repeats in one process; then the relief
queries of the overview again in pandas over the same table held in memory, for comparison.
`marts` runs each page's calls on copies of each warehouse without the marts (core/marts.py:
every sum read from the facts, as before them) and with them (made whole), and prints warm
and cold per page and size, and the growth from the first size to the last.
`--pages overview --views default --repeats 1` with `--files` of a few station files (and
`--scope` the sample's counties) is a quick run (tests/bench/test_bench_smoke.py).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "relief", "funds", "training", "petitions"]
# Person-level tables replicated by `build`, and the columns that make a copy's rows its own:
# person keys (UBIGINT, as the load writes them) mixed with the copy's number, text ids
# suffixed; the surrogate row ids (etl/key_types.py) are then computed from the copy's
# natural key, as a load would. Copy 0 keeps the sample's keys, so a later load of a
# sample file finds its persons and rows.
REPLICATED = {
    "relief": ("person_key",), "hardship_files": ("person_key",),
    "petitions": ("petition_id",), "training": ("person_key",),
    "placements": ("person_key",), "loans": ("person_key",),
    "medical_cards": ("person_key",), "medical_benefits": ("person_key",),
    "persons": ("person_key",),
}
# With --ordered, rows lie in date order as loads of monthly station files would leave them
# (zone maps can then skip row groups outside a date range); without it, in random order.
ORDER = {"relief": "relief_date", "hardship_files": "registered_on", "petitions": "received_on",
         "training": "start_on", "placements": "placed_on", "loans": "issued_on",
         "medical_cards": "issued_on", "medical_benefits": "benefit_on"}
VIEWS = {"default": {}, "hailar_2012": {"region": "150702", "from": "2012-01", "to": "2012-12"}}


def build(sample: Path, out: Path, copies: int, ordered: bool = False) -> None:
    import duckdb

    from etl import key_types, marts, person_index, rollups

    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    # DuckDB takes 80% of RAM by default; on a shared machine let it spill instead
    con.execute(f"SET memory_limit = '{os.environ.get('BENCH_MEMORY', '3GB')}'")
    con.execute(f"ATTACH '{sample}' AS s (READ_ONLY)")
    for (name,) in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 's'"
                           ).fetchall():
        keys = REPLICATED.get(name)
        if keys is None:
            con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM s.{name}")
            continue
        t0 = time.perf_counter()
        order = ORDER.get(name, "random()") if ordered else "random()"
        con.execute(f"CREATE TABLE main.{name} AS {_copies(name, keys, copies)} ORDER BY {order}")
        if name in key_types.SURROGATE_IDS:  # the id of each copy's natural key
            con.execute(f"UPDATE main.{name} SET {key_types.SURROGATE_IDS[name]} = "
                        f"{key_types.row_id_sql(key_types.key_sql(name))}")
        n = con.sql(f"SELECT count(*) FROM main.{name}").fetchall()[0][0]
        print(f"{name}: {n:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    person_index.migrate(con)  # number the copies' persons, derive their columns (as a load)
    rollups.refresh(con)
    print(f"person_index: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    marts.refresh(con)  # as a load makes them
    print(f"marts: {time.perf_counter() - t0:.1f} s", flush=True)
    con.execute("CHECKPOINT")
    con.close()
    print(f"{out}: {out.stat().st_size / 1e9:.2f} GB")


def _copies(name: str, keys: tuple[str, ...], copies: int) -> str:
    """SELECT of `copies` copies of the sample's table, each with keys of its own and the
    derived columns left for the load's steps (person_index.migrate)."""
    from core import schema
    from etl import key_types

    types = key_types.column_types(name)
    own = [f"CASE WHEN r.range = 0 THEN {k} ELSE hash({k}, r.range) END AS {k}"
           if types.get(k) == "UBIGINT" else
           f"{k} || CASE WHEN r.range = 0 THEN '' ELSE '~' || r.range END AS {k}"
           for k in keys]
    derived = [f"NULL::{schema.derived_type(c)} AS {c}" for c in schema.derived_columns(name)]
    return (f"SELECT t.* REPLACE ({', '.join(own + derived)}) "
            f"FROM s.{name} t, range({copies}) r")


def generated(out: Path, scale: int, files: Path, scope: list[str] | None = None) -> None:
    """`python -m sample generate --scale` station files loaded through the ETL into a fresh
    warehouse: persons, dates and amounts drawn afresh at every scale, so the load's monthly
    and season tables are as varied as a real warehouse of that size (copies of the sample
    repeat its combinations, which flatters them). With `scope` the warehouse is made for
    those regions first (`etl init`); without, the load makes one with no deployment, which
    the next load's `prepare` takes for one from before the registry and scopes to the
    nation's ~3,000 counties (the English name of each made again in every later load)."""
    from etl import load

    if not any(files.rglob("*.csv")):
        from sample.build import generate  # its imports only when there is something to write

        t0 = time.perf_counter()
        generate(scale, files)
        print(f"generate --scale {scale}: {time.perf_counter() - t0:.0f} s", flush=True)
    out.unlink(missing_ok=True)
    if scope:
        from etl.warehouse import init

        init(out, scope)
    t0 = time.perf_counter()
    # the station registry first, as `sample.build.build` loads it: rosters name its stations
    paths = sorted((p for p in files.rglob("*") if p.suffix in (".csv", ".xlsx")),
                   key=lambda p: (p.parent.name != "stations", p))
    report = load.load_files(paths, out, rejects_dir=out.parent / "rejects")
    print(f"{out}: {len(paths)} files loaded in {time.perf_counter() - t0:.0f} s, "
          f"{sum(r.rows_loaded for r in report.files):,} rows", flush=True)


def record(db: Path, calls_file: Path, pages: tuple[str, ...] = tuple(PAGES),
           views: tuple[str, ...] = tuple(VIEWS)) -> None:
    """Run each page under AppTest and keep the calls it made to `ui.data` (the pages' only
    way to analytics), per page and view."""
    os.environ["UNION_DASH_DB"] = str(db)
    from streamlit.testing.v1 import AppTest

    from ui import data

    log: list[tuple[str, tuple, dict]] = []
    for name, original in cached_functions().items():
        def wrapped(*a, _o=original, _n=name, **k):
            log.append((_n, a, k))
            return _o(*a, **k)

        setattr(data, name, wrapped)
    calls: dict[str, list] = {}
    for view in views:
        for page in pages:
            import streamlit as st

            st.cache_data.clear()
            log.clear()
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
            at.query_params.update(VIEWS[view])
            at.run()
            if page != "overview":  # keep only the run of the page itself (frame included)
                st.cache_data.clear()
                log.clear()
                at.session_state["show_iv"] = True  # AppTest drops frame widgets on a switch
                at.switch_page(f"pages/{page}.py").run()
            assert not at.exception, [e.value for e in at.exception]
            calls[f"{page}/{view}"] = list(log)
            print(f"{page}/{view}: {len(log)} calls")
    calls_file.write_bytes(pickle.dumps(calls))


def cached_functions() -> dict:
    """ui.data's cached functions by name (what a page asks of analytics)."""
    from ui import data

    return {name: f for name, f in vars(data).items()
            if callable(f) and hasattr(f, "__wrapped__")
            and getattr(f, "__module__", None) == data.__name__}


def replay(calls: list) -> None:
    """The calls again, each to the function under Streamlit's cache (analytics only); a call
    repeated within the view with the same arguments is made once, as Streamlit's cache
    serves the repeats of one run (the data version was asked for 59 times a relief view)."""
    from analytics import queries

    funcs = {name: f.__wrapped__ for name, f in cached_functions().items()}
    queries.clear_memo()  # each replay is a new view: measures are not shared across views
    done = set()
    for name, args, kwargs in calls:
        key = pickle.dumps((name, args, sorted(kwargs.items())))
        if key not in done:
            done.add(key)
            funcs[name](*args, **kwargs)


def _one(db: Path, key: str, calls_file: Path, repeats: int) -> dict:
    """In this process: the page's calls once (cold), then `repeats` more (warm)."""
    os.environ["UNION_DASH_DB"] = str(db)
    calls = pickle.loads(calls_file.read_bytes())[key]
    cached_functions()  # imports (Streamlit's among them) are not the page's queries
    t0 = time.perf_counter()
    replay(calls)  # the warehouse opened, the per-file facts (coverage, regions) read
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        replay(calls)
        warm.append(time.perf_counter() - t0)
    return {"page": key, "calls": len(calls), "cold_ms": cold * 1e3,
            "warm_median_ms": statistics.median(warm) * 1e3, "warm_max_ms": max(warm) * 1e3,
            "warm_min_ms": min(warm) * 1e3, **profiled(calls)}


def profiled(calls: list) -> dict:
    """The view once more under DuckDB's profiler: the rows its table scans read (per table)
    and the CPU time of its queries, figures that other work on the machine does not move
    the way it moves wall time."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
        return _profiled(calls, Path(tmp) / "profile.json")


def _profiled(calls: list, out: Path) -> dict:
    from analytics import db

    rows: dict[str, int] = {}
    cpu = [0.0]

    def scans(node: dict) -> None:
        if node.get("type") == "TABLE_SCAN" and "rows_scanned" in node:
            table = str(node.get("extra_info", {}).get("Table", "?")).split(".")[-1]
            rows[table] = rows.get(table, 0) + int(node["rows_scanned"])
        for child in node.get("children", []):
            scans(child)

    def run(self, query: str, params=None, as_frame: bool = False):
        cur = self._connection().cursor()
        try:
            cur.execute("USE w")
            cur.execute("SET enable_profiling = 'json'")
            cur.execute(f"SET profiling_output = '{out}'")
            result = (cur.sql(query, params=params).pl() if as_frame
                      else cur.execute(query, params).fetchall())
            report = json.loads(out.read_text())
            cpu[0] += report.get("query", {}).get("cpu_time", 0.0)
            for node in report.get("operator", []):
                scans(node)
            return result
        finally:
            cur.close()

    plain = db.Warehouse.rows, db.Warehouse.sql
    db.Warehouse.rows = lambda self, q, p=None: run(self, q, p)
    db.Warehouse.sql = lambda self, q, p=None: run(self, q, p, as_frame=True)
    try:
        replay(calls)
    finally:
        db.Warehouse.rows, db.Warehouse.sql = plain
    top = sorted(rows.items(), key=lambda kv: -kv[1])
    return {"rows_scanned": sum(rows.values()), "cpu_ms": cpu[0] * 1e3,
            "scanned_by_table": dict(top[:6])}


def run(db: Path, calls_file: Path, repeats: int) -> list[dict]:
    out = []
    for key in pickle.loads(calls_file.read_bytes()):
        res = subprocess.run([sys.executable, __file__, "one", "--db", str(db), "--calls",
                              str(calls_file), "--key", key, "--repeats", str(repeats)],
                             capture_output=True, text=True, check=True)
        row = json.loads(res.stdout.strip().splitlines()[-1])
        out.append(row)
        print(f"{row['page']:<24} {row['calls']:>3} calls  cold {row['cold_ms']:7.0f} ms  "
              f"warm median {row['warm_median_ms']:6.0f} ms (max {row['warm_max_ms']:.0f})  "
              f"queries' CPU {row['cpu_ms']:5.0f} ms, {row['rows_scanned']:,} rows read "
              f"({', '.join(f'{t} {n:,}' for t, n in list(row['scanned_by_table'].items())[:3])})",
              flush=True)
    return out


def before_after(dbs: list[Path], calls_file: Path, repeats: int, work: Path) -> list[dict]:
    """Each page's calls on a copy of each warehouse without its marts and on one with them;
    a row per size, page and state, then the table and the growth printed."""
    import duckdb

    from etl import marts

    work.mkdir(parents=True, exist_ok=True)
    out = []
    for db in dbs:
        for state in ("before", "after"):
            copy = work / f"{db.stem}.{state}.duckdb"
            shutil.copyfile(db, copy)
            con = duckdb.connect(str(copy))
            if state == "before":
                for name in marts.tables():
                    con.execute(f"DROP TABLE IF EXISTS {name}")
            else:
                t0 = time.perf_counter()
                marts.refresh(con)
                print(f"{db.name}: marts made in {time.perf_counter() - t0:.1f} s", flush=True)
            con.execute("CHECKPOINT")
            size = con.sql("SELECT count(*) FROM relief").fetchall()[0][0]
            con.close()
            print(f"== {db.name} {state} ({size:,} relief rows)", flush=True)
            out += [{**row, "db": db.name, "relief_rows": size, "state": state}
                    for row in run(copy, calls_file, repeats)]
            copy.unlink()
    print(before_after_table(out))
    return out


def before_after_table(rows: list[dict]) -> str:
    """Markdown: page, then warm / cold ms and rows read before and after the marts at each
    size, and the growth (last size ÷ first) of the warm median and rows read."""
    sizes = list(dict.fromkeys((r["db"], r["relief_rows"]) for r in rows))
    at = {(r["page"], r["db"], r["state"]): r for r in rows}
    head = ["page"] + [f"{state} {n / 1e6:.1f}M: warm / cold ms, rows read"
                       for state in ("before", "after") for _, n in sizes] + \
        ["growth before: warm, rows", "growth after: warm, rows"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for page in dict.fromkeys(r["page"] for r in rows):
        cells, warm = [page], {}
        for state in ("before", "after"):
            for db, _ in sizes:
                r = at.get((page, db, state))
                cells.append(f"{r['warm_median_ms']:.0f} / {r['cold_ms']:.0f}, "
                             f"{r['rows_scanned'] / 1e6:.2f}M" if r else "")
                warm[(state, db)] = r and (r["warm_median_ms"], r["rows_scanned"])
        for state in ("before", "after"):
            first, last = warm[(state, sizes[0][0])], warm[(state, sizes[-1][0])]
            cells.append(f"{last[0] / first[0]:.2f}×, {last[1] / max(first[1], 1):.2f}×"
                         if first and last else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pandas_overview(db: Path, repeats: int) -> dict:
    """The overview's relief-table queries in pandas: KPIs (persons relieved, amount, coverage
    with registered on file) for 2024, 2023 and the previous range; the monthly trend of
    persons relieved with 同比; persons relieved by province. DuckDB only reads the tables."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(db), read_only=True)
    relief = con.sql("SELECT person_key, county_code, relief_date, CAST(amount_yuan AS DOUBLE) "
                     "AS amount_yuan FROM relief").df()
    files = con.sql("SELECT person_key, county_code, registered_on, exited_on "
                    "FROM hardship_files").df()
    con.close()
    relief["relief_date"] = pd.to_datetime(relief["relief_date"])
    files["registered_on"] = pd.to_datetime(files["registered_on"])
    files["exited_on"] = pd.to_datetime(files["exited_on"])
    province = relief["county_code"].str[:2] + "0000"

    def kpis(lo: str, hi: str) -> tuple:
        m = relief["relief_date"].between(lo, hi)
        on_file = (files["registered_on"] <= hi) & ~(files["exited_on"] <= hi)
        persons = relief.loc[m, "person_key"].nunique()
        return persons, relief.loc[m, "amount_yuan"].sum(), persons / on_file.sum()

    def all_queries() -> None:
        for lo, hi in (("2024-01-01", "2024-12-31"), ("2023-01-01", "2023-12-31")):
            kpis(lo, hi)
        m = relief["relief_date"].between("2023-01-01", "2024-12-31")
        monthly = (relief.loc[m].groupby(relief.loc[m, "relief_date"].dt.to_period("M"))
                   ["person_key"].nunique())
        monthly.shift(12)
        y = relief["relief_date"].between("2024-01-01", "2024-12-31")
        relief.loc[y].groupby(province[y])["person_key"].nunique()

    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        all_queries()
        times.append(time.perf_counter() - t0)
    return {"first_ms": times[0] * 1e3, "median_ms": statistics.median(times[1:]) * 1e3,
            "rows": len(relief)}


def duckdb_overview_relief(db: Path, repeats: int) -> dict:
    """The same relief-table queries through analytics (what the pandas figure compares with)."""
    os.environ["UNION_DASH_DB"] = str(db)
    from analytics import queries
    from analytics.filters import Filters

    f = Filters(start=date(2024, 1, 1), end=date(2024, 12, 1), granularity="month")
    times = []
    for _ in range(repeats + 1):
        queries.clear_memo()  # each repeat computes, as each pandas repeat does
        t0 = time.perf_counter()
        queries.kpis(["relieved", "relief_amount", "coverage"], f)
        queries.trend(["relieved"], f)
        queries.breakdown(["relieved"], f, "region")
        times.append(time.perf_counter() - t0)
    return {"first_ms": times[0] * 1e3, "median_ms": statistics.median(times[1:]) * 1e3}


def machine() -> dict:
    import duckdb
    import pandas
    import polars
    import streamlit

    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "kernel": platform.release(),
            "duckdb": duckdb.__version__, "polars": polars.__version__,
            "pandas": pandas.__version__, "streamlit": streamlit.__version__,
            "load_avg": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["all", "build", "generated", "record", "run", "one",
                                        "pandas", "marts"])
    ap.add_argument("--sample", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--db", type=Path, action="append",
                    help="the warehouse (marts: several, smallest first)")
    ap.add_argument("--calls", type=Path)
    ap.add_argument("--key")
    ap.add_argument("--copies", type=int, default=26)
    ap.add_argument("--ordered", action="store_true")
    ap.add_argument("--scale", type=int, default=26)
    ap.add_argument("--files", type=Path, help="generated: where the station files are")
    ap.add_argument("--scope", help="generated: region codes (comma-separated) the fresh "
                                    "warehouse is made for first, as `etl init` (default: none)")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--pages", default=",".join(PAGES),
                    help="record: the pages, comma-separated (default: all)")
    ap.add_argument("--views", default=",".join(VIEWS),
                    help="record: the views, comma-separated (default: all)")
    a = ap.parse_args()
    dbs, a.db = a.db or [], (a.db or [None])[0]
    pages, views = tuple(a.pages.split(",")), tuple(a.views.split(","))
    scope = a.scope.split(",") if a.scope else None
    if unknown := (set(pages) - set(PAGES)) | (set(views) - set(VIEWS)):
        ap.error(f"unknown pages or views: {', '.join(sorted(unknown))}")
    needs = {"build": ("sample", "out"), "generated": ("out",)}.get(a.command, ())
    if missing := [f"--{n}" for n in needs if getattr(a, n) is None]:
        ap.error(f"{a.command} needs {' and '.join(missing)}")
    if a.command == "all":  # `make bench`: every step, on the sample warehouse
        work = Path(a.out or "/tmp/bench_pages")
        work.mkdir(parents=True, exist_ok=True)
        sample = a.sample or ROOT / "data" / "warehouse.duckdb"
        generated(work / "bench.duckdb", a.scale, a.files or work / "files", scope)
        record(sample, work / "calls.pkl", pages, views)
        print(json.dumps(machine()))
        run(work / "bench.duckdb", work / "calls.pkl", a.repeats)
        print(json.dumps({"pandas": pandas_overview(work / "bench.duckdb", a.repeats),
                          "duckdb": duckdb_overview_relief(work / "bench.duckdb", a.repeats)}))
    elif a.command == "build":
        build(a.sample, a.out, a.copies, a.ordered)
    elif a.command == "generated":
        generated(a.out, a.scale, a.files or a.out.with_suffix(".files"), scope)
    elif a.command == "record":
        record(a.db, a.calls, pages, views)
    elif a.command == "one":
        print(json.dumps(_one(a.db, a.key, a.calls, a.repeats)))
    elif a.command == "marts":
        print(json.dumps(machine()))
        rows = before_after(dbs, a.calls, a.repeats, a.out or Path("/tmp/bench_marts"))
        print(json.dumps(rows))
    elif a.command == "run":
        print(json.dumps(machine()))
        run(a.db, a.calls, a.repeats)
    else:
        print(json.dumps({"pandas": pandas_overview(a.db, a.repeats),
                          "duckdb": duckdb_overview_relief(a.db, a.repeats)}))


if __name__ == "__main__":
    main()
