"""Outliers: robust z of the log amount within relief type x county, and more than $f x the
relief type's 99th percentile.

Iglewicz & Hoaglin: |modified z| > 3.5 on log amounts, within groups big enough for a median
to mean something; and a plain "more than 3x the 99th percentile of the relief type" that
also catches outliers in small counties.

The statistics are kept between loads: the rows per relief type x county x amount
(`dq_amount_stratum_counts`: amounts are few, a few thousand rows for hundreds of thousands of
relief rows), and from it per relief type x county the count, median and MAD of the log
amounts (`dq_amount_groups`) and per relief type the 99th percentile (`dq_amount_p99`). After
a batch the counts of the amounts it touched move by its signed change (`DELTA`: its rows in,
the rows it replaced or took out), and the strata and types it touched get their statistics
from those counts, not from their rows (a stratum's rows grow with the
warehouse's history: reading them made each load cost more as the warehouse grew). The rows
it wrote are scored, and the other rows only where a finding can have changed: the rows of a
stratum whose median, MAD or size class moved that were flagged or now lie beyond its robust-z
band, and the rows of a relief type whose p99 moved above $f x the lower of the old and new
p99. A full refresh, too, takes the p99 from the
counts (`all_p99_from_counts`): quantile_cont over the rows holds every amount of a type in
memory and cannot spill (run alone at 10M rows it failed under a 200 MB limit, which
scales to a load's 2 GB at 100M).
"""

import duckdb

from etl import touched
from etl.checks.contract import Check, Scope, Statement

ROBUST_Z_LIMIT = 3.5
ROBUST_Z_MIN_GROUP = 20
P99_FACTOR = 3.0

CHECK = Check(
    "amount_outlier", "quality", "dq_amount_outliers", "金额异常", "amount outliers",
    f"按救助类型×{{county}}的对数金额稳健z分数绝对值>{ROBUST_Z_LIMIT}（组内≥{ROBUST_Z_MIN_GROUP}条），"
    f"或超过该救助类型第99百分位数的{P99_FACTOR:g}倍",
    f"|robust z| of log amount by relief type x county > {ROBUST_Z_LIMIT} (groups of "
    f"{ROBUST_Z_MIN_GROUP}+ rows), or more than {P99_FACTOR:g}x the relief type's "
    "99th percentile",
    # a row flagged by both rules is one finding
    summary="SELECT count(*) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan "
            "FROM (SELECT DISTINCT relief_id, amount_yuan FROM dq_amount_outliers)")


def _group_stats(counts: str) -> str:
    """Count, median and MAD of the log amounts per relief type x county, from `counts`
    (rows per stratum and amount), and (Iglewicz & Hoaglin: where half the amounts are equal,
    MAD 0) the mean absolute deviation that stands in, scaled to the same units, for those
    groups. A median is the value at rank (n - 1) / 2, or DuckDB's median of the two values
    around it (the same interpolation `median` makes over all n rows), found by running sums
    over the stratum's distinct amounts, then over their distances to the median (MAD)."""
    return f"""
WITH x AS (SELECT relief_type, county_code, ln(amount_yuan::DOUBLE) AS la, n
           FROM {counts} WHERE amount_yuan > 0),
m AS (SELECT relief_type, county_code, any_value(total) AS n,
             {_middle('la')} AS med
      FROM (SELECT *, sum(n) OVER (PARTITION BY relief_type, county_code ORDER BY la) AS upto,
                   sum(n) OVER (PARTITION BY relief_type, county_code) AS total FROM x)
      GROUP BY ALL),
d AS (SELECT relief_type, county_code, abs(x.la - m.med) AS dev, x.n, m.n AS total
      FROM x JOIN m USING (relief_type, county_code)),
a AS (SELECT relief_type, county_code, {_middle('dev')} AS mad,
             fsum(n * dev) / sum(n) AS meanad
      FROM (SELECT *, sum(n) OVER (PARTITION BY relief_type, county_code ORDER BY dev) AS upto
            FROM d)
      GROUP BY ALL)
SELECT relief_type, county_code, m.n::BIGINT AS n, m.med, a.mad,
       CASE WHEN a.mad = 0 THEN a.meanad END AS meanad
FROM m JOIN a USING (relief_type, county_code)"""


