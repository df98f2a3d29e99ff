"""Compliance: relief type or recipient group outside the fund source's scope
(fund_rules.csv, snapshot in dq_fund_rules)."""

from etl.checks.contract import Check, Statement, person_scope

CHECK = Check(
    "fund_out_of_scope", "compliance", "dq_fund_scope", "专项资金超范围使用",
    "special funds used outside their scope",
    "救助类型或救助对象不在该资金来源的使用范围内（fund_rules.csv）",
    "relief type or recipient group outside the fund source's scope (fund_rules.csv)",
    summary="SELECT count(*) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan FROM dq_fund_scope")

STATEMENT = Statement(
    name="fund_scope", table="dq_fund_scope",
    flags="relief rows of a ruled fund source whose type (outside = relief_type) or stated "
          "group (outside = recipient_group) the source may not pay for",
    checks=(CHECK,),
    sql="""
CREATE OR REPLACE TABLE dq_fund_scope AS
-- Judge the few distinct (source, type, group) combinations, then pick their rows.
WITH combos AS (SELECT DISTINCT fund_source, relief_type, recipient_group FROM {relief}),
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
SELECT o.outside, {cols}
FROM {relief} r JOIN outside o USING (fund_source, relief_type, recipient_group)
LEFT JOIN persons p ON p.person_key = r.person_key
ORDER BY r.relief_date, r.relief_id
""",
    # A finding is one row, judged by the rules alone: the rows the batch touched (its
    # persons' rows, a superset the person checks share) are judged again.
    scope=person_scope("relief row"))
