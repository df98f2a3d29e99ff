"""How queries use what the load derives: per-person columns (etl/person_index.py) and
monthly tables (etl/rollups.py).

Counting persons once each over ten million payments needs a hash table of every person in
range, per bucket and cut. With the days since each person's previous row, the persons with a
row in a bucket are the rows whose previous row lies before the bucket: a filtered COUNT(*),
and, summed per month first, one pass over the rows for any number of buckets. Sums of relief
and the hardship register read monthly tables a few hundred times smaller than the facts.
The other tables' sums and row counts read the marts (core/marts.py), summed by month,
place and the breakdown shown; a median reads rows counted by month, place and value, summed
per value and cumulated (quantile_sql). Where a warehouse lacks these (an old file, a test
fixture), queries fall back to the exact definitions; tests/etl/test_person_index.py and
tests/etl/test_marts.py check both give the same numbers.
"""

from __future__ import annotations

from dataclasses import replace

from analytics import db
from analytics.filters import Filters
from analytics.indicators import PERSONS, TABLE_DIMS, Measure
from core.marts import BY_FACT, COUNTED, MARTS, MULTI_SITE, PERSON_MARTS, QUANTILES, Quantile
from core.schema import (
    EVENT_ROLLUPS,
    PENDING,
    PERSON_INDEX,
    PERSON_ROLLUPS,
    SEASON_ROLLUPS,
    SUM_ROLLUPS,
    derived_columns,
)


@db.per_file
def ready() -> frozenset[str]:
    """'persons:<table>' for fact tables whose per-person columns are all filled,
    'rollup:<table>' for those whose monthly table is built and 'seasons:<table>' for those
    whose season table is, in this warehouse file (a file from before a table or column
    existed has none of it)."""
    tables = set(db.query("SELECT table_name FROM duckdb_tables()").to_series().to_list())
    columns = set(db.query("SELECT table_name || '.' || column_name FROM duckdb_columns()"
                           ).to_series().to_list())
    checks = [f"SELECT 'persons:{t}' WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {PENDING})"
              for t in PERSON_INDEX if all(f"{t}.{c}" in columns for c in derived_columns(t))]
    built = "SELECT '{k}:{t}' WHERE (SELECT count(*) FROM {r}) > 0 OR NOT EXISTS " \
            "(SELECT 1 FROM {t}{w})"
    checks += [built.format(k="rollup", t=t, r=r, w="")
               for t, (r, *_) in {**EVENT_ROLLUPS, **SUM_ROLLUPS}.items() if r in tables]
    checks += [built.format(k="seasons", t=t, r=r, w=f" WHERE {c} = '{v}'")
               for t, (r, _, c, v) in SEASON_ROLLUPS.items() if r in tables]
    checks += [built.format(k="people", t=t, r=r, w=" WHERE NOT multi_site")
               for t, r in PERSON_ROLLUPS.items() if r in tables]
    checks += [built.format(k="people", t=t, r=r, w=" WHERE NOT multi_site")
               for t, (r, _) in PERSON_MARTS.items() if r in tables]
    checks += [f"SELECT 'multi:{t}'" for t, r in MULTI_SITE.items() if r in tables]
    checks += [f"SELECT 'mart:{m.name}' WHERE (SELECT count(*) FROM {m.name}) > 0 "
               f"OR NOT EXISTS (SELECT 1 FROM {m.table})" for m in MARTS if m.name in tables]
    return frozenset(db.query("\nUNION ALL ".join(checks)).to_series().to_list())


PERSONS_BY_NUMBER = "COUNT(DISTINCT t.person_no)"


def gap_column(m: Measure, f: Filters, by: str | None) -> str | None:
    """The derived column (etl/person_index.py) that tells a person's first row in a bucket
    for a distinct-persons measure under these cuts, or None where none fits (two cuts at
    once; a stock that ends)."""
    if (m.expr != PERSONS or f"persons:{m.table}" not in ready()
            or m.kind not in ("flow", "season", "stock") or m.until_col):
        return None
    dims = TABLE_DIMS[m.table]
    held = {m.fixed_dim} - {None}
    held |= {dims[c] for c, v in (("fund_source", f.fund_source), ("category", f.category))
             if v and c in dims}
    if by in dims and by != "station":  # regions and stations: one place per such person
        held.add(dims[by])
    if len(held) > 1 or not held <= set(PERSON_INDEX[m.table][2]):
        return None
    return f"t.prev_gap_{held.pop()}" if held else "t.prev_gap"


