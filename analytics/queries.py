"""Indicator values from the warehouse: KPIs with 同比/环比, trends and breakdowns.

Measures of one table are computed in one scan (analytics/scan.py), and what a scan found is
kept per measure and bucket, so a view scans each measure and period once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import polars as pl

from analytics import access, db, derived
from analytics.coverage import REPORTED, coverage, forget_views, reported_months
from analytics.filters import Filters, add_months
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
from analytics.where import render, used
from core.schema import EVENT_ROLLUPS

# amount per person; a season's KPI, then the seasons' trend), each call cached by Streamlit on
# its own. Values are kept here per measure and bucket range, keyed by the warehouse file's
# stamp and the filters that enter the SQL (region, cuts; the range only through the buckets),
# so a view scans each measure and period once. A bucket's value does not depend on the other
# buckets of its scan. Small tuples of (dim, value); the oldest go first.
_MEMO: OrderedDict[tuple, tuple] = OrderedDict()
_MEMO_SIZE = 4096
_memo_lock = threading.Lock()
# Measures numbered in the order first met, never renumbered (memo keys hold the numbers).
_IDS: dict[Measure, int] = {}
# A region's interventions by (file, stamp, region), a few rows each (see interventions).
_INTERVENTIONS: dict[tuple, pl.DataFrame] = {}


def clear_memo() -> None:
    """Forget computed measures, interventions and which tables hold rows in a view
    (benchmarks timing a new view; a file swap needs no call)."""
    with _memo_lock:
        _MEMO.clear()
        _INTERVENTIONS.clear()
    forget_views()


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
    ids = [_mid(m) for m in measures]  # keys of ints: a Measure hashes its nine fields
    got = {(i, lo, hi): _memo_get((*view, i, lo, hi)) for i in ids for _, lo, hi in buckets}
    level = _level(f.region)
    read = [m if m.through else derived.by_county(m, by, level) or derived.summed(m, by)
            for m in measures]  # the load's tables keep no days: a capped measure reads rows
    groups: dict[tuple, list[int]] = defaultdict(list)  # positions in `measures`
    for k, r in enumerate(read):
        groups[(r.table, r.kind, r.date_col, r.until_col, r.where, r.through)].append(k)
    todo = [(g, [b for b in buckets if any(got[(ids[k], b[1], b[2])] is None for k in g)])
            for g in groups.values()]
    todo = [(g, missing + _ahead([read[k] for k in g], [ids[k] for k in g], f, by, view,
                                 ahead or [], missing))
            for g, missing in todo if missing]
    for group, missing in todo:
        try:
            rows = scan([read[k] for k in group], f, missing, by,
                        level or region_level(f.region), checked=True)
        except Unavailable:
            rows = []
        found: dict[tuple[str, int], list] = defaultdict(list)
        for row in rows:  # bucket, [dim], m0, m1, ...
            dim, values = (row[1], row[2:]) if by else (None, row[1:])
            for i, value in enumerate(values):
                found[(row[0], i)].append((dim, value))
        for i, k in enumerate(group):
            for name, lo, hi in missing:
                got[(ids[k], lo, hi)] = tuple(found.get((name, i), ()))
                _memo_put((*view, ids[k], lo, hi), got[(ids[k], lo, hi)])
    return {m: {(name, dim): value for name, lo, hi in buckets
                 for dim, value in got[(i, lo, hi)]} for m, i in zip(measures, ids, strict=True)}


def _mid(m: Measure) -> int:
    """The measure's number in this process (equal measures share one), for memo keys."""
    number = _IDS.get(m)
    if number is None:
        with _memo_lock:
            number = _IDS.setdefault(m, len(_IDS))
    return number


def _level(region: str) -> str | None:
    """The region's level, None for a region this warehouse does not know."""
    try:
        return region_level(region)
    except KeyError:
        return None


def _ahead(read: list[Measure], ids: list[int], f: Filters, by: str | None, view: tuple,
           ahead: list[Bucket], missing: list[Bucket]) -> list[Bucket]:
    """The buckets of `ahead` worth adding to the scan of a group of measures (`read`: what
    each reads, `ids`: their memo numbers): not known yet, and the scan sums rows per month
    before it meets the buckets (or reads a monthly table), so more buckets cost no more
    rows. Names are kept apart from the asked buckets'."""
    m0 = read[0]
    pairs = [(m, derived.gap_column(m, f, by)) for m in read]
    monthly = m0.kind == "stock_events" and m0.table in EVENT_ROLLUPS or (
        m0.kind in ("flow", "annual_flow") and all(g or derived.additive(m) for m, g in pairs)
        ) or derived.season_table(m0, pairs, by) is not None
    if not monthly:
        return []
    asked = {b[0] for b in missing}
    return [(f"ahead:{name}", lo, hi) for name, lo, hi in ahead if name not in asked
            and any(_memo_get((*view, i, lo, hi)) is None for i in ids)]


