"""Compliance: per county x year x allocated fund source, relief paid vs funds received (no
allocation row counts as nothing received)."""

from etl import touched
from etl.checks.contract import Check, Scope, Statement

CHECK = Check(
    "disbursed_over_received", "compliance", "dq_fund_overspend", "支出超过到位资金",
    "disbursed more than received",
    "{county}×年度×资金来源的发放合计大于到位金额",
    "relief paid per county x year x fund source exceeds the amount received",
    summary="SELECT count(*) AS findings, coalesce(sum(relief_rows), 0) AS rows, "
            "coalesce(sum(excess_yuan), 0) AS amount_yuan FROM dq_fund_overspend")

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
    # summed again from their rows.
    scope=Scope(
        "county x year",
        f"EXISTS (SELECT 1 FROM {touched.COUNTY_YEARS} t WHERE t.county_code = "
        "dq_fund_overspend.county_code AND t.year = dq_fund_overspend.year)",
        {"relief": f"(SELECT r.* FROM relief r SEMI JOIN {touched.COUNTY_YEARS} t "
                   "ON t.county_code = r.county_code AND t.year = year(r.relief_date))",
         "fund_allocations": f"(SELECT a.* FROM fund_allocations a SEMI JOIN "
                             f"{touched.COUNTY_YEARS} t USING (county_code, year))"}))
