"""Indicator values from the warehouse: KPIs with 同比/环比, trends and breakdowns.

Measures of one table are computed in one scan (analytics/scan.py), and what a scan found is
kept per measure and bucket, so a view scans each measure and period once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import replace
from datetime import date

import polars as pl

from analytics import access, db, derived
from analytics.coverage import coverage
from analytics.filters import Filters
from analytics.indicators import INDICATORS, Indicator, Measure
from analytics.reference import lineage, region_level
from analytics.scan import (
    Bucket,
    Unavailable,
    available,
    kpi_buckets,
    period_buckets,
    period_start,
    scan,
)
from analytics.where import days, render
from core.schema import EVENT_ROLLUPS

# amount per person; a season's KPI, then the seasons' trend), each call cached by Streamlit on
# its own. Values are kept here per measure and bucket range, keyed by the warehouse file's
# stamp and the filters that enter the SQL (region, cuts; the range only through the buckets),
# so a view scans each measure and period once. A bucket's value does not depend on the other
# buckets of its scan. Small tuples of (dim, value); the oldest go first.
_MEMO: OrderedDict[tuple, tuple] = OrderedDict()
_MEMO_SIZE = 4096
_memo_lock = threading.Lock()


def clear_memo() -> None:
    """Forget computed measures (benchmarks timing a new view; a file swap needs no call)."""
    with _memo_lock:
        _MEMO.clear()


def _memo_get(key: tuple) -> tuple | None:
    with _memo_lock:
        frame = _MEMO.get(key)
        if frame is not None:
            _MEMO.move_to_end(key)
        return frame


def _memo_put(key: tuple, frame: tuple) -> None:
    with _memo_lock:
        _MEMO[key] = frame
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)


def evaluate(measures: list[Measure], f: Filters, buckets: list[Bucket],
             by: str | None = None, ahead: list[Bucket] | None = None
             ) -> dict[Measure, dict[tuple[str, str | None], float | None]]:
    """Each measure → {(bucket, dim): value}; one scan per (table, kind, date column),
    over the buckets not already computed for this file, region, cuts and breakdown.

    `ahead`: buckets likely asked for next (a KPI's trend), computed in the same scan where
    that costs no second pass over the rows (flows summed by month first, monthly tables) and
    kept for the next call. Values are kept as (dim, value) tuples per measure and bucket, and
    frames are built only by the caller, once: Polars operations per measure and bucket cost
    more than the scans."""
    access.check(f)  # before the memo: a result kept for another user is never handed out
    w = db.warehouse()
    view = (str(w.path), w.stamp, f.region, f.fund_source, f.category, by)
    measures = list(dict.fromkeys(measures))
    got = {(m, lo, hi): _memo_get((*view, m, lo, hi)) for m in measures for _, lo, hi in buckets}
    level = _level(f.region)
    read = {m: m if m.through else derived.by_county(m, by, level) or derived.summed(m, by)
            for m in measures}  # the load's tables keep no days: a capped measure reads rows
    groups: dict[tuple, list[Measure]] = defaultdict(list)
    for m in measures:
        r = read[m]
        groups[(r.table, r.kind, r.date_col, r.until_col, r.where, r.through)].append(m)
    todo = [(g, [b for b in buckets if any(got[(m, b[1], b[2])] is None for m in g)])
            for g in groups.values()]
    todo = [(g, missing + _ahead(g, read, f, by, view, ahead or [], missing))
            for g, missing in todo if missing]
    for group, missing in todo:
        try:
            rows = scan([read[m] for m in group], f, missing, by, level or region_level(f.region),
                        checked=True)
        except Unavailable:
            rows = []
        found: dict[tuple[str, int], list] = defaultdict(list)
        for row in rows:  # bucket, [dim], m0, m1, ...
            dim, values = (row[1], row[2:]) if by else (None, row[1:])
            for i, value in enumerate(values):
                found[(row[0], i)].append((dim, value))
        for i, m in enumerate(group):
            for name, lo, hi in missing:
                got[(m, lo, hi)] = tuple(found.get((name, i), ()))
                _memo_put((*view, m, lo, hi), got[(m, lo, hi)])
    return {m: {(name, dim): value for name, lo, hi in buckets
                 for dim, value in got[(m, lo, hi)]} for m in measures}


def _level(region: str) -> str | None:
    """The region's level, None for a region this warehouse does not know."""
    try:
        return region_level(region)
    except KeyError:
        return None


def _ahead(group: list[Measure], read: dict[Measure, Measure], f: Filters, by: str | None,
           view: tuple, ahead: list[Bucket], missing: list[Bucket]) -> list[Bucket]:
    """The buckets of `ahead` worth adding to this group's scan: not known yet, and the scan
    sums rows per month before it meets the buckets (or reads a monthly table), so more
    buckets cost no more rows. Names are kept apart from the asked buckets'."""
    m0 = read[group[0]]
    pairs = [(read[m], derived.gap_column(read[m], f, by)) for m in group]
    monthly = m0.kind == "stock_events" and m0.table in EVENT_ROLLUPS or (
        m0.kind in ("flow", "annual_flow") and all(g or derived.additive(m) for m, g in pairs)
        ) or derived.season_table(m0, pairs, by) is not None
    if not monthly:
        return []
    asked = {b[0] for b in missing}
    return [(f"ahead:{name}", lo, hi) for name, lo, hi in ahead if name not in asked
            and any(_memo_get((*view, m, lo, hi)) is None for m in group)]


def indicator_values(codes: list[str], f: Filters, buckets: list[Bucket],
                     by: str | None = None, ahead: list[Bucket] | None = None) -> pl.DataFrame:
    """Long frame: code, bucket, [dim], value (ratios as fractions, money in yuan)."""
    return _values([INDICATORS[c] for c in codes], f, buckets, by, ahead)


def _values(inds: list[Indicator], f: Filters, buckets: list[Bucket], by: str | None = None,
            ahead: list[Bucket] | None = None) -> pl.DataFrame:
    measures = [m for i in inds for m in (i.numerator, i.denominator) if m is not None]
    values = evaluate(measures, f, buckets, by, ahead)
    rows = [(i.code, bucket, dim, value) for i in inds
            for (bucket, dim), value in _combine(i, values).items()]
    columns = ["code", "bucket", *(["dim"] * bool(by)), "value"]
    if not rows:
        return pl.DataFrame(schema={c: pl.Float64 if c == "value" else pl.String
                                    for c in columns}) if inds else pl.DataFrame()
    return pl.DataFrame([r if by else (r[0], r[1], r[3]) for r in rows], orient="row",
                        schema={c: pl.Float64 if c == "value" else pl.String for c in columns})


def _combine(ind: Indicator, values: dict[Measure, dict]) -> dict:
    """{(bucket, dim): value} of the indicator: the numerator, or numerator ÷ denominator
    where the denominator is positive (no numerator: 0)."""
    num = values[ind.numerator]
    if ind.denominator is None:
        return num
    den = values[ind.denominator]
    return {k: (num.get(k) or 0) / d if (d := den.get(k)) is not None and d > 0 else None
            for k in {**num, **den}}


# --- what pages ask for ----------------------------------------------------------------------

def kpis(codes: list[str], f: Filters) -> pl.DataFrame:
    """code, value, year_ago (同比 base), previous (环比 base) over the filter's range."""
    buckets = kpi_buckets(f)
    same = buckets[1][1:] == buckets[2][1:]  # a 12-month range: 环比 base = 同比 base
    # Every page that shows KPIs shows their trend next: computed in the same scans.
    long = indicator_values(codes, f, buckets[:2] if same else buckets,
                            ahead=period_buckets(f))
    if same and long.height:  # one scan of those rows, not two
        long = pl.concat([long, long.filter(pl.col("bucket") == "yoy")
                          .with_columns(pl.lit("pop").alias("bucket"))])
    wide = long.pivot(on="bucket", index="code", values="value") if long.height else long
    base = pl.DataFrame({"code": codes})
    out = base.join(wide, on="code", how="left", maintain_order="left") if wide.height else base
    for col in ("cur", "yoy", "pop"):
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float64).alias(col))
    return out.select("code", pl.col("cur").alias("value"), pl.col("yoy").alias("year_ago"),
                      pl.col("pop").alias("previous"))


