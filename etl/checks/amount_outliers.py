"""Outliers: robust z of the log amount within relief type x county, and more than $f x the
relief type's 99th percentile.

Iglewicz & Hoaglin: |modified z| > 3.5 on log amounts, within groups big enough for a median
to mean something; and a plain "more than 3x the 99th percentile of the relief type" that
also catches outliers in small counties.
"""

from etl.checks.contract import RELIEF_COLS, Check, Statement

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

STATEMENT = Statement(
    name="amount_outliers", table="dq_amount_outliers",
    flags="one row per relief row and rule it breaks: robust_z (|z| > $z in a group of $n+ "
          "rows) or p99x3 (amount > $f x the type's p99)",
    checks=(CHECK,),
    params={"z": ROBUST_Z_LIMIT, "n": ROBUST_Z_MIN_GROUP, "f": P99_FACTOR},
    sql=f"""
CREATE OR REPLACE TABLE dq_amount_outliers AS
WITH x AS (SELECT relief_id, relief_type, county_code, amount_yuan::DOUBLE AS amount,
                  ln(amount_yuan::DOUBLE) AS la FROM relief WHERE amount_yuan > 0),
g AS (
    SELECT relief_type, county_code, count(*) AS n, median(la) AS med, mad(la) AS mad
    FROM x GROUP BY ALL),
-- Iglewicz & Hoaglin: where half the amounts are equal (MAD 0) the mean absolute deviation
-- stands in, scaled to the same units; computed only for those groups.
m0 AS (
    SELECT x.relief_type, x.county_code, avg(abs(x.la - g.med)) AS meanad
    FROM x JOIN g USING (relief_type, county_code) WHERE g.mad = 0 GROUP BY ALL),
t AS (SELECT relief_type, quantile_cont(amount, 0.99) AS p99 FROM x GROUP BY ALL),
z AS (
    SELECT x.relief_id, x.amount, g.n, exp(g.med) AS group_median_yuan, t.p99,
           CASE WHEN g.mad > 0 THEN 0.6745 * (x.la - g.med) / g.mad
                WHEN m0.meanad > 0 THEN (x.la - g.med) / (1.253314 * m0.meanad) END AS z
    FROM x JOIN g USING (relief_type, county_code) LEFT JOIN m0 USING (relief_type, county_code)
    JOIN t USING (relief_type)),
scored AS (SELECT * FROM z WHERE (n >= $n AND abs(z) > $z) OR amount > $f * p99),
flagged AS (
    SELECT relief_id, 'robust_z' AS rule, z AS score, $z AS threshold, group_median_yuan
    FROM scored WHERE n >= $n AND abs(z) > $z
    UNION ALL
    SELECT relief_id, 'p99x3', amount / p99, $f, group_median_yuan
    FROM scored WHERE amount > $f * p99)
SELECT f.rule, round(f.score, 2) AS score, f.threshold,
       round(f.group_median_yuan, 2) AS group_median_yuan, {RELIEF_COLS}
FROM flagged f JOIN relief r USING (relief_id)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY r.relief_type, r.county_code, r.relief_date, f.rule
""")
