"""Random relief rows and medical cards of a few hundred persons over the sample's stations, in
a warehouse with the per-person columns and rollups made (tests/etl/test_person_index*.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from etl import person_index, rollups
from sample import regions as sample_regions
from tests import golden_warehouse

STATIONS = [r.region_code for r in sample_regions.all_regions() if r.level == "station"]
TYPES = ["festival_condolence", "temporary", "medical", "education", "living"]
GROUPS = ["hardship_worker", "model_worker", "temporary_relief"]
SOURCES = ["central_special", "provincial_special", "local_matching", "union_own", "donation"]
CATEGORIES = ["low_income", "laid_off", "illness", None]


def relief_rows(rng: random.Random, persons: int, rows: int, first_id: int = 0) -> list[tuple]:
    homes = {p: rng.choice(STATIONS) for p in range(persons)}
    out = []
    for i in range(rows):
        p = rng.randrange(persons)
        # One person in ten also gets relief elsewhere (moved, or entered by two stations).
        station = rng.choice(STATIONS[:12]) if p % 10 == 0 else homes[p]
        day = date(2010, 1, 1) + timedelta(days=rng.randrange(365 * 4))
        out.append((first_id + i, p, station[:6], station, day, rng.choice(TYPES),
                    rng.choice(GROUPS), rng.choice(SOURCES), rng.randrange(100, 2000),
                    rng.choice(CATEGORIES), "b1"))
    return out


def cards(rng: random.Random, persons: int) -> list[tuple]:
    counties = sorted({s[:6] for s in STATIONS})[:6]
    return [(p, rng.choice(counties), kind,
             date(2009, 1, 1) + timedelta(days=rng.randrange(365 * 5)), "b1")
            for p in range(0, persons, 2) for kind in rng.sample(["pharmacy", "hospital"], 2)]


def build(path, rows: list[tuple], cards: list[tuple], persons: int) -> None:
    con = golden_warehouse.empty(path)
    golden_warehouse.add_rows(con, "persons", [(p, "x", None, None, "b1", p + 1)
                                               for p in range(persons)])
    golden_warehouse.insert(con, "relief", rows)
    golden_warehouse.insert(con, "medical_cards", cards)
    person_index.refresh(con)
    rollups.refresh(con)
    con.close()
