"""One scan of one fact table: the SQL that puts a table's rows into time buckets and a
breakdown, for measures sharing table, kind and date column (analytics.queries runs it).

Time enters through "buckets" (name, first day, last day): the current range and its
comparison ranges for a KPI, one bucket per period for a trend. All user values are bound
parameters; SQL text comes from the catalogue and this module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from analytics import access, db, derived
from analytics.filters import Filters, add_months
from analytics.indicators import PERSONS, TABLE_DIMS, Measure
from analytics.reference import children, has_townships, region_level, scope_codes
from analytics.where import region_sql, render, used
from core import festival
from core.festival import spring_festivals
from core.schema import EVENT_ROLLUPS

Bucket = tuple[str, date, date]


class Unavailable(ValueError):
    """The table does not record the region level or dimension asked for."""


def kpi_buckets(f: Filters) -> list[Bucket]:
    """The range, the same range a year earlier (同比) and the range just before (环比)."""
    return [(name, g.start, g.end_day) for name, g in
            (("cur", f), ("yoy", f.year_ago()), ("pop", f.previous()))]


def period_buckets(f: Filters, back: int = 12) -> list[Bucket]:
    """One bucket per period, starting `back` months early so the first periods have 同比."""
    step = {"month": 1, "quarter": 3, "year": 12}[f.granularity]
    first = period_start(add_months(f.start, -back), f.granularity)
    out, p = [], first
    while p <= f.end:
        nxt = add_months(p, step)
        out.append((p.isoformat(), p, nxt - timedelta(days=1)))
        p = nxt
    return out


def period_start(d: date, granularity: str) -> date:
    if granularity == "year":
        return date(d.year, 1, 1)
    if granularity == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return d.replace(day=1)


# --- one scan of one table -------------------------------------------------------------------

def _time_sql(m: Measure) -> tuple[str, str]:
    """(join clause putting rows of `t` into bucket `b`, extra WHERE) for the measure's kind.

    Dated rows meet their buckets by an equality on a key (month number, year or Spring
    Festival season; see _bucket_keys): a hash join with a tiny build side, three times
    faster than a range join of every row against the buckets' first and last days."""
    d = f"t.{m.date_col}"
    if m.kind == "flow":  # the explicit outer range lets the scan skip row groups by date
        return f"JOIN buckets b ON b.k = {derived.month_key(m)}", f"{d} BETWEEN $lo AND $hi"
    if m.kind == "stock_events":
        return "", ""  # _events_sql places the rows in time
    if m.kind == "stock":
        until = f"coalesce(t.{m.until_col}, DATE '9999-12-31')" if m.until_col else \
            "DATE '9999-12-31'"
        return f"JOIN buckets b ON {d} <= b.e AND {until} > b.e", ""
    if m.kind == "annual":
        return "JOIN buckets b ON t.year BETWEEN year(b.s) AND year(b.e)", ""
    if m.kind == "annual_stock":
        return "JOIN buckets b ON t.year = year(b.e)", ""
    if m.kind == "annual_flow":
        return (f"JOIN buckets b ON b.k = year({d})",
                f"{d} >= make_date(year($lo), 1, 1) AND {d} <= make_date(year($hi), 12, 31)")
    if m.kind == "season":  # equality joins: 25-35% faster than an ASOF join (3.5M rows)
        return (f"{_season_joins(d)} JOIN buckets b ON b.k = sf.season",
                f"{d} BETWEEN $lo - INTERVAL 400 DAY AND $hi + INTERVAL 400 DAY")
    raise ValueError(m.kind)


FESTIVALS = "memory.main.spring_festivals"


def _season_joins(d: str) -> str:
    """Joins giving the row dated `d` its Spring Festival season as `sf.season`."""
    join, season = festival.season_sql(d, FESTIVALS, "nx")
    return f"{join} JOIN {FESTIVALS} sf ON sf.season = {season}"


def _bucket_keys(m: Measure, buckets: list[Bucket]) -> list[tuple]:
    """(name, first day, last day, first day counted, key, first key) for every key of every
    bucket: month numbers for flows, years for whole-year flows, the seasons whose Spring
    Festival falls in the bucket for seasons (first day counted: the first such season's
    start); kinds placed by range have one row per bucket."""
    out = []
    for name, s, e in buckets:
        if m.kind == "flow":
            first = s.year * 12 + s.month - 1
            out += [(name, s, e, s, k, first) for k in range(first, e.year * 12 + e.month)]
        elif m.kind == "annual_flow":
            out += [(name, s, e, s, y, s.year) for y in range(s.year, e.year + 1)]
        elif m.kind == "season":
            seasons = [(y, start) for y, fest, start, _ in spring_festivals() if s <= fest <= e]
            day, key = min((start, y) for y, start in seasons) if seasons else (s, 0)
            out += [(name, s, e, day, y, key) for y, _ in seasons]
        else:
            out.append((name, s, e, s, 0, 0))
    return out


