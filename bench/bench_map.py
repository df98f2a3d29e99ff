"""The map of a province's counties: its queries, its shapes, the figure and the bytes sent.

    python bench/bench_map.py --db data/warehouse.duckdb            # the sample's province
    python bench/bench_map.py --db /tmp/bench.duckdb --repeats 5    # a 10M-row warehouse
    python bench/bench_map.py --db W --repeats 1 --shapes-province 150000   # a quick check

Queries: the indicator by every county of the province (`breakdown(..., by="county")`) and by
its children (the map a page draws), over the last full year of data with 同比, "warm" as the
median of repeats in one process with analytics' memo cleared before each (every call scans;
DuckDB and the OS cache warm), "memo" with it kept (a second view of the same map).
Shapes: the province's counties from the boundary source, simplified (cold: a process's first,
no cache file), then read from the cache file, then from memory.
Figure: `map_figure` for every county of `--shapes-province` (default 四川, 183 counties),
values seeded at random where the warehouse has none (a figure's cost is in its shapes),
and its JSON as Streamlit sends it, raw and gzipped.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ms(run, repeats: int, before=None) -> tuple[float, float]:
    """(first call, median of `repeats` later calls) in ms; `before` runs untimed each time."""
    times = []
    for _ in range(repeats + 1):
        if before:
            before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def _cell(ms: float) -> str:
    return "" if ms != ms else f"{ms:.1f}"  # NaN: not measured


def _view(province: str):
    from analytics.coverage import data_months
    from analytics.filters import Filters

    last = data_months()[1]
    year = last.year if last.month == 12 else last.year - 1
    return Filters(region=province, start=date(year, 1, 1), end=date(year, 12, 1))


def _province(explicit: str | None) -> str:
    from analytics import reference

    if explicit:
        return explicit
    regions = reference.regions()
    provinces = regions.filter(regions["level"] == "province")["region_code"].to_list()
    counties = regions.filter(regions["level"] == "county")["region_code"].to_list()
    return max(provinces, key=lambda p: sum(c.startswith(p[:2]) for c in counties))


@contextlib.contextmanager
def _geo_cache() -> Iterator[str]:
    """The folder the map's cache files go to while the benchmark runs: UNION_DASH_GEO_CACHE
    where it is set, else a temporary one (the shapes simplified afresh, as in a process's
    first map), removed afterwards, the environment as it was."""
    from analytics import geo

    before = os.environ.get(geo.CACHE_ENV)
    if before:
        yield before
        return
    with tempfile.TemporaryDirectory(prefix="geo_cache_") as tmp:
        os.environ[geo.CACHE_ENV] = tmp
        try:
            yield tmp
        finally:
            if before is None:
                del os.environ[geo.CACHE_ENV]
            else:
                os.environ[geo.CACHE_ENV] = before


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--province", help="default: the warehouse's province with most counties")
    ap.add_argument("--shapes-province", default="510000")
    ap.add_argument("--code", default="relieved")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ["UNION_DASH_DB"] = args.db
    with _geo_cache():
        _run(args)


def _run(args: argparse.Namespace) -> None:
    from analytics import geo, queries, reference
    from analytics.indicators import INDICATORS
    from analytics.map_figure import map_figure

    province = _province(args.province)
    f = _view(province)
    rows: list[tuple[str, float, float]] = []
    for by in ("county", "region"):
        call = lambda by=by: queries.breakdown([args.code], f, by)  # noqa: E731
        cold, warm = _ms(call, args.repeats, before=queries.clear_memo)
        _, memo = _ms(call, args.repeats)
        found = call()
        rows.append((f"query: {args.code} by {by} of {province} ({found.height} rows), "
                     "first / warm / memo", cold, warm, memo))

    regions = reference.regions()
    counties = [c for c in regions["region_code"].to_list()
                if c.startswith(args.shapes_province[:2]) and not c.endswith("00")]
    started = time.perf_counter()
    index = geo._index(geo.source())
    read = (time.perf_counter() - started) * 1000
    rows.append((f"boundary source read ({len(index):,} shapes; once a process, and only "
                 "when a map's cache file is missing)", read, float("nan"), float("nan")))
    counties = sorted({*counties, *(c for c in index if c.startswith(args.shapes_province[:2])
                                    and not c.endswith("00"))})
    started = time.perf_counter()
    shapes = geo.shapes(args.shapes_province, counties)
    cold = (time.perf_counter() - started) * 1000

    def from_file():
        geo._KEPT.clear()
        geo.shapes(args.shapes_province, counties)

    _, file_ms = _ms(from_file, args.repeats)
    _, memory_ms = _ms(lambda: geo.shapes(args.shapes_province, counties), args.repeats)
    rows.append((f"shapes: {len(shapes['features'])} counties of {args.shapes_province}, "
                 "simplified / from cache file / from memory", cold, file_ms, memory_ms))

    found = queries.breakdown([args.code], f, "county")  # the warehouse's, where it has them
    values = dict(zip(found["dim"], found["value"], strict=False))
    rnd = random.Random(7)
    df = pl.DataFrame([(c, c, values.get(c, rnd.uniform(100, 5000)), rnd.uniform(100, 5000))
                       for c in counties], schema=["dim", "label", "value", "year_ago"],
                      orient="row")
    ind = INDICATORS[args.code]
    build = lambda: map_figure(df, shapes, unit=ind.unit, lang="zh", name=ind.name("zh"))  # noqa: E731
    first, warm = _ms(build, args.repeats)
    fig = build()
    sent = fig.to_json().encode()
    rows.append((f"figure: map_figure of {len(counties)} counties, first / warm", first, warm,
                 float("nan")))
    print(f"warehouse: {args.db}\n")
    print("| step | first ms | warm ms | memo / memory ms |\n|---|---|---|---|")
    for name, a, b, c in rows:
        print(f"| {name} | {a:.1f} | {_cell(b)} | {_cell(c)} |")
    print(f"\nbytes sent: {len(sent):,} (gzip {len(gzip.compress(sent)):,}); "
          f"shapes alone {len(json.dumps(shapes, separators=(',', ':'))):,}")
    print(json.dumps({"province": province, "shapes_province": args.shapes_province,
                      "counties": len(counties), "bytes": len(sent),
                      "gzip": len(gzip.compress(sent)),
                      "steps": [{"step": n, "first_ms": a, "warm_ms": b} for n, a, b, _ in rows]}))


if __name__ == "__main__":
    main()