def persons_sql(m: Measure, gap: str) -> str:
    """COUNT(DISTINCT t.person_no) over the persons whose rows lie in one place, as a
    filtered COUNT(*) without a hash table over every row: such a person is in a bucket's
    count once, through the row whose previous row (with the same value of the cut, if any)
    lies before the bucket's first day `b.f` (for a stock: through the person's first row).
    scan() adds the persons in several places, counted the exact way."""
    first = (f"{gap} IS NULL" if m.kind == "stock" else
             f"({gap} IS NULL OR t.{m.date_col} - {gap} < b.f)")
    return f"COUNT(*) FILTER (WHERE NOT t.multi_site AND {first})"


def multi_site_rows(table: str) -> str:
    """Where the rows of persons in several places are read: the load's small table of them
    (core/marts.MULTI_SITE), else the fact table."""
    return MULTI_SITE[table] if f"multi:{table}" in ready() else table


def additive(m: Measure) -> bool:
    """Whether sums of the measure over parts give the measure over the whole."""
    return m.expr.startswith(("SUM(", "COUNT(*)"))


def by_period_sql(m0: Measure, pairs: list[tuple[Measure, str | None]], dim_join: str,
                   dim_expr: str, conds: list[str]) -> str:
    """Rows summed per period key (month or year) first, then the periods put into buckets.
    A KPI's buckets overlap (a 24-month range, its year-ago and its previous range), and
    joining rows to them repeated each row up to three times. A persons measure keeps the
    month of each row's previous row (`pm`, months before the first bucket merged), so a
    bucket counts the rows whose previous row lies before its first month `b.fk`."""
    d = f"t.{m0.date_col}"
    key = f"year({d})" if m0.kind == "annual_flow" else month_key(m0)
    cols = []
    for m, gap in pairs:  # gaps only for flows (gap_column)
        cols.append((f"coalesce({gap.replace('prev_gap', 'prev_month')}, -1)",
                     "COUNT(*) FILTER (WHERE NOT t.multi_site)") if gap else (None, m.expr))
    return _keyed_sql(m0.table, key, cols, dim_join, dim_expr, conds)


def month_key(m: Measure) -> str:
    """year * 12 + month - 1 of the measure's date: kept at load where the per-person
    columns are (two date conversions a row less), else computed."""
    if f"persons:{m.table}" in ready() and m.date_col == PERSON_INDEX[m.table][0]:
        return "t.month_key"
    d = f"t.{m.date_col}"
    return f"year({d}) * 12 + month({d}) - 1"


def persons_table(m0: Measure, pairs: list[tuple[Measure, str | None]]) -> str | None:
    """The load's monthly persons table (etl/rollups.py) that answers these flow measures
    exactly, or None: persons in one place each, by month, at all or cut by the one
    dimension whose gap they use (gap_column allows a cut or breakdown by that one only)."""
    table = PERSON_ROLLUPS.get(m0.table) or PERSON_MARTS.get(m0.table, (None,))[0]
    fits = (table and m0.kind == "flow" and not m0.where and m0.through is None
            and len({g for _, g in pairs}) == 1
            and pairs[0][1] and {f"persons:{m0.table}", f"people:{m0.table}"} <= ready())
    return table if fits else None


def by_persons_sql(table: str, gap: str, n: int, dim_join: str, dim_expr: str,
                   conds: list[str]) -> str:
    """Persons from the monthly persons table: those counted in a month whose previous row's
    month lies before a bucket's first month, as by_period_sql does with the rows."""
    dim = gap.removeprefix("t.prev_gap").removeprefix("_")
    return _keyed_sql(table, "t.month_key", [("t.prev_month", "SUM(t.persons)")] * n,
                      dim_join, dim_expr, [*conds, f"t.dim = '{dim}'",
                                           "t.month_key BETWEEN $lo_key AND $hi_key"])


def season_table(m0: Measure, pairs: list[tuple[Measure, str | None]], by: str | None
                 ) -> str | None:
    """The load's season table (etl/season_rollup.py) that answers these season measures
    exactly, or None: it holds one kind of row, persons told apart within that kind, and the
    dimensions but that kind's column."""
    if m0.kind != "season" or m0.table not in SEASON_ROLLUPS:
        return None
    rollup, _, column, value = SEASON_ROLLUPS[m0.table]
    fits = (f"seasons:{m0.table}" in ready() and m0.where == f"t.{column} = '{value}'"
            and m0.through is None and by != column
            and all(g == f"t.prev_gap_{column}" or (not g and additive(m)) for m, g in pairs))
    return rollup if fits else None