def _dim_sql(by: str | None, table: str, level: str,
             township_children: bool = False) -> tuple[str, str]:
    """(join, group expression) for a breakdown; region means the children of $region."""
    if by is None:
        return "", ""
    if by == "county":  # every county in scope, whatever the region's level
        return "", "t.county_code"
    if by == "region":
        if level == "station":
            raise Unavailable("a help station has no sub-regions")
        if level in ("county", "township"):
            if "station" not in TABLE_DIMS[table]:
                raise Unavailable(f"{table} is not kept by help station")
            if township_children:  # stations under townships: grouped by the township
                return derived.tree_join("t.station_code"), "tree.child"
            return "", "t.station_code"
        return derived.tree_join("t.county_code"), "tree.child"  # tree: see scan()
    col = TABLE_DIMS[table].get(by)
    if col is None:
        raise Unavailable(f"{table} cannot be cut by {by}")
    return "", f"t.{col}"


def available(m: Measure, f: Filters, by: str | None = None) -> bool:
    """Whether the measure's table is kept at the region's level and by `by` (else a scan
    raises Unavailable: no value at all, not zero)."""
    level = region_level(f.region)
    if region_sql(level, "t.county_code", _station(m.table)) is None:
        return False
    try:
        _dim_sql(by, m.table, level)
    except Unavailable:
        return False
    return True


def _station(table: str) -> str | None:
    """The table's help-station column, if it keeps one."""
    return "t.station_code" if "station" in TABLE_DIMS[table] else None


def scan(measures: list[Measure], f: Filters, buckets: list[Bucket], by: str | None = None,
         level: str | None = None, *, checked: bool = False) -> list[tuple]:
    """Rows of bucket, [dim], m0, m1, ... for measures sharing table, kind and date column.
    `checked`: the caller has checked f's scope (analytics.queries.evaluate, once per view)."""
    m0 = measures[0]
    if not checked:
        access.check(f)
    level = level or region_level(f.region)
    where = render(f, station=_station(m0.table), cuts=TABLE_DIMS[m0.table], level=level)
    if where is None:
        raise Unavailable(f"{m0.table} is not kept by help station")
    time_join, time_where = _time_sql(m0)
    dim_join, dim_expr = _dim_sql(by, m0.table, level,
                                  by == "region" and has_townships(f.region))
    placed = [where.sql]  # region and cuts; time enters through the buckets
    conds = [*placed, *([time_where] * bool(time_where)), *([m0.where] * bool(m0.where)),
             *([f"t.{m0.date_col} <= $through"] * (m0.through is not None))]
    gaps = [derived.gap_column(m, f, by) for m in measures]
    if f"persons:{m0.table}" in derived.ready():  # integers hash faster than 32-char keys
        measures = [replace(m, expr=derived.PERSONS_BY_NUMBER) if m.expr == PERSONS else m
                    for m in measures]
    first_rows = m0.kind == "stock" and len(set(gaps)) == 1 and gaps[0]
    if first_rows:
        conds.append(f"(t.multi_site OR {gaps[0]} IS NULL)")  # only first rows can count
    ctes = ["buckets AS (SELECT unnest($names::VARCHAR[]) AS name, unnest($ss::DATE[]) AS s, "
            "unnest($es::DATE[]) AS e, unnest($fs::DATE[]) AS f, unnest($ks::INTEGER[]) AS k, "
            "unnest($fks::INTEGER[]) AS fk)"]
    if "tree" in dim_join:  # each child of $region with every region below it
        ctes.append("tree AS (SELECT unnest($tree_codes::VARCHAR[]) AS code, "
                    "unnest($tree_children::VARCHAR[]) AS child)")
    if m0.kind == "stock_events":
        sql = _events_sql(m0, ctes, dim_join, dim_expr, conds, len(measures))
    else:
        keys = "b.name AS bucket" + (f", {dim_expr} AS dim" if dim_expr else "")
        body = f"FROM {m0.table} t {time_join} {dim_join}\nWHERE {' AND '.join(conds)}"
        pairs = list(zip(measures, gaps, strict=True))
        if rollup := derived.persons_table(m0, pairs):
            sql = derived.by_persons_sql(rollup, gaps[0], len(pairs), dim_join, dim_expr, placed)
        elif m0.kind in ("flow", "annual_flow") and all(g or derived.additive(m)
                                                         for m, g in pairs):
            sql = derived.by_period_sql(m0, pairs, dim_join, dim_expr, conds)
        elif rollup := derived.season_table(m0, pairs, by):
            sql = derived.by_season_sql(rollup, pairs, dim_join, dim_expr, placed)
        elif first_rows:
            sql = derived.first_rows_stock_sql(m0, len(pairs), dim_join, dim_expr, conds)
        elif derived.counted(m0):  # a quantile from counts by value (a median)
            sql = derived.quantile_sql(measures, time_join, dim_join, dim_expr, conds)
        else:
            cols = ", ".join(f"CAST({derived.persons_sql(m, g) if g else m.expr} AS DOUBLE) "
                             f"AS m{i}" for i, (m, g) in enumerate(pairs))
            sql = f"SELECT {keys}, {cols}\n{body}\nGROUP BY ALL"
        if any(gaps):  # persons in several places, counted the exact way, added on
            multi = ", ".join(("CAST(COUNT(DISTINCT t.person_no) AS DOUBLE)" if g else
                               "NULL::DOUBLE") + f" AS m{i}" for i, g in enumerate(gaps))
            sums = ", ".join(f"SUM(m{i}) AS m{i}" for i in range(len(measures)))
            few = body.replace(f"FROM {m0.table} t",  # those persons' rows, few
                               f"FROM {derived.multi_site_rows(m0.table)} t", 1)
            sql = (f"SELECT bucket{', dim' if dim_expr else ''}, {sums} FROM ({sql}\nUNION ALL "
                   f"SELECT {keys}, {multi}\n{few} AND t.multi_site\nGROUP BY ALL)\n"
                   "GROUP BY ALL")
        sql = f"WITH {', '.join(ctes)}\n{sql}"
    rows = _bucket_keys(m0, buckets)
    tree = [(code, child) for child in children().get(f.region, [])
            for code in scope_codes(child)] if "tree" in dim_join else []
    params = {**where.params, "names": [r[0] for r in rows],
              "tree_codes": [c for c, _ in tree], "tree_children": [c for _, c in tree],
              "ss": [r[1] for r in rows], "es": [r[2] for r in rows],
              "fs": [r[3] for r in rows], "ks": [r[4] for r in rows],
              "fks": [r[5] for r in rows], "lo_key": min((r[5] for r in rows), default=0),
              "hi_key": max((r[4] for r in rows), default=0),
              "lo": min(b[1] for b in buckets), "hi": max(b[2] for b in buckets),
              "through": m0.through}
    return db.rows(sql, used(params, sql))


