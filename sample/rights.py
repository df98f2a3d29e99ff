"""Petitions, NPC deputies' activities and union coverage of the sample.

Skip-level petitions (越级信访) per county and month are a gamma-Poisson count that falls by
RR_NPC_SKIP from the month the county's deputies start voter reception days (staggered
2008–2016, six counties never); other petitions do not change.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample.design import (
    FIRST_YEAR,
    LAST_YEAR,
    MONTHS,
    NB_SHAPE,
    PROPOSAL_P_AFTER,
    PROPOSAL_P_BEFORE,
    RECEPTION_START,
    RR_NPC_SKIP,
    XILIN,
    CountyParams,
    inspection_start,
    proposal_start,
)
from sample.people import stack
from sample.regions import COUNTIES

SKIP_BASE, OTHER_BASE, GROWTH = 1.5, 6.0, 0.02
SEASON = [1.4, 1.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.4]  # wage arrears peak
CHANNELS = ["enterprise_centre", "help_station", "legal_aid", "petition_office",
            "npc_reception"]
CATEGORIES = (["wage_arrears", "social_insurance", "labour_contract", "occupational_injury",
               "dismissal", "other"], [.35, .2, .15, .1, .1, .1])
LEVEL_DAYS = {"enterprise": (3, 15), "township": (7, 30), "county": (15, 60),
              "arbitration": (45, 120), "litigation": (90, 360)}
END = np.datetime64(f"{LAST_YEAR}-12-31")


def treated(county: str, month: np.datetime64) -> bool:
    start = RECEPTION_START.get(county)
    return start is not None and month >= np.datetime64(start, "M")


def expected_petitions(county: str, size: float, month: np.datetime64) -> tuple[float, float]:
    """(skip-level, other) mean monthly counts."""
    year, m = int(str(month)[:4]), int(str(month)[5:7])
    base = size * np.exp(GROWTH * (year - FIRST_YEAR)) * SEASON[m - 1]
    return (SKIP_BASE * base * (RR_NPC_SKIP if treated(county, month) else 1.0),
            OTHER_BASE * base)


def petitions(rng, params: dict[str, CountyParams], scale: int) -> pl.DataFrame:
    parts = []
    for county in COUNTIES:
        mu = np.array([expected_petitions(county, params[county].size * scale, m)
                       for m in MONTHS])
        counts = rng.poisson(mu * rng.gamma(NB_SHAPE, 1 / NB_SHAPE, mu.shape))
        # a frame per county: the rows' numpy texts are made and dropped a county at a time
        # (all counties' at once were 1.5 GB at --scale 52)
        parts.append(stack([_petition_rows(rng, county, counts[:, 0], counts[:, 1])],
                           strings=("mediation_level",)))
    out = pl.concat(parts)
    seq = pl.int_range(1, pl.len() + 1).over("county", pl.col("received_on").dt.year())
    return out.sort("county", "received_on").with_columns(petition_no=pl.format(
        "XF{}-{}-{}", "county", pl.col("received_on").dt.year(), seq.cast(pl.String)
        .str.zfill(5)))


def _petition_rows(rng, county: str, n_skip: np.ndarray, n_other: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """One county's petitions from monthly counts of skip-level and other petitions."""
    month = np.concatenate([np.repeat(MONTHS, n_skip), np.repeat(MONTHS, n_other)])
    skip = np.arange(len(month)) < n_skip.sum()
    n = len(month)
    start = RECEPTION_START.get(county)
    after = (month >= np.datetime64(start, "M")) if start else np.zeros(n, dtype=bool)
    # the deputies' reception day is a channel only once the county has one
    channel = np.where(after, rng.choice(CHANNELS, n, p=[.3, .25, .15, .2, .1]),
                       rng.choice(CHANNELS[:4], n, p=np.array([.3, .25, .15, .2]) / .9))
    channel = np.where(skip, "petition_office", channel)
    first = month.astype("datetime64[D]")
    days = ((month + 1).astype("datetime64[D]") - first).astype(int)
    received = first + (rng.random(n) * days).astype(int).astype("timedelta64[D]")
    workers = np.where(rng.random(n) < 0.7, 1, 1 + rng.geometric(0.15, n))
    level = rng.choice(list(LEVEL_DAYS), n, p=[.35, .25, .2, .15, .05])
    outcome = rng.choice(["resolved", "partly_resolved", "unresolved", "withdrawn"], n,
                         p=[.74, .13, .08, .05])
    lo = np.array([LEVEL_DAYS[x][0] for x in LEVEL_DAYS])
    hi = np.array([LEVEL_DAYS[x][1] for x in LEVEL_DAYS])
    li = np.searchsorted(np.array(list(LEVEL_DAYS)), level, sorter=np.argsort(list(LEVEL_DAYS)))
    li = np.argsort(list(LEVEL_DAYS))[li]
    closed = received + rng.integers(lo[li], hi[li] + 1).astype("timedelta64[D]")
    pending = closed > END
    outcome = np.where(pending, "pending", outcome)
    level = np.where(pending | (outcome == "withdrawn"), None, level.astype(object))
    return {
        "county": np.full(n, county), "received_on": received, "channel": channel,
        "category": rng.choice(CATEGORIES[0], n, p=CATEGORIES[1]),
        "workers_involved": workers, "collective": workers >= 5, "skip_level": skip,
        "mediation_level": level, "outcome": outcome,
        "closed_on": np.where(pending, np.datetime64("NaT"), closed).astype("datetime64[D]")}


