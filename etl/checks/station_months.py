"""Completeness: which stations reported which months (漏报 missing, 迟报 late).

Every station's months from its first report (or 零报告) to the latest month of all (or the
station's closing). A month is reported when it has relief rows, declared when the station
sent a 零报告 for it (etl/zero_reports.py: nothing to report), silent otherwise. A quiet month
happens; a run of $run or more silent months is a missing report (漏报: neither rows nor a
declaration). A month is late when its rows first arrived more than $grace days after the
month's end, judged only for deadlines after the warehouse's first load (history loaded at
go-live is not late). Rows resent with corrections keep their first arrival.
"""

import duckdb

from etl import key_types, touched
from etl.checks.contract import Check, Scope, Statement

# This many consecutive months without relief rows is a missing report; rows that arrive
# more than REPORT_GRACE_DAYS after their month's end are late.
MISSING_RUN_MONTHS = 3
REPORT_GRACE_DAYS = 15

MISSING = Check(
    "missing_report", "quality", "dq_station_months", "漏报月份", "missing monthly reports",
    f"站点连续{MISSING_RUN_MONTHS}个月及以上既无救助记录也无零报告（首次报送至最近月份之间）",
    f"a station sent neither relief rows nor a zero report (零报告) for "
    f"{MISSING_RUN_MONTHS} or more months in a row (between its first report and the "
    "latest month)",
    summary="SELECT count(*) AS findings, count(*) AS rows, 0::DECIMAL(18,2) AS amount_yuan "
            "FROM dq_station_months WHERE status = 'missing'")

LATE = Check(
    "late_report", "quality", "dq_station_months", "迟报月份", "late monthly reports",
    f"某月数据在月末{REPORT_GRACE_DAYS}天后才首次导入（只评价系统启用后的截止日期）",
    f"a month's rows first arrived more than {REPORT_GRACE_DAYS} days after the month's "
    "end (judged for deadlines after the first load only)",
    summary="SELECT count(*) AS findings, sum(rows) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan "
            "FROM dq_station_months WHERE status = 'late'")

# The first arrival of each relief row a correction replaced, by its id (from the natural
# key as row_replacements keeps it).
ARRIVED = ("SELECT " + key_types.row_id_of_text_sql("rr.natural_key", "relief") + """ AS row_id,
           min(b.loaded_at) AS first_at
    FROM row_replacements rr JOIN load_batches b ON b.batch_id = rr.replaced_batch_id
    WHERE rr.table_name = 'relief' GROUP BY ALL""")


def _arrivals(con: duckdb.DuckDBPyConnection) -> None:
    """`_arrived`: ARRIVED's rows, for a refresh after a batch. With no replaced relief row
    there are none, and the table is made without binding the key's hash (~5 ms of CPU in
    every statement that names it, however few its rows)."""
    (replaced,), = con.execute("SELECT EXISTS (FROM row_replacements "
                               "WHERE table_name = 'relief')").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE _arrived AS " + (
        ARRIVED if replaced else
        "SELECT NULL::UBIGINT AS row_id, NULL::TIMESTAMP AS first_at WHERE false"))


STATEMENT = Statement(
    name="station_months", table="dq_station_months",
    flags="one row per station and expected month, status reported, declared, empty, "
          "missing (a run of $run silent months) or late (first rows after $grace days)",
    checks=(MISSING, LATE),
    params={"run": MISSING_RUN_MONTHS, "grace": REPORT_GRACE_DAYS},
    tables={"arrived": ARRIVED},
    sql="""
CREATE OR REPLACE TABLE dq_station_months AS
WITH arrived AS ({arrived}),
sm AS (
    SELECT r.station_code, any_value(r.county_code) AS county_code,
           date_trunc('month', r.relief_date)::DATE AS month, count(*) AS rows,
           sum(r.amount_yuan) AS amount_yuan,
           min(least(b.loaded_at, coalesce(a.first_at, b.loaded_at))) AS first_loaded_at
    FROM {station_relief} r LEFT JOIN load_batches b USING (batch_id)
    LEFT JOIN arrived a ON a.row_id = r.relief_id
    GROUP BY r.station_code, month
    -- after a batch: the months of the stations it did not touch, as they were
    UNION ALL
    SELECT station_code, county_code, month, rows, amount_yuan, first_loaded_at
    FROM {kept_station_months}),
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
    # The sums of the (station, month) cells the batch touched are made again from their
    # rows; the other cells' sums are kept from the table. The grid, runs and deadlines are
    # then made for every station (stations x months, not relief rows), as the latest month
    # and the first load are the whole warehouse's.
    scope=Scope(
        "station x month (its sums); the statuses whole", whole=True,
        sources={"station_relief": "(SELECT r.* FROM relief r SEMI JOIN _station_cells c "
                                   "ON c.station_code = r.station_code "
                                   "AND c.month_key = r.month_key)",  # person_index's
                 "kept_station_months": "_kept_station_months",
                 "arrived": "FROM _arrived"},
        before=(_arrivals,
                f"""CREATE OR REPLACE TEMP TABLE _station_cells AS
                    SELECT DISTINCT station_code, date_trunc('month', relief_date)::DATE AS month,
                           year(relief_date) * 12 + month(relief_date) - 1 AS month_key
                    FROM {touched.RELIEF}""",
                """CREATE OR REPLACE TEMP TABLE _kept_station_months AS
                   SELECT * FROM dq_station_months k WHERE rows > 0 AND NOT EXISTS (
                       SELECT 1 FROM _station_cells c
                       WHERE c.station_code = k.station_code AND c.month = k.month)""")))