def by_season_sql(rollup: str, pairs: list[tuple[Measure, str | None]], dim_join: str,
                  dim_expr: str, conds: list[str]) -> str:
    """Season measures from the season table: persons are the payments whose previous
    payment's season lies before a bucket's first season, as by_period_sql does with months."""
    cols = [("t.prev_season", "SUM(t.payments) FILTER (WHERE NOT t.multi_site)") if g
            else (None, m.expr.replace("COUNT(*)", "SUM(t.payments)", 1)) for m, g in pairs]
    return _keyed_sql(rollup, "t.season", cols, dim_join, dim_expr,
                      [*conds, "t.season BETWEEN $lo_key AND $hi_key"])


def first_rows_stock_sql(m0: Measure, n: int, dim_join: str, dim_expr: str,
                         conds: list[str]) -> str:
    """A stock of persons counted by their first rows (`conds` keep only those): counted per
    month first, then each bucket sums the months up to its last, instead of every row
    meeting every bucket it is open in."""
    first_rows = (None, "COUNT(*) FILTER (WHERE NOT t.multi_site)")
    return _keyed_sql(m0.table, month_key(m0), [first_rows] * n, dim_join, dim_expr, conds,
                      "p.mk <= year(b.e) * 12 + month(b.e) - 1")


def tree_join(column: str) -> str:
    """The join of fact rows to the children of the region (`tree`) by `column`."""
    return f"JOIN tree ON tree.code = {column}"


def _tree_column(dim_join: str) -> str:
    """The fact column a `tree_join` joins on."""
    return dim_join.removeprefix(tree_join(""))


def _keyed_sql(table: str, key: str, cols: list[tuple[str | None, str]], dim_join: str,
               dim_expr: str, conds: list[str], join: str = "b.k = p.mk") -> str:
    """Rows of `table` summed per period key `key` (and dimension) into parts, then the
    periods joined to the buckets by key (or by `join`). cols: (previous row's key, part)
    per measure; a part with a previous key is counted in a bucket only if that key lies
    before the bucket's first key (keys before the first bucket merged into one)."""
    prevs, parts, outs = [], [], []
    for i, (pkey, part) in enumerate(cols):
        parts.append(f"{part} AS p{i}")
        if pkey:
            prevs.append(f"greatest({pkey}, $lo_key - 1) AS pm{i}")
            outs.append(f"CAST(coalesce(SUM(p.p{i}) FILTER (WHERE p.pm{i} < b.fk), 0) "
                        f"AS DOUBLE) AS m{i}")
        else:
            outs.append(f"CAST(SUM(p.p{i}) AS DOUBLE) AS m{i}")
    # Sub-regions: rows summed by county (or station, under a township) first, then mapped
    # to the children of the region (`tree`), instead of joining every row to the tree
    # (twice as slow).
    to_child = "tree" in dim_join
    dim = _tree_column(dim_join) if to_child else dim_expr
    groups = "".join(f", {x}" for x in ([f"{dim} AS dim"] if dim else []) + prevs)
    part = (f"SELECT {key} AS mk{groups}, {', '.join(parts)} FROM {table} t "
            f"{'' if to_child else dim_join} WHERE {' AND '.join(conds)} GROUP BY ALL")
    out_dim = ", tree.child AS dim" if to_child else ", p.dim" if dim else ""
    return (f"SELECT b.name AS bucket{out_dim}, {', '.join(outs)}\n"
            f"FROM ({part}) p JOIN buckets b ON {join} "
            f"{'JOIN tree ON tree.code = p.dim' if to_child else ''}\nGROUP BY ALL")


def summed(m: Measure, by: str | None = None) -> Measure:
    """The measure over the load's monthly sums (etl/rollups.py, the marts of core/marts.py)
    where it is a sum of a flow by month, else itself: same value, from a table a few hundred
    times smaller. `by`: the breakdown asked for (a mart answers it from its grouping set)."""
    if (marted := _from_mart(m, by)) is not None:
        return marted
    if (m.table not in SUM_ROLLUPS or m.kind not in ("flow", "annual_flow")
            or not additive(m) or f"rollup:{m.table}" not in ready()):
        return m
    rollup, _ = SUM_ROLLUPS[m.table]
    expr = m.expr.replace("COUNT(*)", "SUM(t.payments)", 1)
    return replace(m, table=rollup, expr=expr, date_col="month")


def by_county(m: Measure, by: str | None, level: str | None) -> Measure | None:
    """The measure over a mart kept by county, for a view of a region of `level` that needs
    no help station (none of, in or by stations), or None."""
    return _from_mart(m, by, level)


