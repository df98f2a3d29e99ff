"""The mediation funnel of petitions, built on the catalogue queries."""

from __future__ import annotations

import polars as pl

from analytics.filters import Filters
from analytics.queries import breakdown

# Levels in the order a dispute climbs them (三级联动, then arbitration and litigation).
MEDIATION_LEVELS = ("enterprise", "township", "county", "arbitration", "litigation")


def mediation_funnel(f: Filters) -> pl.DataFrame:
    """level, value: petitions whose mediation reached each level (its last level or beyond)."""
    df = breakdown(["petitions"], f, "mediation_level")
    last = dict(zip(df["dim"], df["value"], strict=False))
    counts = [last.get(level) or 0.0 for level in MEDIATION_LEVELS]
    reached = [sum(counts[i:]) for i in range(len(counts))]
    out = pl.DataFrame({"level": list(MEDIATION_LEVELS), "value": reached},
                       schema={"level": pl.String, "value": pl.Float64})
    return out if any(reached) else out.clear()
