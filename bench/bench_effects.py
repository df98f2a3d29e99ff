"""Time the effect estimators on a 20-county × 240-month panel, cold (first call in a fresh
process, which compiles pyfixest's numba kernels) and warm (median of later calls).

    python -m bench.bench_effects            # simulated panel
    python -m bench.bench_effects --sample   # also the page's analyses on data/warehouse.duckdb
    python bench/bench_effects.py --repeats 1 --sample --db W --groups 1   # a quick check
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")


def _time(run, repeats: int = 5) -> tuple[float, float]:
    started = time.perf_counter()
    run()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm)


def simulated(repeats: int = 5) -> list[tuple[str, float, float]]:
    import polars as pl

    from analytics.effects import did, event_study, its
    from bench._panels import MONTHS, staggered_panel

    gauss = staggered_panel(seed=8).with_columns(
        treated=pl.col("unit") < 10, post=pl.col("month") >= MONTHS[100])
    counts = staggered_panel(seed=8, poisson=True).with_columns(
        treated=pl.col("unit") < 10, post=pl.col("month") >= MONTHS[100])
    series = counts.group_by("month").agg(pl.col("y").sum()).sort("month")
    cases = {
        "did TWFE, Gaussian, CRV1": lambda: did(gauss, "y", "treated", "post", unit="unit",
                                                  time="month", se="cluster"),
        "did TWFE, Poisson, CRV1": lambda: did(counts, "y", "treated", "post", unit="unit",
                                                 time="month", se="cluster", family="poisson"),
        "event study Sun–Abraham, Gaussian, -12..24 months": lambda: event_study(
            gauss, "y", "unit", "month", "start"),
        "event study Sun–Abraham, Poisson, quarters -4..8, year cohorts": lambda: event_study(
            counts, "y", "unit", "month", "start", family="poisson", period_width=3,
            window=(-4, 8), cohort_width=12),
        "ITS quasi-Poisson, 2 harmonics, HAC(12)": lambda: its(
            series, "y", "month", MONTHS[100], family="quasipoisson", seasonality=2,
            hac_lags=12),
    }
    return [(name, *_time(run, repeats)) for name, run in cases.items()]


def sample(repeats: int = 2, limit: int | None = None) -> list[tuple[str, float, float]]:
    import polars as pl

    from analytics import reference
    from analytics.effects import data as effect_data
    from analytics.effects import suggest_design
    from analytics.effects.run import analyse

    rows = effect_data.interventions()
    groups = effect_data.intervention_groups(rows)
    regions = reference.regions()
    counties = tuple(regions.filter(pl.col("level") == "county")["region_code"])
    out = []
    for group, kind in groups.select("group", "kind").head(limit).iter_rows():
        outcome = effect_data.outcomes()[effect_data.DEFAULT_OUTCOME[kind]]

        def run(group=group, outcome=outcome):
            panel = effect_data.county_month_panel(outcome, counties)
            design = suggest_design(effect_data.scopes_of(rows, group), regions, panel=panel)
            try:
                analyse(design.method, outcome, panel, design.starts, design.comparison)
            except ValueError:
                pass  # e.g. no months before the start: the page says so

        out.append((f"page analysis (with placebo): {group.split('|')[1][:40]}",
                    *_time(run, repeats)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", action="store_true",
                        help="also the effects page's analyses on a warehouse")
    parser.add_argument("--db", type=Path, default=None,
                        help="that warehouse (default: UNION_DASH_DB or data/warehouse.duckdb)")
    parser.add_argument("--repeats", type=int, default=5, help="warm calls per estimate")
    parser.add_argument("--groups", type=int, default=None,
                        help="--sample: only the first N measures")
    args = parser.parse_args()
    if args.db:
        os.environ["UNION_DASH_DB"] = str(args.db)
    rows = simulated(args.repeats)
    if args.sample:
        rows += sample(min(args.repeats, 2), args.groups)
    print("| estimate | cold | warm (median) |\n|---|---|---|")
    for name, cold, warm in rows:
        print(f"| {name} | {cold:.2f} s | {warm:.3f} s |")


if __name__ == "__main__":
    main()
