"""Spring Festival dates, so two-festival relief (两节慰问) is compared season by season.

The Spring Festival moves between 21 January and 20 February; month-by-month 同比 of
two-festival relief would compare a pre-festival January with a post-festival January. Each
season runs from the midpoint between two festivals to the next midpoint, so every payment
counts towards the festival nearest to it.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import polars as pl
from lunardate import LunarDate

FIRST_SEASON, LAST_SEASON = 1990, 2050


def festival_day(year: int) -> date:
    """Gregorian date of the Spring Festival (lunar 1/1) of `year`."""
    return LunarDate(year, 1, 1).to_solar_date()


@cache
def spring_festivals() -> list[tuple[int, date, date, date]]:
    """(season, festival_on, start_on, end_on) with [start_on, end_on) covering the season."""
    days = {y: festival_day(y) for y in range(FIRST_SEASON - 1, LAST_SEASON + 2)}
    out = []
    for y in range(FIRST_SEASON, LAST_SEASON + 1):
        start = days[y - 1] + (days[y] - days[y - 1]) / 2
        end = days[y] + (days[y + 1] - days[y]) / 2
        out.append((y, days[y], start, end))
    return out


def frame() -> pl.DataFrame:
    """spring_festivals() as a table: season, festival_on, start_on, end_on."""
    return pl.DataFrame(spring_festivals(), orient="row",
                        schema=["season", "festival_on", "start_on", "end_on"])


def season_sql(day: str, festivals: str, alias: str, join: str = "JOIN") -> tuple[str, str]:
    """(join clause, expression) giving the date `day` its season from the table
    `festivals` (as frame()): a day of year Y is in season Y, or in season Y+1 once that has
    started (seasons run from midpoint to midpoint, so season Y+1 starts in Y). An equality
    join to the 61-row table, cheaper than a range or ASOF join over millions of rows."""
    return (f"{join} {festivals} {alias} ON {alias}.season = year({day}) + 1",
            f"year({day}) + ({day} >= {alias}.start_on)::INT")
