"""The facts alert conditions and the briefing's 存在的问题 read: per sub-region of a region's
subtree and per period, an indicator's value with its 同比 and 环比 bases, petition counts,
local matching funds allocated and not received, and help stations silent in a month.

Indicators come from the catalogue through analytics.queries (never redefined here); the two
tables the catalogue has no indicator for (the station registry and 零报告) are read with the
region rendered by analytics.where, values bound. Every function takes a Filters (its region
the root of the subtree, its range the period) and checks its scope first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from analytics import access, db, indicators, queries, reference
from analytics.coverage import coverage
from analytics.filters import Filters
from analytics.indicators import INDICATORS
from analytics.scan import kpi_buckets
from analytics.where import render

# The catalogue's petition measures, counted per unit (the catalogue has 群体性诉求件数 as an
# indicator and skip-level petitions only as a share's numerator: both read the same measure).
PETITION_MEASURES = {"all": indicators.PETITIONS, "collective": indicators.COLLECTIVE,
                     "skip_level": indicators.SKIP_LEVEL}
_LONG = {"region": pl.String, "code": pl.String, "value": pl.Float64,
         "year_ago": pl.Float64, "previous": pl.Float64}


def units(region: str, depth: int) -> list[str]:
    """The regions `depth` levels below `region` in the hierarchy (0: the region itself).
    A branch that ends earlier (a county without stations) contributes nothing."""
    tree, level = reference.children(), [region]
    for _ in range(max(depth, 0)):
        level = [c for r in level for c in tree.get(r, [])]
    return sorted(level)


def _by(f: Filters, depth: int, found: list[str]) -> str | None | list:
    """How one scan reaches the units: None (the region), "region" (its children), "county"
    (every county in its scope) or, where no breakdown reaches them, the units one by one."""
    if depth <= 0:
        return None
    if depth == 1:
        return "region"
    levels = {reference.region_level(u) for u in found}
    return "county" if levels == {"county"} else found


def indicator_by_unit(codes: list[str], f: Filters, depth: int = 1) -> pl.DataFrame:
    """region, code, value, year_ago (同比 base), previous (环比 base) of each catalogue
    indicator for each unit `depth` levels below f.region over f's range. A flow (persons,
    yuan, counts) is 0 for a unit without rows while its table holds data for the range; a
    rate or stock without rows has no value (no row)."""
    access.check(f)
    found = units(f.region, depth)
    if not found or not codes:
        return pl.DataFrame(schema=_LONG)
    by = _by(f, depth, found)
    if isinstance(by, list):  # unit by unit: a mixed level (townships beside stations)
        parts = [indicator_by_unit(codes, replace(f, region=u), 0) for u in by]
        return pl.concat(parts) if parts else pl.DataFrame(schema=_LONG)
    long = queries.indicator_values(codes, f, kpi_buckets(f), by)
    if not long.height:
        long = pl.DataFrame(schema={"code": pl.String, "bucket": pl.String, "value": pl.Float64})
    if by is None:
        long = long.with_columns(pl.lit(f.region).alias("dim"))
    wide = long.pivot(on="bucket", index=["dim", "code"], values="value") if long.height \
        else pl.DataFrame(schema={"dim": pl.String, "code": pl.String})
    for col in ("cur", "yoy", "pop"):
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    out = wide.filter(pl.col("dim").is_in(found)).select(
        pl.col("dim").alias("region"), "code", pl.col("cur").alias("value"),
        pl.col("yoy").alias("year_ago"), pl.col("pop").alias("previous"))
    if kpi_buckets(f)[1][1:] == kpi_buckets(f)[2][1:]:  # a year: 环比 base = 同比 base
        out = out.with_columns(pl.col("year_ago").alias("previous"))
    return _zero_flows(out.cast(_LONG), codes, f, found)


def _zero_flows(out: pl.DataFrame, codes: list[str], f: Filters, found: list[str]
                ) -> pl.DataFrame:
    """A flow's value, 同比 and 环比 bases are 0 for a unit without rows in a range its table
    speaks for (nothing happened there), so a fall to nothing or a rise from nothing shows."""
    months = coverage().months
    ranges = dict(zip(("value", "year_ago", "previous"),
                      ((s, e) for _, s, e in kpi_buckets(f)), strict=True))
    for code in codes:
        ind = INDICATORS[code]
        span = months.get(ind.numerator.table)
        if not ind.is_flow or not span:
            continue
        have = set(out.filter(pl.col("code") == code)["region"].to_list())
        extra = [(u, code, None, None, None) for u in found if u not in have]
        if extra:
            out = pl.concat([out, pl.DataFrame(extra, schema=_LONG, orient="row")])
        spoken = [c for c, (s, e) in ranges.items() if s <= _month_end(span[1]) and e >= span[0]]
        out = out.with_columns(
            pl.when(pl.col("code") == code).then(pl.col(c).fill_null(0.0)).otherwise(pl.col(c))
            .alias(c) for c in spoken)
    return out


def _month_end(d: date) -> date:
    return Filters(start=d, end=d).end_day


def petition_counts(f: Filters, depth: int = 1) -> pl.DataFrame:
    """region, all, collective, skip_level: petitions received over f's range per unit
    `depth` levels below f.region (units with none are left out)."""
    access.check(f)
    found = units(f.region, depth)
    schema = {"region": pl.String, **{k: pl.Float64 for k in PETITION_MEASURES}}
    if not found:
        return pl.DataFrame(schema=schema)
    by = _by(f, depth, found)
    if isinstance(by, list):
        parts = [petition_counts(replace(f, region=u), 0) for u in by]
        return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    cur = kpi_buckets(f)[:1]
    values = queries.evaluate(list(PETITION_MEASURES.values()), f, cur, by)
    rows: dict[str, dict[str, float]] = {}
    for kind, m in PETITION_MEASURES.items():
        for (_, dim), value in values[m].items():
            rows.setdefault(dim if by else f.region, {})[kind] = value or 0.0
    data = [(r, *(v.get(k, 0.0) for k in PETITION_MEASURES)) for r, v in rows.items()
            if r in found]
    return pl.DataFrame(data, schema=schema, orient="row").sort("region")


def matching_arrears(f: Filters, depth: int | None = None) -> pl.DataFrame:
    """region, year, allocated, received, gap: local matching funds (地方财政配套) allocated
    and not (fully) received, per year of f's range and per unit `depth` levels below
    f.region (None: per county in its scope), largest gap first."""
    access.check(f)
    schema = {"region": pl.String, "year": pl.Int32, "allocated": pl.Float64,
              "received": pl.Float64, "gap": pl.Float64}
    parts = []
    for year in range(f.start.year, f.end.year + 1):
        y = replace(f, start=max(f.start, date(year, 1, 1)), end=min(f.end, date(year, 12, 1)),
                    granularity="year")
        if depth is None:
            long = queries.breakdown(["matching_allocated", "matching_received"], y, "county") \
                .rename({"dim": "region"})
        else:
            long = indicator_by_unit(["matching_allocated", "matching_received"], y, depth)
        if not long.height:
            continue
        w = long.pivot(on="code", index="region", values="value")
        for col in ("matching_allocated", "matching_received"):
            if col not in w.columns:
                w = w.with_columns(pl.lit(None, pl.Float64).alias(col))
        parts.append(w.select(
            "region", pl.lit(year, pl.Int32).alias("year"),
            pl.col("matching_allocated").alias("allocated"),
            pl.col("matching_received").fill_null(0).alias("received")))
    if not parts:
        return pl.DataFrame(schema=schema)
    return (pl.concat(parts).cast({k: v for k, v in schema.items() if k != "gap"})
            .with_columns((pl.col("allocated") - pl.col("received")).alias("gap"))
            .filter(pl.col("allocated") > 0, pl.col("gap") > 0.005)
            .select(list(schema)).sort(["gap", "region", "year"], descending=[True, False, False]))


def silent_stations(f: Filters) -> pl.DataFrame:
    """station_code, county_code, name_zh, name_en: help stations in f.region's subtree, open
    during the month f.start (registered, not closed before it), that have neither relief rows
    dated in that month nor a 零报告 (zero_reports) declaring it."""
    access.check(f)
    where = render(f, county="t.county_code", station="t.station_code")
    schema = {"station_code": pl.String, "county_code": pl.String, "name_zh": pl.String,
              "name_en": pl.String}
    if where is None or not _has_table("zero_reports"):
        return pl.DataFrame(schema=schema)
    month = f.start.replace(day=1)
    last = replace(f, end=month).end_day
    return db.query(
        f"""SELECT t.station_code, t.county_code, coalesce(g.name_zh, t.name_zh) AS name_zh,
                   coalesce(g.name_en, g.name_zh, t.name_zh) AS name_en
            FROM help_stations t LEFT JOIN regions g ON g.region_code = t.station_code
            WHERE {where.sql}
              AND (t.established_on IS NULL OR t.established_on <= $last)
              AND (t.closed_on IS NULL OR t.closed_on >= $month)
              AND NOT EXISTS (SELECT 1 FROM relief r WHERE r.station_code = t.station_code
                              AND r.relief_date BETWEEN $month AND $last)
              AND NOT EXISTS (SELECT 1 FROM zero_reports z WHERE z.station_code = t.station_code
                              AND z.month = $month AND z.kind = 'relief')
            ORDER BY t.station_code""",
        {**where.params, "month": month, "last": last}).cast(schema)


@db.per_file
def _has_table(name: str) -> bool:
    return db.query("SELECT count(*) AS n FROM information_schema.tables "
                    "WHERE table_name = $name", {"name": name})["n"][0] > 0


def unit_of(code: str, root: str, depth: int) -> str | None:
    """The unit `depth` levels below `root` that `code` lies in (None: outside the subtree
    or above that depth)."""
    chain = list(reversed(reference.lineage(code)))  # from the top down to the code
    if root not in chain:
        return None
    i = chain.index(root) + depth
    return chain[i] if i < len(chain) else None
