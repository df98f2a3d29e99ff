"""The fixed design of the sample: period, festival windows, county sizes, planted effects.

Everything an effect estimator is meant to recover is a named constant here, and
`sample/truth.py` writes the same constants into ground_truth.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from lunardate import LunarDate

from sample.regions import COUNTIES

FIRST_YEAR, LAST_YEAR = 2005, 2024
MONTHS = np.arange(np.datetime64(f"{FIRST_YEAR}-01"), np.datetime64(f"{LAST_YEAR + 1}-01"))
HAILAR, BAIRIN_LEFT, XILIN = "150702", "150422", "451030"
INNER_MONGOLIA = tuple(c for c in COUNTIES if c.startswith("15"))
GUANGXI = tuple(c for c in COUNTIES if c.startswith("45"))

# Two-festival visits happen in the four weeks before the Spring Festival.
FESTIVAL_WINDOW_DAYS = 28

# (1) 内政发[2010]30号: regular relief in Inner Mongolia rises by this factor from 2010-07.
FINANCE_ID, FINANCE_START, RR_FINANCE = "FIN-NMG-2010-30", date(2010, 7, 1), 1.40
FINANCE_TYPES = ("living", "medical", "education")
# (2) NPC voter reception days: skip-level petitions fall by this factor from a county's start.
RR_NPC_SKIP = 0.60
# (3) Hailar partner hospital: monthly medical benefits rise by this factor from 2008-07.
HOSPITAL_ID, HOSPITAL_START, RR_HOSPITAL = "UNI-HLR-HOSP-2008", date(2008, 7, 1), 1.25
PHARMACY_ID, PHARMACY_START = "UNI-HLR-PHARM-2006", date(2006, 3, 1)
# (4) The planted null: the income-tax threshold change leaves temporary relief unchanged.
TAX_ID, TAX_START = "FIN-IIT-2011-09", date(2011, 9, 1)
# (5) NPC proposal supervision: the share of proposals completed rises by this much.
PROPOSAL_P_BEFORE, PROPOSAL_P_AFTER = 0.65, 0.85

# Gamma-Poisson (negative binomial) counts: shape of the gamma multiplier; variance
# = mu + mu^2 / NB_SHAPE.
NB_SHAPE = 25.0
YEARLY_GROWTH = 0.03  # log-linear secular trend of relief counts, per year

# Voter reception days: staggered county start dates; six counties never adopt.
RECEPTION_START: dict[str, date] = {
    "150702": date(2008, 3, 1), "150402": date(2008, 7, 1), "451002": date(2008, 10, 1),
    "150781": date(2009, 3, 1), "150404": date(2009, 6, 1), "451022": date(2009, 9, 1),
    "150422": date(2010, 1, 1), "150423": date(2010, 5, 1), "451081": date(2010, 9, 1),
    "150782": date(2011, 3, 1), "150426": date(2011, 7, 1), "451030": date(2011, 1, 1),
    "150403": date(2012, 4, 1), "150783": date(2012, 8, 1), "451003": date(2012, 3, 1),
    "150421": date(2013, 2, 1), "150429": date(2013, 6, 1), "451024": date(2013, 10, 1),
    "150784": date(2014, 3, 1), "150424": date(2014, 7, 1), "451082": date(2014, 5, 1),
    "150425": date(2015, 4, 1), "451027": date(2015, 8, 1), "150703": date(2015, 1, 1),
    "150721": date(2016, 3, 1), "451029": date(2016, 9, 1),
}
NEVER_TREATED = tuple(c for c in COUNTIES if c not in RECEPTION_START)


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def inspection_start(county: str) -> date:
    return add_months(RECEPTION_START[county], 6)


def proposal_start(county: str) -> date:
    return add_months(RECEPTION_START[county], 12)


def spring_festival(year: int) -> date:
    return LunarDate(year, 1, 1).to_solar_date()


def festival_window(year: int, county: str) -> tuple[date, date]:
    """Days of the visits of `year`'s season. Hailar visits only in January of the festival's
    year, so its calendar-year totals are whole seasons (the documents count it so)."""
    sf = spring_festival(year)
    start, end = sf - timedelta(days=FESTIVAL_WINDOW_DAYS), sf - timedelta(days=1)
    if county == HAILAR:
        start = max(start, date(year, 1, 1))
    return start, end


@dataclass(frozen=True)
class CountyParams:
    size: float       # relative size (1 = a typical county)
    coverage: float   # share of active hardship workers visited each festival season


def county_params(rng: np.random.Generator) -> dict[str, CountyParams]:
    out = {}
    for code in COUNTIES:
        size = float(np.round(rng.uniform(0.6, 1.4), 2))
        out[code] = CountyParams(size, float(np.round(rng.uniform(0.55, 0.75), 2)))
    out[HAILAR] = CountyParams(2.4, 0.72)
    return out


def month_index(d: np.ndarray) -> np.ndarray:
    """Months since 2005-01 of datetime64 values."""
    return (d.astype("datetime64[M]") - MONTHS[0]).astype(int)