def _events_sql(m: Measure, ctes: list[str], dim_join: str, dim_expr: str, conds: list[str],
                n: int) -> str:
    """A stock counted from entries (+1 on `date_col`) and exits (-1 on `until_col`): the rows
    are first summed per day (and dimension), so only those few sums meet the buckets, instead
    of every row meeting every bucket it is open in (7 s on 1.2M files × 24 months)."""
    dim = f"{dim_expr} AS dim, " if dim_expr else ""
    where = " AND ".join(conds)
    keys = "b.name AS bucket" + (", ev.dim" if dim_expr else "")
    cols = ", ".join("CAST(SUM(ev.w) AS DOUBLE) AS m" + str(i) for i in range(n))
    if m.table in EVENT_ROLLUPS and f"rollup:{m.table}" in derived.ready():  # monthly changes
        return (f"WITH {', '.join(ctes)},\nev AS (SELECT {dim}t.month_key AS mk, "
                f"SUM(t.change) AS w FROM {EVENT_ROLLUPS[m.table][0]} t {dim_join} "
                f"WHERE {where} GROUP BY ALL)\nSELECT {keys}, {cols}\nFROM ev "
                "JOIN buckets b ON ev.mk <= year(b.e) * 12 + month(b.e) - 1\nGROUP BY ALL")
    events = (f"SELECT {dim}t.{m.date_col} AS d, 1 AS w FROM {m.table} t {dim_join} "
              f"WHERE {where}\nUNION ALL SELECT {dim}t.{m.until_col} AS d, -1 AS w "
              f"FROM {m.table} t {dim_join} WHERE {where} AND t.{m.until_col} IS NOT NULL")
    return (f"WITH {', '.join(ctes)},\nev AS (SELECT {'dim, ' if dim_expr else ''}d, "
            f"SUM(w) AS w FROM ({events}) GROUP BY ALL)\nSELECT {keys}, {cols}\nFROM ev "
            "JOIN buckets b ON ev.d <= b.e\nGROUP BY ALL")