def trend(codes: list[str], f: Filters, by: str | None = None) -> pl.DataFrame:
    """period (date), code, [dim], value, year_ago for every period of the range.

    Seasonal indicators have one row per Spring Festival season (period = the festival day's
    period) and compare with the previous season.
    """
    buckets = period_buckets(f)
    long = _every_period(indicator_values(codes, f, buckets, by), codes, f, buckets, by)
    keys = ["code"] + (["dim"] if by else [])
    if not long.height:
        return pl.DataFrame(schema={"period": pl.Date, **{k: pl.String for k in keys},
                                    "value": pl.Float64, "year_ago": pl.Float64})
    long = long.with_columns(pl.col("bucket").str.to_date().alias("period")).drop("bucket")
    back = long.select(*keys, pl.col("period").dt.offset_by("1y"),
                       pl.col("value").alias("year_ago"))
    out = long.join(back, on=[*keys, "period"], how="left")
    return (out.filter(pl.col("period") >= period_start(f.start, f.granularity))
            .select("period", *keys, "value", "year_ago").sort([*keys, "period"]))


def _every_period(long: pl.DataFrame, codes: list[str], f: Filters, buckets: list[Bucket],
                  by: str | None) -> pl.DataFrame:
    """The scan's rows with every bucket of every indicator (and every dimension value found):
    a scan returns only buckets holding rows, and a chart of those joins January straight to
    March. A flow is 0 in a bucket without rows inside the months its table holds data for
    (nothing happened); outside them, and for rates and stocks, the value stays null (a gap)."""
    if by and not long.height:
        return long  # no dimension value to carry
    months = coverage().months
    dims = long["dim"].unique(maintain_order=True).to_list() if by else [None]
    grid = []
    for code in codes:
        ind = INDICATORS[code]
        if not all(available(m, f, by) for m in (ind.numerator, ind.denominator) if m):
            continue  # not kept at this level: no values at all
        span = months.get(ind.numerator.table) if ind.is_flow else None
        for name, s, e in buckets:
            fill = 0.0 if span and s <= span[1] and e >= span[0] else None
            grid += [(code, name, dim, fill) for dim in dims]
    if not grid:
        return long
    cols = ["code", "bucket", *(["dim"] * bool(by))]
    frame = pl.DataFrame([g if by else (g[0], g[1], g[3]) for g in grid], orient="row",
                         schema={**{c: pl.String for c in cols}, "fill": pl.Float64})
    return (frame.join(long, on=cols, how="left", nulls_equal=True)
            .select(*cols, pl.coalesce("value", "fill").alias("value")))


