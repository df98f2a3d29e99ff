"""Compliance: per county x year x allocated fund source, relief paid vs funds received (no
allocation row counts as nothing received)."""

from datetime import date

import duckdb

from etl import touched
from etl.checks.contract import Check, Scope, Statement

# The relief rows of the county-years a batch touched (`_touched_relief_rows`).
TOUCHED_RELIEF = "_overspend_relief"

CHECK = Check(
    "disbursed_over_received", "compliance", "dq_fund_overspend", "支出超过到位资金",
    "disbursed more than received",
    "{county}×年度×资金来源的发放合计大于到位金额",
    "relief paid per county x year x fund source exceeds the amount received",
    summary="SELECT count(*) AS findings, coalesce(sum(relief_rows), 0) AS rows, "
            "coalesce(sum(excess_yuan), 0) AS amount_yuan FROM dq_fund_overspend")


def _touched_relief_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The relief rows of the touched county-years, into TOUCHED_RELIEF: a constant range
    of relief_date per run of touched years, which DuckDB prunes row groups by (a join on
    year(relief_date) would read every row)."""
    years = [y for (y,) in con.execute(
        f"SELECT DISTINCT year FROM {touched.COUNTY_YEARS} WHERE year IS NOT NULL "
        "ORDER BY year").fetchall()]
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    ranges = " OR ".join(f"r.relief_date BETWEEN $from{i} AND $to{i}"
                         for i in range(len(runs))) or "false"
    params = {k: v for i, (a, b) in enumerate(runs)
              for k, v in ((f"from{i}", date(a, 1, 1)), (f"to{i}", date(b, 12, 31)))}
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {TOUCHED_RELIEF} AS
                    SELECT r.county_code, r.relief_date, r.fund_source, r.amount_yuan
                    FROM relief r SEMI JOIN {touched.COUNTY_YEARS} t
                      ON t.county_code = r.county_code AND t.year = year(r.relief_date)
                    WHERE {ranges}""", params or None)


STATEMENT = Statement(
    name="fund_overspend", table="dq_fund_overspend",
    flags="county x year x allocated fund source where relief paid > received_yuan",
    checks=(CHECK,),
    sql="""
CREATE OR REPLACE TABLE dq_fund_overspend AS
WITH paid AS (
    SELECT county_code, year(relief_date)::SMALLINT AS year, fund_source,
           count(*) AS relief_rows, sum(amount_yuan) AS disbursed_yuan
    FROM {relief}
    WHERE fund_source IN (SELECT fund_source FROM dq_fund_rules WHERE allocated)
    GROUP BY ALL),
alloc AS (
    SELECT county_code, year, fund_source, sum(allocated_yuan) AS allocated_yuan,
           sum(received_yuan) AS received_yuan
    FROM {fund_allocations} GROUP BY ALL)
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
    # A finding is a county x year: those whose relief or allocations the batch touched are
    # summed again from their rows, read by date (relief is mostly in load order, so the
    # zone maps of relief_date skip the other years' row groups).
    scope=Scope(
        "county x year",
        f"EXISTS (SELECT 1 FROM {touched.COUNTY_YEARS} t WHERE t.county_code = "
        "dq_fund_overspend.county_code AND t.year = dq_fund_overspend.year)",
        {"relief": TOUCHED_RELIEF,
         "fund_allocations": f"(SELECT a.* FROM fund_allocations a SEMI JOIN "
                             f"{touched.COUNTY_YEARS} t USING (county_code, year))"},
        before=(_touched_relief_rows,),
        after=(f"DROP TABLE IF EXISTS {TOUCHED_RELIEF}",),
        driven_by=(touched.COUNTY_YEARS,)))
