"""Realistic data problems planted in the sample, for the data-quality page to find.

They are valid rows (the loader accepts them) that a reviewer would question: the same person
visited twice in one festival campaign, relief after a file was closed, amounts far outside
the norm, a station whose monthly reports are missing, special funds paying outside their
scope. None touches the documents' facts. `planted` lists them for ground_truth.json.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample.design import festival_window
from sample.people import lookup
from sample.register import station_codes

DUPLICATE = ("150402", 2016, 6)           # county, festival season, persons
AFTER_EXIT = ("150404", 5)                # county, persons
OUTLIERS = ("150782", 3)                  # county, rows
MISSING = ("150423001", date(2017, 4, 1), date(2017, 7, 31))
OUT_OF_SCOPE = ("150404", 2014)           # county, season: central funds pay model workers


def plant(rng, relief: pl.DataFrame, files: pl.DataFrame,
          people: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    # every person's ID by pid as a Series (sample.people.lookup), not as a dict: two Python
    # objects per person (~8M people at --scale 100) while the planting ran
    ids = lookup(people)["id_number"]
    notes: list[dict] = []
    relief = _duplicates(rng, relief, ids, notes)
    relief = _after_exit(rng, relief, files, ids, notes)
    relief = _outliers(rng, relief, ids, notes)
    relief = _missing(relief, notes)
    relief = _out_of_scope(relief, ids, notes)
    return relief, notes


def _season(relief: pl.DataFrame, county: str, year: int) -> pl.Expr:
    start, end = festival_window(year, county)
    return ((pl.col("county") == county) & (pl.col("relief_type") == "festival_condolence")
            & pl.col("relief_date").is_between(start, end))


def _duplicates(rng, relief, ids, notes) -> pl.DataFrame:
    county, year, n = DUPLICATE
    rows = relief.filter(_season(relief, county, year)
                         & (pl.col("recipient_group") == "hardship_worker")).sample(
        n, seed=int(rng.integers(2**31)))
    codes = station_codes(county)
    other = [str(codes[(list(codes).index(s) + 1) % len(codes)]) for s in rows["station"]]
    start, end = festival_window(year, county)
    days = np.datetime64(start) + rng.integers(0, (end - start).days + 1, n) \
        .astype("timedelta64[D]")
    dup = rows.with_columns(station=pl.Series(other), relief_date=pl.Series(days))
    notes.append({"problem": "duplicate_festival_relief", "county_code": county,
                  "season": year, "id_numbers": [ids[p] for p in rows["pid"]],
                  "stations": sorted(set(rows["station"]) | set(other)),
                  "description": "同一人在同一“两节”慰问季被同一旗县区的两个帮扶站各慰问一次"})
    return pl.concat([relief, dup.cast(relief.schema)])


def _after_exit(rng, relief, files, ids, notes) -> pl.DataFrame:
    county, n = AFTER_EXIT
    closed = files.filter((pl.col("county") == county)
                          & pl.col("exited_on").is_between(date(2013, 3, 1), date(2019, 12, 31)))
    rows = closed.sample(n, seed=int(rng.integers(2**31)))
    days = []
    for exited in rows["exited_on"]:
        start, end = festival_window(exited.year + 1, county)
        days.append(start + (end - start) * int(rng.integers(1, 10)) / 10)
    extra = pl.DataFrame({
        "pid": rows["pid"], "county": county, "station": rows["station"],
        "relief_date": pl.Series(days, dtype=pl.Date), "relief_type": "festival_condolence",
        "recipient_group": "hardship_worker", "fund_source": "union_own",
        "amount_yuan": np.full(n, 800, dtype=np.int64), "category": rows["category"]})
    notes.append({"problem": "relief_after_exit", "county_code": county,
                  "id_numbers": [ids[p] for p in rows["pid"]],
                  "exited_on": [str(d) for d in rows["exited_on"]],
                  "relief_dates": [str(d) for d in days],
                  "description": "脱困退出档案后仍发放两节慰问金"})
    return pl.concat([relief, extra.select(relief.columns).cast(relief.schema)])


def _outliers(rng, relief, ids, notes) -> pl.DataFrame:
    county, n = OUTLIERS
    relief = relief.with_row_index("_i")
    pick = relief.filter((pl.col("county") == county) & (pl.col("relief_type") == "temporary")
                         & (pl.col("relief_date").dt.year().is_between(2018, 2020))).sample(
        n, seed=int(rng.integers(2**31)))
    relief = relief.with_columns(amount_yuan=pl.when(pl.col("_i").is_in(pick["_i"].implode()))
                                 .then(pl.col("amount_yuan") * 20)
                                 .otherwise(pl.col("amount_yuan")))
    notes.append({"problem": "amount_outlier", "county_code": county,
                  "id_numbers": [ids[p] for p in pick["pid"]],
                  "relief_dates": [str(d) for d in pick["relief_date"]],
                  "amounts_yuan": [a * 20 for a in pick["amount_yuan"]],
                  "description": "临时救助金额多录一个0（约为正常标准的20倍）"})
    return relief.drop("_i")


def _missing(relief, notes) -> pl.DataFrame:
    station, start, end = MISSING
    gone = (pl.col("station") == station) & pl.col("relief_date").is_between(start, end)
    notes.append({"problem": "missing_monthly_reports", "station_code": station,
                  "months": ["2017-04", "2017-05", "2017-06", "2017-07"],
                  "rows_removed": relief.filter(gone).height,
                  "description": "该帮扶站2017年4—7月未报送救助花名册"})
    return relief.filter(~gone)


def _out_of_scope(relief, ids, notes) -> pl.DataFrame:
    county, year = OUT_OF_SCOPE
    hit = _season(relief, county, year) & (pl.col("recipient_group") == "model_worker")
    notes.append({"problem": "fund_outside_scope", "county_code": county, "season": year,
                  "fund_source": "central_special", "recipient_group": "model_worker",
                  "id_numbers": [ids[p] for p in relief.filter(hit)["pid"]],
                  "description": "中央财政专项资金用于劳模慰问，超出专项资金使用范围"})
    return relief.with_columns(fund_source=pl.when(hit).then(pl.lit("central_special"))
                               .otherwise(pl.col("fund_source")))
