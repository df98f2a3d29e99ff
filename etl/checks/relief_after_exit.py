"""Hardship-worker relief dated after the person left the file, with no file open then."""

from etl.checks.contract import Check, Statement, person_scope

CHECK = Check(
    "relief_after_exit", "quality", "dq_relief_after_exit", "脱困后仍救助",
    "relief after leaving the hardship file",
    "以困难职工身份救助，发放日期晚于脱困日期且无有效档案",
    "relief as a hardship worker dated after exited_on, with no file open on that date",
    summary="SELECT count(*) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan FROM dq_relief_after_exit")

STATEMENT = Statement(
    name="relief_after_exit", table="dq_relief_after_exit",
    flags="relief rows to a hardship worker (or unstated group) after their last exit date",
    checks=(CHECK,),
    sql="""
CREATE OR REPLACE TABLE dq_relief_after_exit AS
SELECT {cols}, x.exited_on, (r.relief_date - x.exited_on)::INTEGER AS days_after_exit
FROM {relief} r
JOIN (SELECT person_key, max(exited_on) AS exited_on FROM {hardship_files}
      WHERE exited_on IS NOT NULL GROUP BY person_key) x
  ON x.person_key = r.person_key AND r.relief_date > x.exited_on
LEFT JOIN persons p ON p.person_key = r.person_key
WHERE r.recipient_group IN ('hardship_worker', 'not_stated')  -- unstated: may be one
  AND NOT EXISTS (SELECT 1 FROM {hardship_files} h WHERE h.person_key = r.person_key
                  AND h.registered_on <= r.relief_date
                  AND (h.exited_on IS NULL OR h.exited_on >= r.relief_date))
ORDER BY r.relief_date, r.relief_id
""",
    # A row is judged by its person's hardship files: the touched persons' rows again.
    scope=person_scope("person"))
