"""Hardship-worker files (建档) of the sample: who is on file, where, since when, until when.

A county's stock is about a third of everyone ever registered: 30 % were registered before
2005, the rest over 2005–2024, and files close (脱困) after about ten years on average.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample.design import LAST_YEAR, CountyParams
from sample.people import People
from sample.regions import stations_of

CATEGORIES = np.array(["low_income", "laid_off", "illness", "child_in_university",
                       "migrant_worker", "single_parent"])
_CATEGORY_P = [0.30, 0.25, 0.20, 0.10, 0.10, 0.05]
_NO_EXIT = np.datetime64("2100-01-01")
TYPICAL_COUNTY_FILES = 1500
MEAN_YEARS_ON_FILE = 10.0


def station_codes(county: str) -> np.ndarray:
    return np.array([s.region_code for s in stations_of(county)])


def pick_stations(rng: np.random.Generator, county: str, n: int) -> np.ndarray:
    codes = station_codes(county)
    p = np.full(len(codes), 0.6 / (len(codes) - 1))
    p[0] = 0.4  # the county help centre registers the largest share
    return rng.choice(codes, n, p=p)


def register(rng: np.random.Generator, people: People, county: str, params: CountyParams,
             scale: int) -> pl.DataFrame:
    """Hardship files of one county (one file per person)."""
    n = int(round(TYPICAL_COUNTY_FILES * params.size * scale))
    early = rng.random(n) < 0.3
    lo = np.where(early, np.datetime64("2002-01-01"), np.datetime64("2005-01-01")).astype(int)
    hi = np.where(early, np.datetime64("2004-12-31"), np.datetime64("2024-06-30")).astype(int)
    registered = (lo + rng.random(n) * (hi - lo)).astype(int).astype("datetime64[D]")
    categories = rng.choice(CATEGORIES, n, p=_CATEGORY_P)
    return files_for(rng, people, county, registered, categories)


def files_for(rng: np.random.Generator, people: People, county: str, registered: np.ndarray,
              categories: np.ndarray, exits: bool = True) -> pl.DataFrame:
    """New people on file from given registration dates and categories."""
    n = len(registered)
    persons = people.new(county, n, 1950, 1988)
    days_on_file = (180 + rng.exponential(MEAN_YEARS_ON_FILE * 365, n)).astype(int)
    exited = registered + days_on_file.astype("timedelta64[D]")
    still_open = (exited > np.datetime64(f"{LAST_YEAR}-12-31")) | (not exits)
    return pl.DataFrame({
        "pid": persons["pid"],
        "county": [county] * n,
        "station": pick_stations(rng, county, n),
        "category": categories,
        "registered_on": registered,
        "exited_on": np.where(still_open, np.datetime64("NaT"), exited).astype("datetime64[D]"),
        "family_size": rng.integers(1, 6, n),
        "income_per_head": rng.integers(150, 900, n) // 10 * 10,
    })


def active_mask(reg: np.ndarray, exit_: np.ndarray, start: np.datetime64,
                end: np.datetime64) -> np.ndarray:
    """On file for the whole of [start, end]; exit_ uses a far-future day for open files."""
    return (reg <= start) & (exit_ > end)


def exit_days(files: pl.DataFrame) -> np.ndarray:
    return files["exited_on"].fill_null(_NO_EXIT.astype(object)).to_numpy().astype("datetime64[D]")
