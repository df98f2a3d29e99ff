"""Which regions need attention, and the funding gaps by name; built on the catalogue queries."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from analytics.filters import Filters
from analytics.queries import breakdown, trend
from analytics.reference import region_level

DROP_THRESHOLD = -0.05  # persons relieved down more than 5% year-on-year
LOWEST = 3  # how many of the lowest-coverage sub-regions to name
FULL_COVERAGE = 1.0  # everyone on file relieved: no shortfall, however the others compare


def attention_unit(level: str) -> str | None:
    """What attention compares under a region of `level`: counties (whatever the level above
    them, so a leader at the top sees the counties that lag, not two provinces), the help
    stations of a county, nothing under a station."""
    return {"station": None, "county": "region", "township": "region"}.get(level, "county")


def attention(f: Filters, top: int = 5) -> pl.DataFrame:
    """region, reason (drop | low_coverage | funds), value, score: every reason of the `top`
    counties (or stations) in the filter's region that most need attention, worst region
    first (score ~ relative shortfall)."""
    schema = {"region": pl.String, "reason": pl.String, "value": pl.Float64, "score": pl.Float64}
    by = attention_unit(region_level(f.region))
    codes = ["relieved", "coverage", "matching_allocated", "matching_received"]
    long = breakdown(codes, f, by) if by else pl.DataFrame()
    if not long.height:
        return pl.DataFrame(schema=schema)
    w = long.pivot(on="code", index="dim", values=["value", "year_ago"])
    col = {c: (f"value_{c}", f"year_ago_{c}") for c in codes}
    for name in [x for pair in col.values() for x in pair]:
        if name not in w.columns:
            w = w.with_columns(pl.lit(None, pl.Float64).alias(name))
    out = pl.concat([_drops(w, *col["relieved"]), _lowest(w, col["coverage"][0]),
                     _funds(w, col["matching_allocated"][0], col["matching_received"][0])],
                    how="vertical_relaxed").cast(schema)
    worst = (out.group_by("region").agg(pl.col("score").max().alias("worst"))
             .sort(["worst", "region"], descending=[True, False], nulls_last=True).head(top))
    return (out.join(worst, on="region").sort(["worst", "region", "score"],
                                              descending=[True, False, True], nulls_last=True)
            .drop("worst"))


def _drops(w: pl.DataFrame, v: str, ya: str) -> pl.DataFrame:
    return (w.with_columns(((pl.col(v) - pl.col(ya)) / pl.col(ya)).alias("value"))
            .filter(pl.col("value") < DROP_THRESHOLD)
            .select(pl.col("dim").alias("region"), pl.lit("drop").alias("reason"), "value",
                    (-pl.col("value")).alias("score")))


def _lowest(w: pl.DataFrame, cov: str) -> pl.DataFrame:
    """The `LOWEST` lowest coverages, each only if below the middle unit's and short of
    full coverage: the lowest of units that all relieved everyone on file (100%, or 100%
    beside 111%) is no concern, and a 重庆市 trial's list called them 最低之一."""
    ranked = w.filter(pl.col(cov).is_not_null()).sort(cov)
    median = ranked[cov].median() if ranked.height else None
    return (ranked.head(min(LOWEST, max(ranked.height - 1, 0)))
            .filter((pl.col(cov) < pl.lit(median)) & (pl.col(cov) < FULL_COVERAGE))
            .select(pl.col("dim").alias("region"), pl.lit("low_coverage").alias("reason"),
                    pl.col(cov).alias("value"),
                    ((pl.lit(median) - pl.col(cov)) / pl.lit(median or 1)).alias("score")))


def _funds(w: pl.DataFrame, alloc: str, recv: str) -> pl.DataFrame:
    return (w.with_columns((pl.col(alloc) - pl.col(recv).fill_null(0)).alias("value"))
            .filter(pl.col("value") > 0)
            .select(pl.col("dim").alias("region"), pl.lit("funds").alias("reason"), "value",
                    (pl.col("value") / pl.col(alloc)).alias("score")))


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