def _middle(value: str) -> str:
    """The median of `value` over a group's rows of counts `n` in running sums `upto` of
    `total` rows: the values at ranks floor and ceil of (total - 1) / 2, and their median."""
    return (f"list_aggregate([min({value}) FILTER (upto > floor((total - 1) / 2)), "
            f"min({value}) FILTER (upto > ceil((total - 1) / 2))], 'median')")


def _counts(rows: str) -> str:
    """Rows per relief type x county and amount: a stratum's median and MAD and a type's
    p99 without reading their rows."""
    return (f"SELECT relief_type, county_code, amount_yuan, count(*) AS n FROM {rows} "
            f"WHERE amount_yuan > 0 GROUP BY ALL")


def p99_from_counts(con: duckdb.DuckDBPyConnection, types: str | None = None) -> None:
    """The p99 of `types` (a subquery; the touched types by default) into dq_amount_p99,
    from the counts: the two amounts around rank (n - 1) x 0.99 found by running sums over
    the distinct amounts, and DuckDB's own quantile_cont interpolating between them (the
    same arithmetic as over all rows: a 2-row quantile at the fraction d interpolates
    lo + d x (hi - lo) as the n-row one)."""
    types = types or TYPES
    ends = con.execute(f"""
        WITH c AS (SELECT relief_type, amount_yuan::DOUBLE AS v,
                          sum(n) OVER (PARTITION BY relief_type ORDER BY amount_yuan) AS upto,
                          sum(n) OVER (PARTITION BY relief_type) AS total
                   FROM (SELECT relief_type, amount_yuan, sum(n) AS n
                         FROM dq_amount_stratum_counts WHERE relief_type IN {types}
                         GROUP BY ALL)),
        k AS (SELECT DISTINCT relief_type, (total - 1)::DOUBLE * 0.99::DOUBLE AS rn FROM c)
        SELECT relief_type,
               (SELECT min(v) FROM c WHERE c.relief_type = k.relief_type AND c.upto > floor(rn)),
               (SELECT min(v) FROM c WHERE c.relief_type = k.relief_type AND c.upto > ceil(rn)),
               rn - floor(rn)
        FROM k""").fetchall()
    con.execute(f"DELETE FROM dq_amount_p99 WHERE relief_type IN {types}")
    for relief_type, lo, hi, d in ends:
        p99 = lo if d == 0 else con.execute(
            f"SELECT quantile_cont(v, {d!r}::DOUBLE) FROM (VALUES ($lo), ($hi)) t(v)",
            {"lo": lo, "hi": hi}).fetchall()[0][0]
        con.execute("INSERT INTO dq_amount_p99 VALUES (?, ?)", [relief_type, p99])


def all_p99_from_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Every type's p99 (a full refresh), from the counts as after a batch."""
    con.execute("CREATE OR REPLACE TABLE dq_amount_p99 (relief_type VARCHAR, p99 DOUBLE)")
    p99_from_counts(con, "(SELECT DISTINCT relief_type FROM dq_amount_stratum_counts)")


STRATA = f"(SELECT DISTINCT relief_type, county_code FROM {touched.RELIEF})"
TYPES = f"(SELECT DISTINCT relief_type FROM {touched.RELIEF})"
# The change of the rows per amount a batch made, from its touched rows alone: a row counts
# +1 if it is in relief after the change (its relief_id with its batch_id among the touched
# persons' rows as staged after it: a load's row, a row a withdrawal brought back), else -1
# (a row a load replaced, a withdrawal's row); a row one batch of a load wrote and another
# replaced was never counted. Rows per amount then follow the batch, not the warehouse.
DELTA = f"""SELECT t.relief_type, t.county_code, t.amount_yuan,
       sum(CASE WHEN p.relief_id IS NULL THEN -1 ELSE 1 END)::BIGINT AS n
FROM {touched.RELIEF} t
LEFT JOIN {touched.PERSON_RELIEF} p ON p.relief_id = t.relief_id AND p.batch_id = t.batch_id
WHERE t.amount_yuan > 0
  AND NOT (t.archived AND t.batch_id IN (SELECT batch_id FROM {touched.BATCHES}))
GROUP BY ALL HAVING sum(CASE WHEN p.relief_id IS NULL THEN -1 ELSE 1 END) <> 0"""
STRATA_COUNTS = (f"(SELECT c.* FROM dq_amount_stratum_counts c "
                 f"SEMI JOIN {STRATA} s USING (relief_type, county_code))")
