"""Each relief row's campaign, a helper view (no findings) for the duplicate and
above-standard checks: two-festival condolence counts by festival season (the Spring
Festival moves between January and February), everything else by calendar month.

A view, not a table: as a temporary table (uncompressed) it took ~44 bytes a row, spilled
to disk past the memory limit and held there for the rest of the refresh (445 MB at 10M
rows, so ~4.4 GB at 100M); the checks read it a range of periods at a time instead
(contract.run_by_period), each part computed when it is read."""

from etl import touched
from etl.checks.contract import Scope, Statement

STATEMENT = Statement(
    name="relief_campaigns", table="dq_relief_campaigns",
    flags="nothing: one narrow row per relief row with its campaign and period keys",
    sql="""
CREATE OR REPLACE TEMP VIEW dq_relief_campaigns AS
-- One narrow row per relief row: integer keys are cheaper to group 10^7 rows by than text.
-- campaign_key: season*100 for festival relief, else year*100+month; period_key: season or
-- year. dup_key and period_h hash (person, type, campaign / period); the checks confirm
-- their candidates on the real columns, so a hash collision cannot raise a finding.
SELECT rid, relief_type, relief_date, amount_yuan, campaign_key, period_key,
       hash(person_key, relief_type, campaign_key) AS dup_key, hash(station_code) AS station_h,
       hash(person_key, relief_type, period_key) AS period_h
FROM (
    SELECT r.rowid AS rid, r.person_key, r.station_code, r.relief_type, r.relief_date,
           r.amount_yuan,
           CASE WHEN r.relief_type = 'festival_condolence' THEN x.season * 100
                ELSE year(r.relief_date) * 100 + month(r.relief_date) END AS campaign_key,
           CASE WHEN r.relief_type = 'festival_condolence' THEN x.season
                ELSE year(r.relief_date) END AS period_key
    FROM {relief} r
    -- A date of year y belongs to season y+1 from that season's start (about August), else
    -- to season y: an equality join, much cheaper than a range join on 10^7 rows.
    LEFT JOIN dq_festival_seasons s ON s.season = year(r.relief_date) + 1,
    LATERAL (SELECT CASE WHEN r.relief_date >= s.start_on THEN s.season
                         ELSE year(r.relief_date) END AS season) x)
""",
    # The touched persons' rows only: the checks that read it are partitioned by person.
    scope=Scope("person", whole=True, sources={"relief": touched.PERSON_RELIEF}))