def indicator_values(codes: list[str], f: Filters, buckets: list[Bucket],
                     by: str | None = None, ahead: list[Bucket] | None = None) -> pl.DataFrame:
    """Long frame: code, bucket, [dim], value (ratios as fractions, money in yuan)."""
    return _values([INDICATORS[c] for c in codes], f, buckets, by, ahead)


def _values(inds: list[Indicator], f: Filters, buckets: list[Bucket], by: str | None = None,
            ahead: list[Bucket] | None = None) -> pl.DataFrame:
    measures = [m for i in inds for m in (i.numerator, i.denominator) if m is not None]
    values = evaluate(measures, f, buckets, by, ahead)
    rows = [(i.code, bucket, dim, value) for i in inds
            for (bucket, dim), value in _reported(i, values, f, buckets, by).items()]
    columns = ["code", "bucket", *(["dim"] * bool(by)), "value"]
    if not rows:
        return pl.DataFrame(schema={c: pl.Float64 if c == "value" else pl.String
                                    for c in columns}) if inds else pl.DataFrame()
    return pl.DataFrame([r if by else (r[0], r[1], r[3]) for r in rows], orient="row",
                        schema={c: pl.Float64 if c == "value" else pl.String for c in columns})


def _reported(ind: Indicator, values: dict[Measure, dict], f: Filters, buckets: list[Bucket],
              by: str | None) -> dict:
    """The indicator's {(bucket, dim): value}, as far as the stations reported it (`_said`)."""
    return _combine(ind, values, by, _said(ind, f, buckets, _units(ind, values, by)))


def _combine(ind: Indicator, values: dict[Measure, dict], by: str | None = None,
             said: dict[tuple[str, str | None], bool] | None = None) -> dict:
    """{(bucket, dim): value} of the indicator: the numerator, or numerator ÷ denominator
    where the denominator is positive (no numerator: 0). A ratio cut by a dimension its
    numerator's rows of a bucket never record (relief rosters without 困难类别, beside a
    register that has it) is unknown in that bucket, not 0%.

    `said` (`_said`): whether the stations reported the numerator's table in a bucket (of a
    unit, in a breakdown by region or station). What they did not report is unknown (no
    value, a ratio's too); a bucket they reported without rows of the numerator had none: a
    flow is 0 there, as a ratio's numerator is."""
    num = values[ind.numerator]
    if said:
        num = {k: v for k, v in num.items() if _spoke(said, k)}
        if ind.is_flow and not by:
            num |= {k: 0.0 for k, spoke in said.items() if spoke and k not in num}
    if ind.denominator is None:
        return num
    den = values[ind.denominator]
    unknown = unrecorded(num) if by else set()
    return {k: (num.get(k) or 0) / d
            if (d := den.get(k)) is not None and d > 0 and k[0] not in unknown
            and (not said or _spoke(said, k)) else None
            for k in {**num, **den}}


def _said(ind: Indicator, f: Filters, buckets: list[Bucket], units: Iterable[str] = ()
          ) -> dict[tuple[str, str | None], bool] | None:
    """(bucket, None) → whether some help station in f.region sent rows or a 零报告 for a
    month of the bucket, and (bucket, unit) the same in each of `units` (regions or stations
    of a breakdown), for an indicator whose numerator counts what stations report month by
    month (coverage.REPORTED: relief paid, loans issued); None for any other. A month no
    station reported is a gap, not 0 (its files have not come yet, or were withdrawn)."""
    m = ind.numerator
    if REPORTED.get(m.table, (None, None))[1] != m.date_col or not available(m, f):
        return None
    out = {}
    for unit in (None, *units):
        months = reported_months(f if unit is None else replace(f, region=unit), m.table)
        out |= {(name, unit): any(mo in months for mo in _months_of(lo, hi))
                for name, lo, hi in buckets}
    return out


def _units(ind: Indicator, values: dict[Measure, dict], by: str | None) -> list[str]:
    """The regions or stations a breakdown by them found rows of the indicator's measures in."""
    if by not in ("region", "station"):
        return []
    return sorted({d for m in (ind.numerator, ind.denominator) if m in values
                   for _, d in values[m] if d is not None})


def _spoke(said: dict[tuple[str, str | None], bool], key: tuple[str, str | None]) -> bool:
    """Whether the bucket of `key` was reported, in its unit where `said` has it."""
    return said.get(key, said.get((key[0], None), True))


def _months_of(lo: date, hi: date) -> list[date]:
    """The first days of the months from lo's to hi's."""
    out, m = [], lo.replace(day=1)
    while m <= hi:
        out.append(m)
        m = add_months(m, 1)
    return out


def unrecorded(values: dict[tuple[str, str | None], float | None]) -> set[str]:
    """Buckets whose rows all lack the dimension they are cut by: values only under None."""
    named = {bucket for (bucket, dim), v in values.items() if dim is not None and v}
    return {bucket for (bucket, dim), v in values.items()
            if dim is None and v and bucket not in named}


