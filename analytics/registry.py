"""The help-station registry as staff see it on the upload page, and the deployment's flags."""

from __future__ import annotations

import polars as pl

from analytics import access, db
from analytics.filters import COUNTRY


def help_stations(scope: str = COUNTRY) -> pl.DataFrame:
    """Every registered station within `scope` (a user's region) with its county's and
    township's names, by code (none in a warehouse from before the registry, which gets it
    on its next load)."""
    if not db.rows("SELECT 1 FROM duckdb_tables() WHERE table_name = 'help_stations'"):
        return pl.DataFrame(schema={"station_code": pl.String, "name_zh": pl.String,
                                    "county_code": pl.String, "county_zh": pl.String,
                                    "township_zh": pl.String, "established_on": pl.Date,
                                    "closed_on": pl.Date})
    stations = db.query("""
        SELECT s.station_code, s.name_zh, s.county_code, c.name_zh AS county_zh,
               s.township_zh, s.established_on, s.closed_on
        FROM help_stations s LEFT JOIN regions c ON c.region_code = s.county_code
        ORDER BY s.station_code""")
    keep = access.in_scope(stations["station_code"].to_list(), scope)
    return stations.filter(pl.col("station_code").is_in(keep))


def counties(scope: str = COUNTRY) -> dict[str, str]:
    """Code → Chinese name of the counties in this warehouse's scope and the user's."""
    rows = db.rows("SELECT region_code, name_zh FROM regions WHERE level = 'county' "
                   "ORDER BY region_code")
    return {code: name for code, name in rows if access.within(code, scope)}


@db.per_file
def is_sample() -> bool:
    """Whether this warehouse is the bundled synthetic sample (示例数据 banner)."""
    if not db.rows("SELECT 1 FROM duckdb_tables() WHERE table_name = 'deployment'"):
        return True  # a warehouse from before the deployment table: only the sample existed
    return bool(db.rows("SELECT 1 FROM deployment WHERE key = 'sample' AND value = '1'"))