def _from_mart(m: Measure, by: str | None, level: str | None = None) -> Measure | None:
    """The measure over its table's mart, reading the grouping set of breakdown `by`, or None
    where the mart does not keep the measure's aggregate (word for word), that breakdown or
    the stations the view needs. A quantile (core/marts.QUANTILES) keeps its aggregate, read
    from the mart of counts by quantile_sql."""
    quantile = QUANTILES.get((m.table, m.date_col, m.expr))
    mart = quantile.mart if quantile else BY_FACT.get((m.table, m.date_col))
    if (mart is None or m.kind not in ("flow", "annual_flow") or m.where
            or quantile and m.kind != "flow"  # quantile_sql bounds its rows by $lo, $hi
            or f"mart:{mart.name}" not in ready()):
        return None
    if (read := m.expr if quantile else mart.read(m.expr)) is None:
        return None
    stations = "station" in TABLE_DIMS[m.table] and (
        level not in ("country", "province", "city", "county") or by == "station"
        or (by == "region" and level == "county"))
    if stations and "station_code" not in mart.places:
        return None
    col = None if by in (None, "county", "region") else TABLE_DIMS[m.table].get(by)
    if col is None or col in mart.places + mart.cuts:
        dim = ""  # the place, or a cut every grouping set keeps
    elif col in mart.dims:
        dim = col
    else:
        return None
    return replace(m, table=mart.name, expr=read, date_col="month", where=f"t.dim = '{dim}'")


def counted(m: Measure) -> Quantile | None:
    """The quantile a measure read from a mart of counts by value stands for, or None."""
    return COUNTED.get(m.table)


def quantile_sql(measures: list[Measure], time_join: str, dim_join: str, dim_expr: str,
                 conds: list[str]) -> str:
    """Quantiles from a mart of rows counted by value (core/marts.Quantile): the counts summed
    per bucket (and dimension) and value, cumulated in the value's order, and each quantile
    read at its rank as MEDIAN reads it from the rows (quantile_cont): the values at ranks
    floor and ceil of (n - 1) q (0-based), interpolated. A bucket with rows but none counted
    has NULL, as the filtered MEDIAN gives."""
    quantile = COUNTED[measures[0].table]
    dim, part = (", dim", f", {dim_expr} AS dim") if dim_expr else ("", "")
    sums = (f"SELECT b.name AS bucket{part}, t.{quantile.value[0]} AS v, SUM(t.rows) FILTER "
            f"(WHERE t.{quantile.value[0]} IS NOT NULL) AS n\nFROM ({_counted_rows(quantile)}"
            f") t {time_join} {dim_join}\nWHERE {' AND '.join(conds)} GROUP BY ALL")
    over = f"PARTITION BY bucket{dim}"
    ranked = (f"SELECT *, SUM(n) OVER ({over} ORDER BY v ROWS UNBOUNDED PRECEDING) AS upto, "
              f"SUM(n) OVER ({over}) AS total FROM ({sums})")
    rank = "({} - 1)::DOUBLE * " + repr(float(quantile.q))  # in double, as quantile_cont's
    lo, hi = (f"min(v) FILTER (WHERE upto > {f}({rank.format('total')}))"
              for f in ("floor", "ceil"))
    at = rank.format("max(total)")
    value = f"CAST({lo} + ({hi} - {lo}) * ({at} - floor({at})) AS DOUBLE)"
    cols = ", ".join(f"{value} AS m{i}" for i in range(len(measures)))  # one quantile a mart
    return f"SELECT bucket{dim}, {cols}\nFROM ({ranked})\nGROUP BY ALL"


def _counted_rows(q: Quantile) -> str:
    """The mart's rows, the value NULL in months after the one `lag_days` before the last
    date on file, and that month's rows from the facts (a row counts from its own date):
    the rows of the plain definition, counted by value. The facts' rows are bounded by the
    range too ($lo, $hi: a flow's, whose months the scan keeps), so a view of other months
    skips their row groups."""
    m, (col, value) = q.mart, q.value
    last = f"(SELECT max(last_on) FROM {m.name})"
    cut = f"date_trunc('month', {last} - INTERVAL {q.lag_days} DAY)::DATE"
    places = "".join(f"t.{c}, " for c in m.places + m.cuts)
    return (f"SELECT dim, month, {places}CASE WHEN month < {cut} THEN {col} END AS {col}, "
            f"rows FROM {m.name} t WHERE month <> {cut}\nUNION ALL "
            f"SELECT '' AS dim, date_trunc('month', t.{m.date_col})::DATE AS month, {places}"
            f"CASE WHEN t.{m.date_col} + INTERVAL {q.lag_days} DAY <= {last} THEN {value} END, "
            f"1 FROM {m.table} t WHERE t.{m.date_col} >= {cut} "
            f"AND t.{m.date_col} < {cut} + INTERVAL 1 MONTH AND t.{m.date_col} >= $lo "
            f"AND t.{m.date_col} < date_trunc('month', $hi::DATE) + INTERVAL 1 MONTH")