# The columns of a relief row the scoring reads (the touched rows come from etl/touched.py's
# staged copy, whose per-person columns may be older than the table's).
COLUMNS = ("relief_id, person_key, county_code, station_code, relief_date, relief_type, "
           "recipient_group, fund_source, amount_yuan, batch_id")
# Per stratum whose statistics moved and that is big enough for the robust z: its median and
# the distance from it beyond which |z| > $z. Its rows within it were not flagged by that rule
# and are not now, so of its rows only those beyond it (0.1% nearer: rounding), and the rows
# flagged before (their score and group median move), are scored again: a stratum's rows grow
# with the warehouse's history, its outliers do not.
BANDS = """SELECT relief_type, county_code, med,
       CASE WHEN mad > 0 THEN $z * mad / 0.6745 WHEN meanad > 0 THEN $z * 1.253314 * meanad
       END AS half
FROM dq_amount_groups SEMI JOIN _groups_moved USING (relief_type, county_code)
WHERE n >= $n"""
# The amounts of those strata beyond their band, from the counts (every amount of a relief row
# is there): usually none, and then the relief rows are not read at all (DuckDB skips the scan
# of a join whose other side is empty), where a band over the rows read every row of the
# stratum (0.5 s at 40M rows for a stratum of 137k rows, in a load that flagged none).
BEYOND = f"""SELECT c.relief_type, c.county_code, c.amount_yuan FROM dq_amount_stratum_counts c
JOIN ({BANDS}) b USING (relief_type, county_code)
WHERE abs(ln(c.amount_yuan::DOUBLE) - b.med) > 0.999 * b.half"""
SAME = ("o.med IS NOT DISTINCT FROM n.med AND o.mad IS NOT DISTINCT FROM n.mad AND "
        "o.meanad IS NOT DISTINCT FROM n.meanad AND (o.n >= $n) = (n.n >= $n)")

