"""Suggest a method and comparison regions from an intervention's scope and start dates.

Rules (the page shows the suggestion and lets the user change it):
- starts that differ between counties → event study (staggered adoption);
- every county treated (a national measure) → interrupted time series, no comparison;
- one treated county → interrupted time series (a DiD with one treated cluster has no
  reliable interval), with comparison counties offered for a DiD anyway;
- several treated and some untreated counties → difference-in-differences.
Comparison counties are untreated ones, nearest first (same city, same province, other),
then with the most similar pre-period trend of the outcome when a panel is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

Method = Literal["its", "did", "event_study"]
MAX_COMPARISON = 12


@dataclass(frozen=True)
class Design:
    method: Method
    treated: tuple[str, ...]  # county codes
    comparison: tuple[str, ...]  # untreated county codes, best first
    starts: dict[str, dt.date]  # each treated county's first month under the intervention
    reason: str  # a key of effects.messages (zh/en)


def treated_counties(scopes: pl.DataFrame, regions: pl.DataFrame) -> dict[str, dt.date]:
    """County → earliest start, for rows (scope_code, start_on) over the region hierarchy
    (region_code, parent_code, level). A province, city or the country covers its counties;
    a station counts for its county."""
    ancestry = _county_ancestry(regions)
    level = dict(regions.select("region_code", "level").iter_rows())
    parent = dict(regions.select("region_code", "parent_code").iter_rows())
    starts: dict[str, dt.date] = {}
    for scope, start in scopes.select("scope_code", "start_on").iter_rows():
        if level.get(scope) == "station":
            scope = parent[scope]
        for county, city, province in ancestry.iter_rows():
            covered = level.get(scope) == "country" or scope in (county, city, province)
            if covered and (county not in starts or start < starts[county]):
                starts[county] = start
    return starts


def suggest_design(
    scopes: pl.DataFrame,
    regions: pl.DataFrame,
    *,
    panel: pl.DataFrame | None = None,
    max_comparison: int = MAX_COMPARISON,
) -> Design:
    """The suggested method and comparison counties for an intervention.

    `scopes`: (scope_code, start_on) rows of the intervention (several rows when counties
    start at different dates). `panel` (optional): region_code, month, value of the outcome,
    used to rank comparison counties by pre-period trend similarity.
    """
    starts = treated_counties(scopes, regions)
    counties = _county_ancestry(regions)
    untreated = [c for c in counties["county"].to_list() if c not in starts]
    comparison = _rank(untreated, starts, counties, panel)[:max_comparison]
    treated = tuple(sorted(starts))
    if len(set(starts.values())) > 1:
        method, reason = "event_study", "reason_staggered"
    elif not untreated:
        method, reason = "its", "reason_all_treated"
    elif len(starts) == 1:
        method, reason = "its", "reason_single_region"
    else:
        method, reason = "did", "reason_treated_and_untreated"
    return Design(method, treated, tuple(comparison), starts, reason)


def _county_ancestry(regions: pl.DataFrame) -> pl.DataFrame:
    """One row per county: county, city, province codes."""
    parent = dict(regions.select("region_code", "parent_code").iter_rows())
    rows = []
    for code in regions.filter(pl.col("level") == "county")["region_code"].to_list():
        city = parent.get(code)
        rows.append((code, city, parent.get(city)))
    return pl.DataFrame(rows, schema=["county", "city", "province"], orient="row")


def _rank(
    untreated: list[str],
    starts: dict[str, dt.date],
    counties: pl.DataFrame,
    panel: pl.DataFrame | None,
) -> list[str]:
    if not untreated:
        return []
    treated = counties.filter(pl.col("county").is_in(list(starts)))
    cities, provinces = set(treated["city"].to_list()), set(treated["province"].to_list())
    gap = _trend_gap(untreated, starts, panel)
    ranked = counties.filter(pl.col("county").is_in(untreated)).with_columns(
        tier=pl.when(pl.col("city").is_in(list(cities))).then(0)
        .when(pl.col("province").is_in(list(provinces))).then(1)
        .otherwise(2),
        gap=pl.col("county").replace_strict(gap, default=None, return_dtype=pl.Float64),
    )
    return ranked.sort("tier", "gap", "county", nulls_last=True)["county"].to_list()


def _trend_gap(
    untreated: list[str], starts: dict[str, dt.date], panel: pl.DataFrame | None
) -> dict[str, float]:
    """|pre-period slope of a county's outcome, relative to its mean − the treated mean's|."""
    if panel is None or not starts:
        return {}
    first = min(starts.values())
    pre = panel.filter(pl.col("month") < first).with_columns(
        x=(pl.col("month").dt.year() * 12 + pl.col("month").dt.month()).cast(pl.Float64),
        y=pl.col("value").cast(pl.Float64),
    )
    slopes = pre.group_by("region_code").agg(
        slope=pl.cov("x", "y") / pl.col("x").var() / pl.col("y").mean()
    )
    treated = slopes.filter(pl.col("region_code").is_in(list(starts)))["slope"].mean()
    if treated is None:
        return {}
    rows = slopes.filter(pl.col("region_code").is_in(untreated))
    return {r: abs(s - treated) for r, s in rows.iter_rows() if s is not None}
