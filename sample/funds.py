"""Fund allocations of the sample, derived from what the relief rows actually spent.

Each year, county and earmarked source gets an allocation a little above what was disbursed.
Bairin Left's local matching funds were allocated every year up to 2012 but never arrived
(documents, 2012-05); elsewhere matching funds arrive in part or in full.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample.design import BAIRIN_LEFT, FIRST_YEAR, LAST_YEAR
from sample.regions import COUNTIES

EARMARKED = ("central_special", "provincial_special", "local_matching")


def allocations(rng, relief: pl.DataFrame) -> pl.DataFrame:
    # lazily: the four columns read, not a filtered copy of every column (0.4 GB at --scale 6)
    spent = (relief.lazy().filter(pl.col("fund_source").is_in(EARMARKED))
             .group_by(year=pl.col("relief_date").dt.year(), county="county",
                       fund_source="fund_source")
             .agg(pl.col("amount_yuan").sum()).collect())
    spent_by = {(r["year"], r["county"], r["fund_source"]): r["amount_yuan"]
                for r in spent.iter_rows(named=True)}
    rows = []
    for county in COUNTIES:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for source in EARMARKED:
                used = spent_by.get((year, county, source), 0)
                allocated = int(np.ceil(used / rng.uniform(0.85, 0.98) / 1000) * 1000)
                received = allocated
                if source == "local_matching" and county == BAIRIN_LEFT and year <= 2012:
                    allocated, received = 150_000 + 10_000 * (year - FIRST_YEAR), 0
                elif source == "local_matching":
                    share = rng.uniform(0.6, 1.0)
                    received = max(int(np.ceil(used / 1000) * 1000),
                                   int(allocated * share) // 1000 * 1000)
                rows.append((year, county, source, allocated, received))
    return pl.DataFrame(rows, orient="row", schema=[
        "year", "county", "fund_source", "allocated_yuan", "received_yuan"])