STATEMENT = Statement(
    name="amount_outliers", table="dq_amount_outliers",
    flags="one row per relief row and rule it breaks: robust_z (|z| > $z in a group of $n+ "
          "rows) or p99x3 (amount > $f x the type's p99)",
    checks=(CHECK,),
    params={"z": ROBUST_Z_LIMIT, "n": ROBUST_Z_MIN_GROUP, "f": P99_FACTOR},
    before=("DROP TABLE IF EXISTS dq_amount_counts",  # per type only, before the strata's
            f"CREATE OR REPLACE TABLE dq_amount_stratum_counts AS {_counts('relief')}",
            "CREATE OR REPLACE TABLE dq_amount_groups AS "
            f"{_group_stats('dq_amount_stratum_counts')}",
            all_p99_from_counts),
    sql="""
CREATE OR REPLACE TABLE dq_amount_outliers AS
WITH z AS (
    SELECT x.relief_id, x.amount_yuan::DOUBLE AS amount, g.n, exp(g.med) AS group_median_yuan,
           t.p99,
           CASE WHEN g.mad > 0 THEN 0.6745 * (ln(x.amount_yuan::DOUBLE) - g.med) / g.mad
                WHEN g.meanad > 0
                THEN (ln(x.amount_yuan::DOUBLE) - g.med) / (1.253314 * g.meanad) END AS z
    FROM {outlier_rows} x JOIN dq_amount_groups g USING (relief_type, county_code)
    JOIN dq_amount_p99 t USING (relief_type)
    WHERE x.amount_yuan > 0),
scored AS (SELECT * FROM z WHERE (n >= $n AND abs(z) > $z) OR amount > $f * p99),
flagged AS (
    SELECT relief_id, 'robust_z' AS rule, z AS score, $z AS threshold, group_median_yuan
    FROM scored WHERE n >= $n AND abs(z) > $z
    UNION ALL
    SELECT relief_id, 'p99x3', amount / p99, $f, group_median_yuan
    FROM scored WHERE amount > $f * p99)
SELECT f.rule, round(f.score, 2) AS score, f.threshold,
       round(f.group_median_yuan, 2) AS group_median_yuan, {cols}
FROM flagged f JOIN {outlier_rows} r USING (relief_id)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY r.relief_type, r.county_code, r.relief_date, f.rule
""",
    # Findings are per relief row, scored against its stratum's statistics and its type's
    # p99: the touched strata and types get new statistics; the batch's rows are scored,
    # and so are, in a stratum whose statistics moved, its rows flagged before and those
    # beyond its new robust-z band (`BANDS`), and the rows of a type whose p99 moved, above
    # $f x the lower p99 (below it no row was or is flagged by that rule; above it the
    # status or the score may change).
    scope=Scope(
        "relief row, by relief type x county (robust z) and relief type (p99)",
        stale=f"relief_id IN (SELECT relief_id FROM _outlier_rows UNION ALL "
              f"SELECT relief_id FROM {touched.RELIEF})",
        sources={"outlier_rows": "_outlier_rows"},
        # no touched row: no stratum, type or count moves and no row is scored again
        driven_by=(touched.RELIEF,),
        before=(
            f"""CREATE OR REPLACE TEMP TABLE _groups_before AS SELECT g.* FROM dq_amount_groups g
                SEMI JOIN {STRATA} s USING (relief_type, county_code)""",
            # the counts of the amounts the batch touched move by its signed change
            f"CREATE OR REPLACE TEMP TABLE _amount_delta AS {DELTA}",
            """UPDATE dq_amount_stratum_counts c SET n = c.n + d.n FROM _amount_delta d
               WHERE c.relief_type = d.relief_type AND c.county_code = d.county_code
                 AND c.amount_yuan = d.amount_yuan""",
            """INSERT INTO dq_amount_stratum_counts SELECT * FROM _amount_delta
               ANTI JOIN dq_amount_stratum_counts USING (relief_type, county_code, amount_yuan)""",
            "DELETE FROM dq_amount_stratum_counts WHERE n = 0",
            f"""DELETE FROM dq_amount_groups WHERE EXISTS (SELECT 1 FROM {STRATA} s
                WHERE s.relief_type = dq_amount_groups.relief_type
                  AND s.county_code = dq_amount_groups.county_code)""",
            f"INSERT INTO dq_amount_groups {_group_stats(STRATA_COUNTS)}",
            # strata whose statistics moved: every row of them is scored again; in the
            # others only the rows the batch wrote are new to score
            f"""CREATE OR REPLACE TEMP TABLE _groups_moved AS
                SELECT relief_type, county_code FROM _groups_before o
                FULL JOIN (SELECT g.* FROM dq_amount_groups g
                           SEMI JOIN {STRATA} s USING (relief_type, county_code)) n
                USING (relief_type, county_code) WHERE NOT coalesce({SAME}, false)""",
            f"""CREATE OR REPLACE TEMP TABLE _p99_before AS SELECT * FROM dq_amount_p99
                WHERE relief_type IN {TYPES}""",
            # the touched types' p99 from the counts
            p99_from_counts,
            f"""CREATE OR REPLACE TEMP TABLE _outlier_rows AS
                WITH moved AS (
                    SELECT relief_type, least(o.p99, n.p99) AS low
                    FROM _p99_before o FULL JOIN (SELECT * FROM dq_amount_p99
                                                  WHERE relief_type IN {TYPES}) n
                    USING (relief_type) WHERE o.p99 IS DISTINCT FROM n.p99)
                SELECT {COLUMNS} FROM relief SEMI JOIN ({BEYOND}) x
                USING (relief_type, county_code, amount_yuan)
                UNION
                SELECT {COLUMNS} FROM relief WHERE relief_id IN (
                    SELECT relief_id FROM dq_amount_outliers
                    SEMI JOIN _groups_moved USING (relief_type, county_code))
                UNION
                SELECT {COLUMNS} FROM {touched.PERSON_RELIEF}
                WHERE relief_id IN (SELECT relief_id FROM {touched.RELIEF})
                UNION
                SELECT {COLUMNS} FROM relief SEMI JOIN (
                    SELECT c.relief_type, c.amount_yuan FROM dq_amount_stratum_counts c
                    JOIN moved m USING (relief_type) WHERE c.amount_yuan::DOUBLE > $f * m.low) x
                USING (relief_type, amount_yuan)""")))
