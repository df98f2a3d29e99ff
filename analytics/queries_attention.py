"""Which regions need attention, and the funding gaps by name; built on the catalogue queries."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from analytics.filters import Filters
from analytics.queries import breakdown, trend

DROP_THRESHOLD = -0.05  # persons relieved down more than 5% year-on-year
LOWEST = 3  # how many of the lowest-coverage sub-regions to name


def attention(f: Filters, top: int = 8) -> pl.DataFrame:
    """region, reason (drop | low_coverage | funds), value, score: the sub-regions of the
    filter's region that most need attention, worst first (score ~ relative shortfall)."""
    codes = ["relieved", "coverage", "matching_allocated", "matching_received"]
    long = breakdown(codes, f, "region")
    schema = {"region": pl.String, "reason": pl.String, "value": pl.Float64, "score": pl.Float64}
    if not long.height:
        return pl.DataFrame(schema=schema)
    w = long.pivot(on="code", index="dim", values=["value", "year_ago"])
    col = {c: (f"value_{c}", f"year_ago_{c}") for c in codes}
    for name in [x for pair in col.values() for x in pair]:
        if name not in w.columns:
            w = w.with_columns(pl.lit(None, pl.Float64).alias(name))
    v, ya = col["relieved"]
    drop = (w.with_columns(((pl.col(v) - pl.col(ya)) / pl.col(ya)).alias("value"))
            .filter(pl.col("value") < DROP_THRESHOLD)
            .select(pl.col("dim").alias("region"), pl.lit("drop").alias("reason"), "value",
                    (-pl.col("value")).alias("score")))
    cov = col["coverage"][0]
    ranked = w.filter(pl.col(cov).is_not_null()).sort(cov)
    median = ranked[cov].median() if ranked.height else None
    low = (ranked.head(min(LOWEST, max(ranked.height - 1, 0)))
           .select(pl.col("dim").alias("region"), pl.lit("low_coverage").alias("reason"),
                   pl.col(cov).alias("value"),
                   ((pl.lit(median) - pl.col(cov)) / pl.lit(median or 1)).alias("score")))
    alloc, recv = col["matching_allocated"][0], col["matching_received"][0]
    funds = (w.with_columns((pl.col(alloc) - pl.col(recv).fill_null(0)).alias("value"))
             .filter(pl.col("value") > 0)
             .select(pl.col("dim").alias("region"), pl.lit("funds").alias("reason"), "value",
                     (pl.col("value") / pl.col(alloc)).alias("score")))
    out = pl.concat([drop, low, funds], how="vertical_relaxed").cast(schema)
    return out.sort("score", descending=True, nulls_last=True).head(top)


def matching_gaps(f: Filters) -> pl.DataFrame:
    """county, year, allocated, received, gap: local matching funds due but not arrived,
    for every county in scope and every year of the range, largest gap first."""
    yearly = replace(f, granularity="year")
    df = trend(["matching_allocated", "matching_received"], yearly, by="county")
    if not df.height:
        return pl.DataFrame(schema={"county": pl.String, "year": pl.Int32,
                                    "allocated": pl.Float64, "received": pl.Float64,
                                    "gap": pl.Float64})
    w = df.pivot(on="code", index=["period", "dim"], values="value")
    return (w.select(pl.col("dim").alias("county"), pl.col("period").dt.year().alias("year"),
                     pl.col("matching_allocated").alias("allocated"),
                     pl.col("matching_received").fill_null(0).alias("received"))
            .with_columns((pl.col("allocated") - pl.col("received")).alias("gap"))
            .filter(pl.col("gap") > 0).sort(["gap", "county"], descending=[True, False]))