def dim_unrecorded(code: str, f: Filters, by: str) -> bool:
    """The indicator's numerator has rows in the range, none of them recording `by` (an
    optional column left out: 困难类别 of relief rosters, 调处层级 of petition registers)."""
    m = INDICATORS[code].numerator
    return "cur" in unrecorded(evaluate([m], f, kpi_buckets(f)[:1], by)[m])


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

    Built in Python from the measures' values, then one frame: the Polars steps (grid join,
    year-ago join, filter, sort) cost more than the scans' memo hits, ten trends a page."""
    buckets = period_buckets(f)
    inds = [INDICATORS[c] for c in codes]
    rows = _every_period(_rows(inds, f, buckets, by), codes, f, buckets, by)
    keys = ["code"] + (["dim"] if by else [])
    schema = {"period": pl.Date, **{k: pl.String for k in keys}, "value": pl.Float64,
              "year_ago": pl.Float64}
    first = period_start(f.start, f.granularity)
    values = {(code, dim, date.fromisoformat(name)): value for code, name, dim, value in rows}
    out = [(period, code, dim, value,  # a null dimension meets no year-ago row (a join's)
            None if by and dim is None else values.get((code, dim, _year_before(period))))
           for (code, dim, period), value in values.items() if period >= first]
    out.sort(key=lambda r: (r[1], r[2] is not None, r[2] or "", r[0]))  # nulls first
    return pl.DataFrame([r if by else (r[0], r[1], r[3], r[4]) for r in out], orient="row",
                        schema=schema)


def _year_before(period: date) -> date:
    """The period a year earlier (periods start on the 1st of a month: no 29 February)."""
    return period.replace(year=period.year - 1)


def _rows(inds: list[Indicator], f: Filters, buckets: list[Bucket], by: str | None
          ) -> list[tuple]:
    """(code, bucket, dim, value) of each indicator, as `_values` frames them."""
    measures = [m for i in inds for m in (i.numerator, i.denominator) if m is not None]
    values = evaluate(measures, f, buckets, by)
    return [(i.code, bucket, dim if by else None, value) for i in inds
            for (bucket, dim), value in _reported(i, values, f, buckets, by).items()]


def _every_period(rows: list[tuple], codes: list[str], f: Filters, buckets: list[Bucket],
                  by: str | None) -> list[tuple]:
    """The scan's rows with every bucket of every indicator (and every dimension value found):
    a scan returns only buckets holding rows, and a chart of those joins January straight to
    March. A flow is 0 in a bucket without rows inside the months its table holds data for
    (nothing happened); outside them, and for rates and stocks, the value stays null (a gap).
    What stations report month by month (relief, loans) is 0 only in a bucket some station
    of the region reported (rows, or a 零报告), and a gap in one none did (`_said`)."""
    if by and not rows:
        return rows  # no dimension value to carry
    months = coverage().months
    dims = list(dict.fromkeys(r[2] for r in rows)) if by else [None]
    found = {r[:3]: r[3] for r in rows}
    grid = []
    for code in codes:
        ind = INDICATORS[code]
        if not all(available(m, f, by) for m in (ind.numerator, ind.denominator) if m):
            continue  # not kept at this level: no values at all
        span = months.get(ind.numerator.table) if ind.is_flow else None
        units = [d for d in dims if d is not None] if by in ("region", "station") else []
        said = _said(ind, f, buckets, units) if ind.is_flow else None
        for name, s, e in buckets:
            fill = 0.0 if span and s <= span[1] and e >= span[0] else None
            for dim in dims:
                value = found.get((code, name, dim))
                if value is None and said is not None:
                    value = 0.0 if _spoke(said, (name, dim)) else None
                grid.append((code, name, dim, fill if value is None and said is None else value))
    return grid if grid else rows


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
    region = access.check(f).region
    w = db.warehouse()
    key = (str(w.path), w.stamp, region)
    frame = _INTERVENTIONS.get(key)
    if frame is None:
        frame = _interventions_of(region)
        with _memo_lock:
            if len(_INTERVENTIONS) > 256:
                _INTERVENTIONS.clear()
            _INTERVENTIONS[key] = frame
    return frame.filter(pl.col("start_on").is_between(f.start, f.end_day))


def _interventions_of(region: str) -> pl.DataFrame:
    """Every intervention whose scope covers or lies within `region`, by start (ties by id, so
    the order is the same at every call): one query per region, which each range of a view
    then filters (a relief view shows two ranges)."""
    below = render(Filters(region=region), county="t.scope_code", station="t.scope_code")
    sql = f"""SELECT intervention_id, kind, name_zh, coalesce(name_en, name_zh) AS name_en,
               scope_code, start_on
        FROM interventions t
        WHERE ({below.sql} OR list_contains($up, t.scope_code))
        ORDER BY start_on, intervention_id"""
    return db.query(sql, {**used(below.params, sql), "up": lineage(region)})
