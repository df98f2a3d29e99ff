"""目标任务 in the sample: the documents' targets for 西林县 and plausible ones elsewhere, in a
目标任务表 as a federation's office types it (region names, indicator names, 80%).

西林县's report sets three: 1,000 frontline workers trained a year (catalogue `trained`),
harmonious-enterprise creation in 80% of unionised enterprises (`harmonious_share`), and 3
enterprises selected a year as excellent enterprise unions, which no catalogue indicator
measures (the count is a column of 三个普遍统计表), so it has no target here. The other
counties get a training and a 两节慰问 target for the documents' year and the last year,
from the year before's figure times a planned growth, and each city and province
the sum of its counties' (the sample's counties only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from core.festival import frame as festival_seasons
from sample.design import LAST_YEAR, XILIN
from sample.files import region_names, write_csv
from sample.regions import CITIES, COUNTIES

DOC_YEAR = 2012  # the documents' year
XILIN_TRAINED, XILIN_HARMONIOUS = 1000, "80%"  # 西林县's report
FILE = "target/目标任务表.csv"
HEADERS = ("年度", "地区", "指标", "目标值")


def _trained(training: pl.DataFrame, year: int) -> dict[str, int]:
    """Persons who started training in `year`, per county."""
    rows = training.filter(pl.col("start_on").dt.year() == year)
    return dict(rows.group_by("county").agg(pl.col("pid").n_unique()).iter_rows())


def _festival(relief: pl.DataFrame, season: int) -> dict[str, int]:
    """Persons given two-festival relief in the Spring Festival season `season`, per county."""
    s = festival_seasons().filter(pl.col("season") == season).row(0, named=True)
    rows = relief.filter((pl.col("relief_type") == "festival_condolence")
                         & pl.col("relief_date").is_between(s["start_on"], s["end_on"],
                                                           closed="left"))
    return dict(rows.group_by("county").agg(pl.col("pid").n_unique()).iter_rows())


def rows(tables: dict[str, pl.DataFrame], seed: int) -> list[tuple[str, str, str, str]]:
    """(年度, 地区, 指标, 目标值) rows: 西林县's documented targets every year from the
    documents' on, and planned-growth targets for every county and city in two years."""
    rng = np.random.default_rng([seed, 22])
    out = [(str(y), COUNTIES[XILIN][1], name, value) for y in range(DOC_YEAR, LAST_YEAR + 1)
           for name, value in (("培训人数", str(XILIN_TRAINED)),
                               ("和谐企业占比", XILIN_HARMONIOUS))]
    for year in (DOC_YEAR, LAST_YEAR):
        for name, before in (("培训人数", _trained(tables["training"], year - 1)),
                             ("两节慰问人数", _festival(tables["relief"], year - 1))):
            planned = {c: int(round(n * rng.uniform(0.95, 1.15), -1) or 10)
                       for c, n in sorted(before.items())
                       if not (c == XILIN and name == "培训人数")}
            out += [(str(year), COUNTIES[c][1], name, str(n)) for c, n in planned.items()]
            provinces: dict[str, int] = {}
            for city, (province, city_zh, _) in CITIES.items():
                total = sum(n for c, n in planned.items() if c[:4] == city[:4])
                if name == "培训人数" and XILIN[:4] == city[:4]:
                    total += XILIN_TRAINED
                if total:
                    out.append((str(year), city_zh, name, str(total)))
                    provinces[province] = provinces.get(province, 0) + total
            out += [(str(year), region_names()[p], name, str(n)) for p, n in provinces.items()]
    return out


def write(out_dir: Path, tables: dict[str, pl.DataFrame], seed: int) -> Path:
    """The sample's 目标任务表 under target/ (UTF-8 with BOM, as Excel saves CSV)."""
    frame = pl.DataFrame(rows(tables, seed), schema=list(HEADERS), orient="row")
    return write_csv(Path(out_dir) / FILE, frame, "utf-8-sig")
