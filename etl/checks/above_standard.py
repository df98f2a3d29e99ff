"""Compliance: total per person per period (festival season, else year) above the relief
type's standard (relief_standards.csv, snapshot in dq_relief_standards)."""

from etl.checks.contract import Check, Statement, person_scope

CHECK = Check(
    "above_standard", "compliance", "dq_above_standard", "超标准发放",
    "amount per person above the standard",
    "每人每期（两节为慰问季，其他为年度）发放合计超过标准（relief_standards.csv）",
    "total per person per period (festival season or year) above the standard "
    "(relief_standards.csv)",
    # one finding per person x type x period; its excess counted once
    summary="SELECT count(*) AS findings, coalesce(sum(n), 0) AS rows, "
            "coalesce(sum(excess), 0) AS amount_yuan "
            "FROM (SELECT count(*) AS n, any_value(excess_yuan) AS excess "
            "FROM dq_above_standard GROUP BY flag_key)")

STATEMENT = Statement(
    name="above_standard", table="dq_above_standard",
    flags="every relief row of a person x type x period whose total exceeds the standard "
          "valid on the relief date, one flag_key per group (its first relief_id; "
          "analytics/quality.py numbers the groups for the reader)",
    checks=(CHECK,),
    by_period=True,  # a group lies in one period: a full refresh a range of periods at a time
    sql="""
CREATE OR REPLACE TABLE dq_above_standard AS
WITH rc AS (
    SELECT c.rid, c.period_h, c.period_key, c.amount_yuan, s.max_yuan_per_person, s.period
    FROM {campaigns} c
    JOIN dq_relief_standards s ON s.relief_type = c.relief_type
     AND c.relief_date >= s.valid_from AND (s.valid_to IS NULL OR c.relief_date <= s.valid_to)),
g0 AS (SELECT period_h FROM rc GROUP BY period_h
       HAVING sum(amount_yuan) > any_value(max_yuan_per_person)),
cand AS (
    SELECT r.*, rc.period_key, rc.period, rc.max_yuan_per_person
    FROM (SELECT * FROM rc SEMI JOIN g0 USING (period_h)) rc
    JOIN {relief} r ON r.rowid = rc.rid),
g AS (
    SELECT person_key, relief_type, period_key, any_value(period) AS period,
           any_value(max_yuan_per_person) AS standard_yuan,
           sum(amount_yuan)::DECIMAL(18,2) AS person_total_yuan, min(relief_id) AS flag_key
    FROM cand GROUP BY ALL HAVING sum(amount_yuan) > any_value(max_yuan_per_person))
SELECT g.flag_key, g.period, g.period_key::VARCHAR AS period_key, g.standard_yuan,
       g.person_total_yuan, (g.person_total_yuan - g.standard_yuan)::DECIMAL(18,2) AS excess_yuan, {cols}
FROM g JOIN cand r USING (person_key, relief_type, period_key)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY g.flag_key, r.relief_date
""",
    # A finding is one person's total: the touched persons' findings are made again from
    # their rows. Its flag_key is its own (the least relief_id of its rows), so the other
    # findings keep theirs and no statement reads the whole table.
    scope=person_scope("person (x type x period)"))
