"""Compliance: local matching funds promised and not (fully) arrived."""

from etl import touched
from etl.checks.contract import Check, Scope, Statement

CHECK = Check(
    "matching_not_arrived", "compliance", "dq_matching_arrears", "配套资金未到位",
    "matching funds not arrived",
    "地方财政配套资金应拨金额>0且到位金额<应拨金额",
    "local matching funds allocated > 0 and received < allocated",
    summary="SELECT count(*) AS findings, count(*) AS rows, "
            "coalesce(sum(shortfall_yuan), 0) AS amount_yuan FROM dq_matching_arrears")

STATEMENT = Statement(
    name="matching_arrears", table="dq_matching_arrears",
    flags="county x year where local matching funds allocated > 0 and received < allocated",
    checks=(CHECK,),
    sql="""
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
    # Not scoped: it reads fund_allocations alone, one row per county, year and source (a
    # few thousand), cheaper to recompute than to scope; skipped when the batch touched no
    # county-year (then it wrote, replaced or removed no row of fund_allocations).
    scope=Scope("none: recomputed whole at every refresh", whole=True,
                driven_by=(touched.COUNTY_YEARS,)))