def npc_activities(rng, params: dict[str, CountyParams]) -> pl.DataFrame:
    rows = []
    for county in COUNTIES:
        size = params[county].size
        for month in MONTHS:
            day = month.astype("datetime64[D]").astype(object)
            if treated(county, month):
                rows.append((day, county, "reception_day", 1 + int(rng.poisson(0.3)), None))
                if (k := rng.poisson(1.5 * size)) > 0:
                    rows.append((day, county, "mediation", int(k), None))
                if (month >= np.datetime64(inspection_start(county), "M")
                        and int(str(month)[5:7]) % 3 == 0):
                    rows.append((day, county, "inspection", 1 + int(rng.poisson(0.4)), None))
            if int(str(month)[5:7]) <= 3:  # proposals are tabled around the NPC sessions
                k = 1 + int(rng.poisson(5 * size))
                supervised = county in RECEPTION_START and \
                    month >= np.datetime64(proposal_start(county), "M")
                p = PROPOSAL_P_AFTER if supervised else PROPOSAL_P_BEFORE
                rows.append((day, county, "proposal", k, int(rng.binomial(k, p))))
    return pl.DataFrame(rows, orient="row", schema={
        "activity_on": pl.Date, "county": pl.String, "kind": pl.String, "count": pl.Int64,
        "completed": pl.Int64})


def union_coverage(rng, params: dict[str, CountyParams]) -> pl.DataFrame:
    """Enterprises with a union, bargaining, a workers' congress; harmonious ones (Xilin:
    80 % of unionised enterprises in 2012, three excellent unions selected every year)."""
    rows = []
    for county in COUNTIES:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            t = (year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR)
            ent = int(round(220 * params[county].size * 1.04 ** (year - FIRST_YEAR)))
            with_union = int(ent * min(0.95, 0.45 + 0.47 * t + rng.normal(0, 0.02)))
            if county == XILIN:
                with_union -= with_union % 5
            harmonious = int(with_union * min(0.9, 0.40 + 0.45 * t + rng.normal(0, 0.02)))
            if county == XILIN and year == 2012:
                harmonious = with_union * 4 // 5
            rows.append((year, county, ent, with_union,
                         int(with_union * (0.30 + 0.55 * t)), int(with_union * (0.40 + 0.5 * t)),
                         harmonious, 3 if county == XILIN else int(rng.integers(1, 6))))
    return pl.DataFrame(rows, orient="row", schema=[
        "year", "county", "enterprises", "with_union", "with_bargaining",
        "with_workers_congress", "harmonious", "excellent_unions"])
