"""Data-quality and fund-compliance checks, computed at load time into the `dq_*` tables.

Whole-table checks (duplicates across stations, outliers, fund totals) take seconds on 10^7
rows, so the load runs them once (`refresh`) and the pages only read their results.
Every finding is stored with the masked ID (`persons.id_masked`), never the person key, so
the tables can be shown and exported to an auditor as they are.

Rules staff may change live in etl/mappings/fund_rules.csv (which relief types and recipient
groups each fund source may pay for) and etl/mappings/relief_standards.csv (per-person
standards); a snapshot of both is stored with the findings (`dq_fund_rules`,
`dq_relief_standards`), so a finding can always be read against the rule that raised it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from core import festival
from etl import key_types, regions, schema, swap
from etl.quality_rules import (
    CHECKS,
    FUND_RULES_CSV,
    MISSING_RUN_MONTHS,
    P99_FACTOR,
    RELIEF_STANDARDS_CSV,
    REPORT_GRACE_DAYS,
    ROBUST_Z_LIMIT,
    ROBUST_Z_MIN_GROUP,
    read_fund_rules,
    read_relief_standards,
)


def refresh(con: duckdb.DuckDBPyConnection, *, fund_rules: Path | None = None,
            relief_standards: Path | None = None) -> None:
    """(Re)compute every `dq_*` table from the warehouse tables on a read-write connection.

    The rule files default to etl/mappings/fund_rules.csv and relief_standards.csv."""
    # a warehouse from before 零报告 (`python -m etl.quality` does not migrate it)
    con.execute(f"CREATE TABLE IF NOT EXISTS zero_reports ({schema.TABLES['zero_reports']})")
    _store_rules(con, read_fund_rules(fund_rules or FUND_RULES_CSV),
                 read_relief_standards(relief_standards or RELIEF_STANDARDS_CSV))
    con.execute(_CAMPAIGNS)
    params = {"z": ROBUST_Z_LIMIT, "n": ROBUST_Z_MIN_GROUP, "f": P99_FACTOR,
              "run": MISSING_RUN_MONTHS, "grace": REPORT_GRACE_DAYS}
    for sql in _CHECK_SQL:
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql} or None)
    con.execute("DROP TABLE IF EXISTS dq_relief_campaigns")
    _store_summary(con)


def _store_rules(con: duckdb.DuckDBPyConnection, rules: pl.DataFrame,
                 standards: pl.DataFrame) -> None:
    words = regions.words(con)  # rule texts in the deployment's words ({county} …)
    checks = pl.DataFrame([{**c.__dict__, "ord": i} for i, c in enumerate(CHECKS)])
    checks, rules = (df.with_columns(
        pl.col("rule_zh").map_elements(words.fill, return_dtype=pl.String),
        pl.col("rule_en").map_elements(lambda text: words.fill(text, "en"),
                                       return_dtype=pl.String)) for df in (checks, rules))
    for name, df in (("dq_fund_rules", rules), ("dq_relief_standards", standards),
                     ("dq_festival_seasons", festival.frame()), ("dq_checks", checks)):
        con.register("_df", df)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _df")
        con.unregister("_df")


# Each relief row's campaign: two-festival condolence counts by festival season (the Spring
# Festival moves between January and February), everything else by calendar month.
_CAMPAIGNS = """
CREATE OR REPLACE TEMP TABLE dq_relief_campaigns AS
-- One narrow row per relief row: integer keys are cheaper to group 10^7 rows by than text.
-- campaign_key: season*100 for festival relief, else year*100+month; period_key: season or
-- year. dup_key and period_h hash (person, type, campaign / period); the checks confirm
-- their candidates on the real columns, so a hash collision cannot raise a finding.
SELECT rid, relief_type, relief_date, amount_yuan, campaign_key, period_key,
       hash(person_key, relief_type, campaign_key) AS dup_key, hash(station_code) AS station_h,
       hash(person_key, relief_type, period_key) AS period_h
