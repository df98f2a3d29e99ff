"""Duplicates: the same person, relief type and campaign (festival season, else month) paid
by two or more stations."""

from etl.checks.contract import Check, Statement, person_scope

CHECK = Check(
    "duplicate_relief", "quality", "dq_duplicate_relief", "跨站点重复救助",
    "same person relieved by two stations",
    "同一人同一救助类型同一批次（两节为同一慰问季，其他为同一月）由两个以上站点发放",
    "one person, one relief type, one campaign (festival season, else month), "
    "two or more stations",
    summary="SELECT count(DISTINCT flag_key) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan FROM dq_duplicate_relief")

STATEMENT = Statement(
    name="duplicate_relief", table="dq_duplicate_relief",
    flags="every relief row of a person x type x campaign paid by 2+ stations, one flag_key "
          "per group (its first relief_id; analytics/quality.py numbers the groups for the "
          "reader)",
    checks=(CHECK,),
    by_period=True,  # a group lies in one period: a full refresh a range of periods at a time
    sql="""
CREATE OR REPLACE TABLE dq_duplicate_relief AS
-- A narrow pass finds candidate groups (min <> max: two stations); only their rows get details.
WITH g AS (SELECT dup_key FROM {campaigns} GROUP BY dup_key
           HAVING min(station_h) <> max(station_h)),
cand AS (SELECT c.rid, c.campaign_key FROM {campaigns} c SEMI JOIN g USING (dup_key)),
hit AS (
    SELECT r.*, cand.campaign_key,
           min(r.relief_id) OVER w AS flag_key,
           count(DISTINCT r.station_code) OVER w AS n_stations,
           string_agg(DISTINCT r.station_code, ',' ORDER BY r.station_code) OVER w AS stations
    FROM cand JOIN {relief} r ON r.rowid = cand.rid
    WINDOW w AS (PARTITION BY r.person_key, r.relief_type, cand.campaign_key))
SELECT r.flag_key, {campaign_text} AS campaign, r.n_stations, r.stations, {cols}
FROM hit r
LEFT JOIN persons p USING (person_key)
WHERE r.n_stations > 1
ORDER BY r.flag_key, r.relief_date
""",
    # A group is one person's: the touched persons' findings are made again from their rows.
    # Its flag_key is its own (the least relief_id of its rows), so the other groups keep
    # theirs and no statement reads the whole table.
    scope=person_scope("person (x type x campaign)"))
