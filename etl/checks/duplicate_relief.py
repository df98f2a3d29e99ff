"""Duplicates: the same person, relief type and campaign (festival season, else month) paid
by two or more stations."""

from etl.checks.contract import PERSON_ROWS_STALE, PERSON_SOURCES, Check, Scope, Statement

CHECK = Check(
    "duplicate_relief", "quality", "dq_duplicate_relief", "跨站点重复救助",
    "same person relieved by two stations",
    "同一人同一救助类型同一批次（两节为同一慰问季，其他为同一月）由两个以上站点发放",
    "one person, one relief type, one campaign (festival season, else month), "
    "two or more stations",
    summary="SELECT count(DISTINCT flag_id) AS findings, count(*) AS rows, "
            "coalesce(sum(amount_yuan), 0) AS amount_yuan FROM dq_duplicate_relief")

STATEMENT = Statement(
    name="duplicate_relief", table="dq_duplicate_relief",
    flags="every relief row of a person x type x campaign paid by 2+ stations, one flag_id "
          "per group",
    checks=(CHECK,),
    sql="""
CREATE OR REPLACE TABLE dq_duplicate_relief AS
-- A narrow pass finds candidate groups (min <> max: two stations); only their rows get details.
WITH g AS (SELECT dup_key FROM {campaigns} GROUP BY dup_key
           HAVING min(station_h) <> max(station_h)),
cand AS (SELECT c.rid, c.campaign_key FROM {campaigns} c SEMI JOIN g USING (dup_key)),
hit AS (
    SELECT r.*, cand.campaign_key,
           count(DISTINCT r.station_code) OVER w AS n_stations,
           string_agg(DISTINCT r.station_code, ',' ORDER BY r.station_code) OVER w AS stations
    FROM cand JOIN {relief} r ON r.rowid = cand.rid
    WINDOW w AS (PARTITION BY r.person_key, r.relief_type, cand.campaign_key))
SELECT dense_rank() OVER (ORDER BY p.id_masked, r.person_key, r.relief_type, r.campaign_key)
           AS flag_id,
       {campaign_text} AS campaign, r.n_stations, r.stations, {cols}
FROM hit r
LEFT JOIN persons p USING (person_key)
WHERE r.n_stations > 1
ORDER BY flag_id, r.relief_date
""",
    # A group is one person's: the touched persons' findings are made again from their rows;
    # flag_id numbers the groups across the table, so it is renumbered (in the order above;
    # the campaign key back from its text, the person key from the relief row).
    scope=Scope(
        "person (x type x campaign)", PERSON_ROWS_STALE, PERSON_SOURCES,
        after=("""UPDATE dq_duplicate_relief SET flag_id = n.flag_id FROM (
                      SELECT d.relief_id, dense_rank() OVER (ORDER BY nullif(d.id_masked, '?'),
                             r.person_key, d.relief_type,
                             CASE WHEN d.campaign LIKE '%两节'
                                  THEN replace(d.campaign, '两节', '')::INTEGER * 100
                                  ELSE replace(d.campaign, '-', '')::INTEGER END) AS flag_id
                      FROM dq_duplicate_relief d JOIN relief r USING (relief_id)) n
                  WHERE dq_duplicate_relief.relief_id = n.relief_id""",)))