FROM (
    SELECT r.rowid AS rid, r.person_key, r.station_code, r.relief_type, r.relief_date,
           r.amount_yuan,
           CASE WHEN r.relief_type = 'festival_condolence' THEN x.season * 100
                ELSE year(r.relief_date) * 100 + month(r.relief_date) END AS campaign_key,
           CASE WHEN r.relief_type = 'festival_condolence' THEN x.season
                ELSE year(r.relief_date) END AS period_key
    FROM relief r
    -- A date of year y belongs to season y+1 from that season's start (about August), else
    -- to season y: an equality join, much cheaper than a range join on 10^7 rows.
    LEFT JOIN dq_festival_seasons s ON s.season = year(r.relief_date) + 1,
    LATERAL (SELECT CASE WHEN r.relief_date >= s.start_on THEN s.season
                         ELSE year(r.relief_date) END AS season) x)
"""

# The campaign as people write it: "2012两节" for a festival season, else "2012-03".
_CAMPAIGN_TEXT = """CASE WHEN r.campaign_key % 100 = 0 THEN (r.campaign_key // 100)::VARCHAR || '两节'
    ELSE printf('%04d-%02d', r.campaign_key // 100, r.campaign_key % 100) END"""

_RELIEF_COLS = """r.relief_id, coalesce(p.id_masked, '?') AS id_masked, r.county_code,
    r.station_code, r.relief_date, r.relief_type, r.recipient_group, r.fund_source,
    r.amount_yuan, r.batch_id"""

_CHECK_SQL: tuple[str, ...] = (
    # Completeness: every station's months from its first report (or 零报告) to the latest
    # month of all (or the station's closing). A month is reported when it has relief rows, declared when the station
    # sent a 零报告 for it (etl/zero_reports.py: nothing to report), silent otherwise. A quiet
    # month happens; a run of $run or more silent months is a missing report (漏报: neither
    # rows nor a declaration). A month is late when its rows first arrived more than $grace
    # days after the month's end, judged only for deadlines after the warehouse's first
    # load (history loaded at go-live is not late). Rows resent with corrections keep their
    # first arrival.
    """
CREATE OR REPLACE TABLE dq_station_months AS
WITH arrived AS (
    SELECT """ + key_types.row_id_of_text_sql("rr.natural_key", "relief") + """ AS row_id,
           min(b.loaded_at) AS first_at
    FROM row_replacements rr JOIN load_batches b ON b.batch_id = rr.replaced_batch_id
    WHERE rr.table_name = 'relief' GROUP BY ALL),
sm AS (
    SELECT r.station_code, any_value(r.county_code) AS county_code,
           date_trunc('month', r.relief_date)::DATE AS month, count(*) AS rows,
           sum(r.amount_yuan) AS amount_yuan,
           min(least(b.loaded_at, coalesce(a.first_at, b.loaded_at))) AS first_loaded_at
    FROM relief r LEFT JOIN load_batches b USING (batch_id)
    LEFT JOIN arrived a ON a.row_id = r.relief_id
    GROUP BY r.station_code, month),
zr AS (
    SELECT station_code, any_value(county_code) AS county_code, month
    FROM zero_reports WHERE kind = 'relief' GROUP BY station_code, month),
months AS (SELECT station_code, month FROM sm UNION ALL SELECT station_code, month FROM zr),
-- A station closed (help_stations.closed_on, 撤销日期) is expected up to its closing month
-- only, or up to its last report if that came later.
grid AS (
    SELECT s.station_code, unnest(generate_series(s.first_month::TIMESTAMP,
           greatest(s.last_month, least((SELECT max(month) FROM months),
                    coalesce(date_trunc('month', h.closed_on)::DATE, DATE '9999-12-01')))
           ::TIMESTAMP, INTERVAL 1 MONTH))::DATE AS month
    FROM (SELECT station_code, min(month) AS first_month, max(month) AS last_month
          FROM months GROUP BY ALL) s
    LEFT JOIN (SELECT station_code, max(closed_on) AS closed_on FROM help_stations
               GROUP BY ALL) h USING (station_code)),
joined AS (
    SELECT g.station_code,
           coalesce(sm.county_code, zr.county_code, left(g.station_code, 6)) AS county_code,
           g.month, coalesce(sm.rows, 0)::BIGINT AS rows,
           coalesce(sm.amount_yuan, 0)::DECIMAL(18,2) AS amount_yuan, sm.first_loaded_at,
           sm.rows IS NULL AND zr.station_code IS NOT NULL AS declared,
           sm.rows IS NULL AND zr.station_code IS NULL AS silent,
           (g.month + INTERVAL 1 MONTH + to_days($grace::INTEGER))::TIMESTAMP AS deadline
    FROM grid g LEFT JOIN sm USING (station_code, month) LEFT JOIN zr USING (station_code, month)),
islands AS (
    SELECT *, row_number() OVER (PARTITION BY station_code ORDER BY month)
                - row_number() OVER (PARTITION BY station_code, silent ORDER BY month) AS island
    FROM joined),
runs AS (
    SELECT *, count(*) OVER (PARTITION BY station_code, silent, island) AS run
    FROM islands)
SELECT station_code, county_code, month, rows, amount_yuan, first_loaded_at,
       CASE WHEN declared THEN 'declared'
            WHEN silent AND run >= $run THEN 'missing'
            WHEN silent THEN 'empty'
            WHEN first_loaded_at > deadline
             AND deadline >= (SELECT min(loaded_at) FROM load_batches) THEN 'late'
            ELSE 'reported' END AS status
FROM runs ORDER BY station_code, month
""",
    # The same person, relief type and campaign paid by two or more stations.
    f"""
CREATE OR REPLACE TABLE dq_duplicate_relief AS
-- A narrow pass finds candidate groups (min <> max: two stations); only their rows get details.
WITH g AS (SELECT dup_key FROM dq_relief_campaigns GROUP BY dup_key
           HAVING min(station_h) <> max(station_h)),
cand AS (SELECT c.rid, c.campaign_key FROM dq_relief_campaigns c SEMI JOIN g USING (dup_key)),
hit AS (
    SELECT r.*, cand.campaign_key,
           count(DISTINCT r.station_code) OVER w AS n_stations,
           string_agg(DISTINCT r.station_code, ',' ORDER BY r.station_code) OVER w AS stations
    FROM cand JOIN relief r ON r.rowid = cand.rid
    WINDOW w AS (PARTITION BY r.person_key, r.relief_type, cand.campaign_key))
SELECT dense_rank() OVER (ORDER BY p.id_masked, r.person_key, r.relief_type, r.campaign_key)
           AS flag_id,
       {_CAMPAIGN_TEXT} AS campaign, r.n_stations, r.stations, {_RELIEF_COLS}
FROM hit r
LEFT JOIN persons p USING (person_key)
WHERE r.n_stations > 1
ORDER BY flag_id, r.relief_date
""",
    # Hardship-worker relief dated after the person left the file, with no file open then.
    f"""
CREATE OR REPLACE TABLE dq_relief_after_exit AS
SELECT {_RELIEF_COLS}, x.exited_on, (r.relief_date - x.exited_on)::INTEGER AS days_after_exit
FROM relief r
JOIN (SELECT person_key, max(exited_on) AS exited_on FROM hardship_files
      WHERE exited_on IS NOT NULL GROUP BY person_key) x
  ON x.person_key = r.person_key AND r.relief_date > x.exited_on
LEFT JOIN persons p ON p.person_key = r.person_key
WHERE r.recipient_group IN ('hardship_worker', 'not_stated')  -- unstated: may be one
  AND NOT EXISTS (SELECT 1 FROM hardship_files h WHERE h.person_key = r.person_key
                  AND h.registered_on <= r.relief_date
                  AND (h.exited_on IS NULL OR h.exited_on >= r.relief_date))
ORDER BY r.relief_date, r.relief_id
""",
    # Funds that require a hardship file paying someone never registered by the relief date.
    f"""
CREATE OR REPLACE TABLE dq_relief_not_on_file AS
WITH first_file AS (SELECT person_key, min(registered_on) AS registered_on
                    FROM hardship_files GROUP BY person_key)
SELECT {_RELIEF_COLS}
FROM relief r
LEFT JOIN first_file f ON f.person_key = r.person_key
LEFT JOIN persons p ON p.person_key = r.person_key
WHERE r.fund_source IN (SELECT fund_source FROM dq_fund_rules WHERE requires_on_file)
  AND (f.registered_on IS NULL OR f.registered_on > r.relief_date)
ORDER BY r.relief_date, r.relief_id
""",
    # Outliers: robust z of log amount within relief type x county, and > f x p99 of the type.
    f"""
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
       round(f.group_median_yuan, 2) AS group_median_yuan, {_RELIEF_COLS}
FROM flagged f JOIN relief r USING (relief_id)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY r.relief_type, r.county_code, r.relief_date, f.rule
""",
    # Compliance: relief type or recipient group outside the fund source's scope.
    f"""
CREATE OR REPLACE TABLE dq_fund_scope AS
-- Judge the few distinct (source, type, group) combinations, then pick their rows.
WITH combos AS (SELECT DISTINCT fund_source, relief_type, recipient_group FROM relief),
outside AS (
    SELECT c.*, CASE WHEN NOT EXISTS (
                    SELECT 1 FROM dq_fund_rules f WHERE f.fund_source = c.fund_source
                    AND f.relief_type IN ('*', c.relief_type))
                THEN 'relief_type' ELSE 'recipient_group' END AS outside
    FROM combos c
    WHERE c.fund_source IN (SELECT fund_source FROM dq_fund_rules)
      AND NOT EXISTS (SELECT 1 FROM dq_fund_rules f WHERE f.fund_source = c.fund_source
                      AND f.relief_type IN ('*', c.relief_type)
                      -- a group the file did not state is judged on the type alone
                      AND (f.recipient_group IN ('*', c.recipient_group)
                           OR c.recipient_group = 'not_stated')))
SELECT o.outside, {_RELIEF_COLS}
FROM relief r JOIN outside o USING (fund_source, relief_type, recipient_group)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY r.relief_date, r.relief_id
""",
    # Compliance: per county x year x allocated source, relief paid vs funds received.
    """
CREATE OR REPLACE TABLE dq_fund_overspend AS
WITH paid AS (
    SELECT county_code, year(relief_date)::SMALLINT AS year, fund_source,
           count(*) AS relief_rows, sum(amount_yuan) AS disbursed_yuan
    FROM relief
    WHERE fund_source IN (SELECT fund_source FROM dq_fund_rules WHERE allocated)
    GROUP BY ALL),
alloc AS (
    SELECT county_code, year, fund_source, sum(allocated_yuan) AS allocated_yuan,
           sum(received_yuan) AS received_yuan
    FROM fund_allocations GROUP BY ALL)
SELECT p.county_code, p.year, p.fund_source, p.relief_rows,
       p.disbursed_yuan::DECIMAL(18,2) AS disbursed_yuan,
       a.allocated_yuan::DECIMAL(18,2) AS allocated_yuan,
       coalesce(a.received_yuan, 0)::DECIMAL(18,2) AS received_yuan,
       (p.disbursed_yuan - coalesce(a.received_yuan, 0))::DECIMAL(18,2) AS excess_yuan,
       a.county_code IS NULL AS no_allocation
FROM paid p LEFT JOIN alloc a USING (county_code, year, fund_source)
WHERE p.disbursed_yuan > coalesce(a.received_yuan, 0)
ORDER BY p.county_code, p.year, p.fund_source
""",
    # Compliance: local matching funds promised and not (fully) arrived.
    """
CREATE OR REPLACE TABLE dq_matching_arrears AS
SELECT county_code, year, sum(allocated_yuan)::DECIMAL(18,2) AS allocated_yuan,
       sum(received_yuan)::DECIMAL(18,2) AS received_yuan,
       (sum(allocated_yuan) - sum(received_yuan))::DECIMAL(18,2) AS shortfall_yuan,
       round(sum(received_yuan) / sum(allocated_yuan), 4)::DOUBLE AS arrival_rate
FROM fund_allocations
WHERE fund_source = 'local_matching'
GROUP BY ALL
HAVING sum(allocated_yuan) > 0 AND sum(received_yuan) < sum(allocated_yuan)
ORDER BY county_code, year
""",
    # Compliance: total per person per period above the relief type's standard.
    f"""
CREATE OR REPLACE TABLE dq_above_standard AS
WITH rc AS (
    SELECT c.rid, c.period_h, c.period_key, c.amount_yuan, s.max_yuan_per_person, s.period
    FROM dq_relief_campaigns c
    JOIN dq_relief_standards s ON s.relief_type = c.relief_type
     AND c.relief_date >= s.valid_from AND (s.valid_to IS NULL OR c.relief_date <= s.valid_to)),
g0 AS (SELECT period_h FROM rc GROUP BY period_h
       HAVING sum(amount_yuan) > any_value(max_yuan_per_person)),
cand AS (
    SELECT r.*, rc.period_key, rc.period, rc.max_yuan_per_person
    FROM (SELECT * FROM rc SEMI JOIN g0 USING (period_h)) rc
    JOIN relief r ON r.rowid = rc.rid),
g AS (
    SELECT person_key, relief_type, period_key, any_value(period) AS period,
           any_value(max_yuan_per_person) AS standard_yuan,
           sum(amount_yuan)::DECIMAL(18,2) AS person_total_yuan
    FROM cand GROUP BY ALL HAVING sum(amount_yuan) > any_value(max_yuan_per_person))
SELECT dense_rank() OVER (ORDER BY g.relief_type, g.period_key, p.id_masked, g.person_key)
           AS flag_id,
       g.period, g.period_key::VARCHAR AS period_key, g.standard_yuan, g.person_total_yuan,
       (g.person_total_yuan - g.standard_yuan)::DECIMAL(18,2) AS excess_yuan, {_RELIEF_COLS}
FROM g JOIN cand r USING (person_key, relief_type, period_key)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY flag_id, r.relief_date
""",
)


def _store_summary(con: duckdb.DuckDBPyConnection) -> None:
    """One row per check: findings, rows behind them and the money involved."""
    con.execute("""
CREATE OR REPLACE TABLE dq_summary AS
SELECT code, findings::BIGINT AS findings, coalesce(rows, 0)::BIGINT AS rows,
       amount_yuan::DECIMAL(18,2) AS amount_yuan
FROM (
SELECT 'missing_report' AS code, count(*) AS findings, count(*) AS rows, 0::DECIMAL(18,2) AS amount_yuan
  FROM dq_station_months WHERE status = 'missing'
UNION ALL SELECT 'late_report', count(*), sum(rows), coalesce(sum(amount_yuan), 0)
  FROM dq_station_months WHERE status = 'late'
UNION ALL SELECT 'duplicate_relief', count(DISTINCT flag_id), count(*), coalesce(sum(amount_yuan), 0)
  FROM dq_duplicate_relief
UNION ALL SELECT 'relief_after_exit', count(*), count(*), coalesce(sum(amount_yuan), 0)
  FROM dq_relief_after_exit
UNION ALL SELECT 'not_on_file', count(*), count(*), coalesce(sum(amount_yuan), 0)
  FROM dq_relief_not_on_file
UNION ALL SELECT 'amount_outlier', count(*), count(*), coalesce(sum(amount_yuan), 0)
  FROM (SELECT DISTINCT relief_id, amount_yuan FROM dq_amount_outliers)
UNION ALL SELECT 'fund_out_of_scope', count(*), count(*), coalesce(sum(amount_yuan), 0)
  FROM dq_fund_scope
UNION ALL SELECT 'disbursed_over_received', count(*), coalesce(sum(relief_rows), 0),
  coalesce(sum(excess_yuan), 0) FROM dq_fund_overspend
UNION ALL SELECT 'matching_not_arrived', count(*), count(*), coalesce(sum(shortfall_yuan), 0)
  FROM dq_matching_arrears
UNION ALL SELECT 'above_standard', count(*), coalesce(sum(n), 0), coalesce(sum(excess), 0)
  FROM (SELECT count(*) AS n, any_value(excess_yuan) AS excess FROM dq_above_standard
        GROUP BY flag_id))
""")
    con.execute("CREATE OR REPLACE TABLE dq_meta AS SELECT now()::TIMESTAMP AS computed_at")


def refresh_warehouse(db_path: Path) -> None:
    """Recompute the findings of an existing warehouse after the rule files changed.

    Same lock, copy and swap as a load (etl/swap.py), so readers see the old findings or the
    new.
    """
    swap.rewrite(Path(db_path), refresh)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from etl import config

    parser = argparse.ArgumentParser(
        prog="python -m etl.quality",
        description="Recompute the data-quality and compliance findings (after editing "
                    "etl/mappings/fund_rules.csv or relief_standards.csv).")
    parser.add_argument("--db", type=Path, default=config.DEFAULT_DB)
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"no warehouse at {args.db}")
    refresh_warehouse(args.db)
    con = duckdb.connect(str(args.db), read_only=True)
    try:
        for code, findings in con.sql("SELECT code, findings FROM dq_summary").fetchall():
            print(f"{code}: {findings}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
