"""Indicator values from the warehouse: KPIs with 同比/环比, trends and breakdowns.

Measures of one table are computed in one scan. Time enters through "buckets" (name, first day,
last day): the current range and its comparison ranges for a KPI, one bucket per period for a
trend. All user values are bound parameters; SQL text comes from the catalogue and this module.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from analytics import access, db, derived, festival
from analytics.festival import spring_festivals
from analytics.filters import COUNTRY, SCOPE_CTE, Filters, add_months, cut_clauses, region_clause
from analytics.indicators import INDICATORS, PERSONS, TABLE_DIMS, Indicator, Measure
from etl.schema import EVENT_ROLLUPS

Bucket = tuple[str, date, date]


class Unavailable(ValueError):
    """The table does not record the region level or dimension asked for."""


# --- reference data ------------------------------------------------------------------------

@db.per_file
def regions() -> pl.DataFrame:
    """region_code, parent_code, level, name_zh, name_en of every region."""
    return db.query("SELECT region_code, parent_code, level, name_zh, name_en FROM regions "
                    "ORDER BY region_code")


@db.per_file
def _hierarchy() -> tuple[dict[str, list[str]], dict[str, str]]:
    """(parent code → child codes, code → level)."""
    tree: dict[str, list[str]] = defaultdict(list)
    levels = {}
    for code, parent, level in regions().select("region_code", "parent_code",
                                                "level").iter_rows():
        levels[code] = level
        if parent is not None:
            tree[parent].append(code)
    return dict(tree), levels


def _children() -> dict[str, list[str]]:
    return _hierarchy()[0]


def _levels() -> dict[str, str]:
    return _hierarchy()[1]


def scope_codes(code: str) -> list[str]:
    """The region and every region below it."""
    tree, out, todo = _children(), [], [code]
    while todo:
        out.append(c := todo.pop())
        todo += tree.get(c, [])
    return sorted(out)


def root_region() -> str:
    """The top of this deployment's hierarchy: from the country down while a region has one
    child only (a 广州市 warehouse starts at 440100, the sample at 全国 with two provinces)."""
    tree, code = _children(), COUNTRY
    while len(tree.get(code, [])) == 1 and _levels().get(code) not in ("county", "township"):
        code = tree[code][0]
    return code


def has_townships(code: str) -> bool:
    """Whether some of the region's children are townships (乡镇/街道): its breakdown by
    sub-region then groups stations by the child they lie under."""
    levels = _levels()
    return any(levels.get(c) == "township" for c in _children().get(code, []))


def region_level(code: str) -> str:
    level = _levels().get(code)
    if level is None:
        raise KeyError(f"unknown region {code}")
    return level


@db.per_file
def labels(domain: str) -> dict[str, tuple[str, str]]:
    """code → (label_zh, label_en) of one label domain."""
    rows = db.query("SELECT code, label_zh, label_en FROM labels WHERE domain = $d",
                    {"d": domain})
    return {c: (z, e) for c, z, e in rows.iter_rows()}


@db.per_file
def data_range() -> tuple[date, date] | None:
    """First and last month with relief, the backbone series of the sample."""
    row = db.query("SELECT min(relief_date) AS lo, max(relief_date) AS hi FROM relief")
    lo, hi = row["lo"][0], row["hi"][0]
    return (lo.replace(day=1), hi.replace(day=1)) if lo else None


# --- buckets ---------------------------------------------------------------------------------

def kpi_buckets(f: Filters) -> list[Bucket]:
    """The range, the same range a year earlier (同比) and the range just before (环比)."""
    return [(name, g.start, g.end_day) for name, g in
            (("cur", f), ("yoy", f.year_ago()), ("pop", f.previous()))]


def period_buckets(f: Filters, back: int = 12) -> list[Bucket]:
    """One bucket per period, starting `back` months early so the first periods have 同比."""
    step = {"month": 1, "quarter": 3, "year": 12}[f.granularity]
    first = _trunc(add_months(f.start, -back), f.granularity)
    out, p = [], first
    while p <= f.end:
        nxt = add_months(p, step)
        out.append((p.isoformat(), p, nxt - timedelta(days=1)))
        p = nxt
    return out


def _trunc(d: date, granularity: str) -> date:
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


def scan(measures: list[Measure], f: Filters, buckets: list[Bucket], by: str | None = None,
         level: str | None = None) -> list[tuple]:
    """Rows of bucket, [dim], m0, m1, ... for measures sharing table, kind and date column."""
    m0 = measures[0]
    access.check(f)
    level = level or region_level(f.region)
    where = region_clause(level, "station" in TABLE_DIMS[m0.table])
    if where is None:
        raise Unavailable(f"{m0.table} is not kept by help station")
    time_join, time_where = _time_sql(m0)
    dim_join, dim_expr = _dim_sql(by, m0.table, level,
                                  by == "region" and has_townships(f.region))
    placed = [where, *cut_clauses(f, set(TABLE_DIMS[m0.table]))]
    conds = [*placed, *([time_where] * bool(time_where)), *([m0.where] * bool(m0.where))]
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
        else:
            cols = ", ".join(f"CAST({derived.persons_sql(m, g) if g else m.expr} AS DOUBLE) "
                             f"AS m{i}" for i, (m, g) in enumerate(pairs))
            sql = f"SELECT {keys}, {cols}\n{body}\nGROUP BY ALL"
        if any(gaps):  # persons in several places, counted the exact way, added on
            multi = ", ".join(("CAST(COUNT(DISTINCT t.person_no) AS DOUBLE)" if g else
                               "NULL::DOUBLE") + f" AS m{i}" for i, g in enumerate(gaps))
            sums = ", ".join(f"SUM(m{i}) AS m{i}" for i in range(len(measures)))
            sql = (f"SELECT bucket{', dim' if dim_expr else ''}, {sums} FROM ({sql}\nUNION ALL "
                   f"SELECT {keys}, {multi}\n{body} AND t.multi_site\nGROUP BY ALL)\n"
                   "GROUP BY ALL")
        sql = f"WITH {', '.join(ctes)}\n{sql}"
    rows = _bucket_keys(m0, buckets)
    tree = [(code, child) for child in _children().get(f.region, [])
            for code in scope_codes(child)] if "tree" in dim_join else []
    params = {**_used(f.params(), sql), "names": [r[0] for r in rows],
              "scope": scope_codes(f.region) if "$scope" in sql else None,
              "tree_codes": [c for c, _ in tree], "tree_children": [c for _, c in tree],
              "ss": [r[1] for r in rows], "es": [r[2] for r in rows],
              "fs": [r[3] for r in rows], "ks": [r[4] for r in rows],
              "fks": [r[5] for r in rows], "lo_key": min((r[5] for r in rows), default=0),
              "hi_key": max((r[4] for r in rows), default=0),
              "lo": min(b[1] for b in buckets), "hi": max(b[2] for b in buckets)}
    return db.rows(sql, _used(params, sql))


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


def _used(params: dict, sql: str) -> dict:
    """DuckDB rejects named parameters the statement does not use."""
    used = set(re.findall(r"\$(\w+)", sql))
    return {k: v for k, v in params.items() if k in used}


# A page asks for the same measure several times (persons relieved under the KPIs, coverage,
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
    read = {m: derived.summed(m) for m in measures}
    groups: dict[tuple, list[Measure]] = defaultdict(list)
    for m in measures:
        r = read[m]
        groups[(r.table, r.kind, r.date_col, r.until_col, r.where)].append(m)
    todo = [(g, [b for b in buckets if any(got[(m, b[1], b[2])] is None for m in g)])
            for g in groups.values()]
    todo = [(g, missing + _ahead(g, read, f, by, view, ahead or [], missing))
            for g, missing in todo if missing]
    level = region_level(f.region) if todo else ""
    for group, missing in todo:
        try:
            rows = scan([read[m] for m in group], f, missing, by, level)
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
    inds = [INDICATORS[c] for c in codes]
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
    long = indicator_values(codes, f, buckets, by)
    keys = ["code"] + (["dim"] if by else [])
    if not long.height:
        return pl.DataFrame(schema={"period": pl.Date, **{k: pl.String for k in keys},
                                    "value": pl.Float64, "year_ago": pl.Float64})
    long = long.with_columns(pl.col("bucket").str.to_date().alias("period")).drop("bucket")
    back = long.select(*keys, pl.col("period").dt.offset_by("1y"),
                       pl.col("value").alias("year_ago"))
    out = long.join(back, on=[*keys, "period"], how="left")
    return (out.filter(pl.col("period") >= _trunc(f.start, f.granularity))
            .select("period", *keys, "value", "year_ago").sort([*keys, "period"]))


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
    sql = f"""WITH RECURSIVE {SCOPE_CTE},
        up(code) AS (SELECT $region::VARCHAR
                     UNION ALL SELECT r.parent_code FROM regions r JOIN up ON r.region_code = up.code
                     WHERE r.parent_code IS NOT NULL)
        SELECT intervention_id, kind, name_zh, coalesce(name_en, name_zh) AS name_en,
               scope_code, start_on
        FROM interventions
        WHERE (scope_code IN (SELECT code FROM scope) OR scope_code IN (SELECT code FROM up))
          AND start_on BETWEEN $start AND $end_day
        ORDER BY start_on"""
    return db.query(sql, _used(access.check(f).params(), sql))
