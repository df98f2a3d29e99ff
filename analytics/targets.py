"""Targets (目标任务) against what was done: 完成率, 序时进度 and the ranking of sub-regions.

A target is a region's figure for an indicator of the catalogue in a year (table `targets`,
loaded from 目标任务表 files). Its progress is the indicator's year-to-date value from
analytics.queries (no SQL of its own for the figures) divided by the target (完成率), beside
the share of the year elapsed up to the data's last month or the filter's end (序时进度):
for work kept by Spring Festival season (两节慰问) the share of the season elapsed
(core/festival.py). Work ahead of schedule has 完成率 above 序时进度 (`ahead_pp` > 0).

序时进度 applies to work that adds up over the year (persons trained, yuan paid); a rate or a
stock (和谐企业占比 80%) has a 完成率 (actual ÷ target) and no 序时进度.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from analytics import access, db, queries
from analytics.coverage import coverage
from analytics.filters import Filters, add_months
from analytics.indicators import INDICATORS, Indicator
from analytics.reference import children
from core.festival import spring_festivals
from core.messages import register, render

register("schedule", {"on": ("与序时进度持平", "on schedule"),
                      "ahead": ("超序时进度{pp}个百分点", "{pp} points ahead of schedule"),
                      "behind": ("落后序时进度{pp}个百分点", "{pp} points behind schedule")})

COLUMNS: dict[str, pl.DataType] = {
    "region_code": pl.String, "is_total": pl.Boolean, "indicator": pl.String,
    "year": pl.Int64, "season": pl.Int64, "target": pl.Float64, "actual": pl.Float64,
    "completion": pl.Float64, "elapsed_share": pl.Float64, "ahead_pp": pl.Float64,
    "as_of": pl.Date,
}


@db.per_file
def has_targets() -> bool:
    """Whether the warehouse holds a targets table with rows (older ones may lack it)."""
    found = db.rows("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'w' "
                    "AND schema_name = 'main' AND table_name = 'targets'")[0][0]
    return bool(found) and db.rows("SELECT count(*) FROM targets")[0][0] > 0


def _target_rows(con: db.Warehouse, f: Filters, year: int) -> pl.DataFrame:
    """region_code, indicator, target, season: the targets of `year` set for the filter's
    region and its sub-regions."""
    codes = [f.region, *children().get(f.region, [])]
    return con.sql("""SELECT region_code, indicator, target, season FROM targets
                      WHERE year = $year AND list_contains($codes, region_code)
                      ORDER BY indicator, region_code""", {"year": year, "codes": codes})


def progress(con: db.Warehouse | None, filters: Filters, year: int) -> pl.DataFrame:
    """Progress of every target of `year` for the filter's region (`is_total`) and its
    sub-regions: target, actual (year to date), completion (完成率, a fraction),
    elapsed_share (序时进度, a fraction; null for rates and stocks), ahead_pp (completion −
    elapsed, percentage points) and as_of (the last day counted). `con`: the warehouse
    (default the current one; the figures come from analytics.queries, which reads it)."""
    f = replace(access.check(filters), fund_source=None, category=None)  # a target is whole
    con = con or db.warehouse()
    if not has_targets():
        return pl.DataFrame(schema=COLUMNS)
    rows = _target_rows(con, f, year)
    out = []
    for code in rows["indicator"].unique(maintain_order=True).to_list():
        if code not in INDICATORS:  # a code the catalogue dropped since the file was loaded
            continue
        ind = INDICATORS[code]
        mine = rows.filter(pl.col("indicator") == code)
        for season, group in _by_season(ind, mine, year):
            out += _rows(ind, group, f, year, season)
    if not out:
        return pl.DataFrame(schema=COLUMNS)
    return pl.DataFrame(out, schema=COLUMNS, orient="row")


def _by_season(ind: Indicator, rows: pl.DataFrame, year: int):
    """(season, rows): seasonal targets grouped by the Spring Festival season they are for
    (their own, else `year`'s); other indicators in one group with season None."""
    if not ind.seasonal:
        return [(None, rows)]
    rows = rows.with_columns(pl.col("season").fill_null(year))
    return [(s, rows.filter(pl.col("season") == s)) for s in rows["season"].unique().sort()]


def _rows(ind: Indicator, targets: pl.DataFrame, f: Filters, year: int,
          season: int | None) -> list[tuple]:
    """One row per target of one indicator (and season): the actual from the catalogue's
    queries, the region's own by `kpis` and the sub-regions' by one `breakdown`."""
    as_of = _as_of(ind, f, year)
    elapsed = _elapsed(ind, as_of, year, season)
    actual = _actuals(ind, f, year, season, as_of)
    out = []
    for region, target in targets.select("region_code", "target").iter_rows():
        goal = target / 100 if ind.is_rate and target > 1 else target  # 80 means 80%
        value = actual.get(region)
        done = value / goal if value is not None and goal > 0 else None
        ahead = (done - elapsed) * 100 if done is not None and elapsed is not None else None
        out.append((region, region == f.region, ind.code, year, season, goal, value, done,
                    elapsed, ahead, as_of))
    return out


def _as_of(ind: Indicator, f: Filters, year: int) -> date:
    """The last day counted: the end of the last month the indicator's table holds data for
    (the warehouse's, not the region's: a county that has not reported yet is behind) or of
    the filter's range, whichever is earlier, within `year` (for a season: within the year
    of its festival and the next, where the season ends)."""
    span = coverage().months.get(ind.numerator.table)
    month = min(f.end, span[1]) if span else f.end
    cap = date(year + (1 if ind.seasonal else 0), 12, 1)
    return add_months(min(month, cap), 1) - timedelta(days=1)


def _elapsed(ind: Indicator, as_of: date, year: int, season: int | None) -> float | None:
    """序时进度: the share of the year (calendar months) or season (days) elapsed by `as_of`;
    None where it does not apply (rates, averages, stocks)."""
    if not ind.is_flow:
        return None
    if ind.seasonal:
        _, _, start, end = next(s for s in spring_festivals() if s[0] == season)
        share = (as_of + timedelta(days=1) - start).days / (end - start).days
    else:
        share = (as_of.month if as_of.year == year else 12 * (as_of.year > year)) / 12
    return min(max(share, 0.0), 1.0)


def _actuals(ind: Indicator, f: Filters, year: int, season: int | None,
             as_of: date) -> dict[str, float | None]:
    """Region code → the indicator's value from January of `year` to `as_of` (a seasonal
    one: its season's from the season's first day to `as_of`, as 序时进度 counts it, never
    past the view's end), for the filter's region and each of its sub-regions."""
    if ind.seasonal:
        return _season_actuals(ind, f, season, as_of)
    start, end = date(year, 1, 1), as_of.replace(day=1)
    if end < start:
        return {}
    view = replace(f, start=start, end=end, granularity="year")
    own = queries.kpis([ind.code], view)
    values = {f.region: own["value"][0] if own.height else None}
    if children().get(f.region):
        parts = queries.breakdown([ind.code], view, "region")
        values |= dict(parts.select("dim", "value").iter_rows())
    return _zero_without_rows(ind, f, values, start, end)


def _season_actuals(ind: Indicator, f: Filters, season: int,
                    as_of: date) -> dict[str, float | None]:
    """The season's work up to `as_of`: the range is the year of its festival (which puts
    the season in the scan's bucket), its rows counted only to `as_of` (queries.through)."""
    _, _, first, _ = next(s for s in spring_festivals() if s[0] == season)
    if as_of < first:
        return {}
    view = replace(f, start=date(season, 1, 1), end=date(season, 12, 1), granularity="year")
    own = queries.through([ind.code], view, as_of)
    values = {f.region: own["value"][0] if own.height else None}
    if children().get(f.region):
        parts = queries.through([ind.code], view, as_of, "region")
        values |= dict(parts.select("dim", "value").iter_rows())
    return _zero_without_rows(ind, f, values, first.replace(day=1), as_of.replace(day=1))


def _zero_without_rows(ind: Indicator, f: Filters, values: dict[str, float | None],
                       start: date, end: date) -> dict[str, float | None]:
    """The values, with 0 for the region and sub-regions without rows in months `start` to
    `end` that the indicator's table holds data for."""
    # A breakdown returns the sub-regions with rows; for a count or sum over months the
    # data speak for, a sub-region without rows did none of the work: 0, not unknown.
    span = coverage().months.get(ind.numerator.table)
    if ind.is_flow and span and span[0] <= end and span[1] >= start:
        values = {c: 0.0 for c in [f.region, *children().get(f.region, [])]} | {
            c: v for c, v in values.items() if v is not None}
    return values


def ranking(frame: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """排名通报: the sub-regions with a target for `indicator`, best 完成率 first, numbered
    (equal 完成率, equal rank); those without an actual last, unranked."""
    rows = frame.filter(~pl.col("is_total") & (pl.col("indicator") == indicator))
    return (rows.with_columns(rank=pl.col("completion").rank("min", descending=True)
                              .cast(pl.Int64))
            .sort(["rank", "region_code"], nulls_last=True)
            .select("rank", *[c for c in rows.columns if c != "rank"]))


def ahead_words(ahead_pp: float | None, lang: str = "zh") -> str:
    """'超序时进度2.7个百分点', '落后序时进度3.0个百分点', '与序时进度持平' (or English); '' when
    there is no 序时进度 (rates)."""
    if ahead_pp is None or math.isnan(ahead_pp):
        return ""
    if abs(ahead_pp) < 0.05:  # rounds to 0.0
        return render("schedule.on", lang)
    return render("schedule.ahead" if ahead_pp > 0 else "schedule.behind", lang,
                  pp=f"{abs(ahead_pp):.1f}")