def through(codes: list[str], f: Filters, day: date, by: str | None = None) -> pl.DataFrame:
    """code, [dim], value over f's range counting only rows dated up to `day`: a season's
    work to a view's end (analytics.targets), where a range otherwise takes the whole season
    of each Spring Festival in it. No 同比: a year-ago range would need its own day."""
    inds = [replace(i, numerator=replace(i.numerator, through=day),
                    denominator=i.denominator and replace(i.denominator, through=day))
            for i in (INDICATORS[c] for c in codes)]
    long = _values(inds, f, kpi_buckets(f)[:1], by).drop("bucket", strict=False)
    return long.filter(pl.col("dim").is_not_null()) if by else long


def breakdown(codes: list[str], f: Filters, by: str) -> pl.DataFrame:
    """dim, code, value, year_ago: the range cut by one dimension (region = its children)."""
    buckets = kpi_buckets(f)[:2]
    long = indicator_values(codes, f, buckets, by)
    if not long.height:
        return pl.DataFrame(schema={"dim": pl.String, "code": pl.String, "value": pl.Float64,
                                    "year_ago": pl.Float64})
    wide = long.pivot(on="bucket", index=["dim", "code"], values="value")
    for col in ("cur", "yoy"):
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    return (wide.filter(pl.col("dim").is_not_null())
            .select("dim", "code", pl.col("cur").alias("value"), pl.col("yoy").alias("year_ago"))
            .sort(["code", "dim"]))


def interventions(f: Filters) -> pl.DataFrame:
    """Interventions whose scope covers or lies within the region, starting in the range."""
    below = render(access.check(f), county="t.scope_code", station="t.scope_code")
    sql = f"""SELECT intervention_id, kind, name_zh, coalesce(name_en, name_zh) AS name_en,
               scope_code, start_on
        FROM interventions t
        WHERE ({below.sql} OR list_contains($up, t.scope_code)) AND {days('t.start_on')}
        ORDER BY start_on"""
    return db.query(sql, {**below.params, "up": lineage(f.region), "start": f.start,
                          "end_day": f.end_day})
