"""Funds that require a hardship file (fund_rules.csv) paying someone never registered by
the relief date."""

from etl.checks.contract import Check, Statement, person_scope

CHECK = Check(
    "not_on_file", "quality", "dq_relief_not_on_file", "未建档人员使用专项资金",
    "relief to people not on file",
    "资金来源要求建档（fund_rules.csv），但发放日前未建档",
    "the fund source requires a hardship file (fund_rules.csv) and none was open "
    "by the relief date",
    summary="SELECT count(*) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan FROM dq_relief_not_on_file")

STATEMENT = Statement(
    name="not_on_file", table="dq_relief_not_on_file",
    flags="relief rows from a fund source that requires a file, to a person first "
          "registered after the relief date (or never)",
    checks=(CHECK,),
    sql="""
CREATE OR REPLACE TABLE dq_relief_not_on_file AS
WITH first_file AS (SELECT person_key, min(registered_on) AS registered_on
                    FROM {hardship_files} GROUP BY person_key)
SELECT {cols}
FROM {relief} r
LEFT JOIN first_file f ON f.person_key = r.person_key
LEFT JOIN persons p ON p.person_key = r.person_key
WHERE r.fund_source IN (SELECT fund_source FROM dq_fund_rules WHERE requires_on_file)
  AND (f.registered_on IS NULL OR f.registered_on > r.relief_date)
ORDER BY r.relief_date, r.relief_id
""",
    # A row is judged by its person's hardship files: the touched persons' rows again.
    scope=person_scope("person"))
