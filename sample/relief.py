"""Relief payments of the sample: two-festival visits each season, regular relief each month.

Regular relief (temporary, living, medical, education) per county and month is a
gamma-Poisson count around a log-linear trend with seasonality; in Inner Mongolia the living,
medical and education counts rise by RR_FINANCE from 2010-07 (内政发[2010]30号). Temporary
relief has no break at all: it is the outcome of the planted null (income tax, 2011-09).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample.design import (
    BAIRIN_LEFT,
    FINANCE_START,
    FINANCE_TYPES,
    FIRST_YEAR,
    HAILAR,
    INNER_MONGOLIA,
    LAST_YEAR,
    MONTHS,
    NB_SHAPE,
    RR_FINANCE,
    YEARLY_GROWTH,
    CountyParams,
    festival_window,
)
from sample.people import People, stack
from sample.register import CATEGORIES, active_mask, exit_days, pick_stations

SOURCES = np.array(["central_special", "provincial_special", "local_matching", "union_own",
                    "donation"])
# Expected count per month of a typical county in 2005, and the seasonal profile by month.
BASE_RATE = {"temporary": 4.0, "living": 6.0, "medical": 3.0, "education": 15.0}
SEASON = {
    "temporary": [1.3, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2, 1.3],
    "living": [1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.1, 1.2],
    "medical": [1.2, 1.1, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.1],
    "education": [0, 0, 0, 0, 0, 0, 0, 0.8, 1.2, 0, 0, 0],  # 金秋助学: August–September
}
AMOUNTS = {
    "temporary": [500, 800, 1000, 1500, 2000, 3000],
    "living": [200, 300, 400, 500, 600],
    "medical": [1000, 1500, 2000, 3000, 5000],
    "education": [1000, 1500, 2000, 3000],
}
SOURCE_P = {
    "festival": [0.30, 0.20, 0.10, 0.25, 0.15],
    "temporary": [0.25, 0.15, 0.05, 0.45, 0.10],
    "regular": [0.40, 0.30, 0.15, 0.10, 0.05],
}
MODEL_WORKERS_PER_COUNTY = 8
HAILAR_2012 = {"hardship_worker": 803, "model_worker": 2, "temporary_relief": 81}
HAILAR_2012_YUAN = (610_000, 619_999)


def nb_count(rng: np.random.Generator, mu: float) -> int:
    return int(rng.poisson(mu * rng.gamma(NB_SHAPE, 1 / NB_SHAPE)))


def expected_regular(kind: str, county: str, size: float, month: np.datetime64) -> float:
    """Mean monthly count of one regular relief type (the counterfactual times the effect)."""
    year, m = int(str(month)[:4]), int(str(month)[5:7])
    mu = BASE_RATE[kind] * size * np.exp(YEARLY_GROWTH * (year - FIRST_YEAR)) * SEASON[kind][m - 1]
    treated = county in INNER_MONGOLIA and month >= np.datetime64(FINANCE_START, "M")
    return mu * (RR_FINANCE if treated and kind in FINANCE_TYPES else 1.0)


def _frame(pid, county, station, day, rtype, group, source, amount, category) -> dict:
    n = len(pid)
    return {
        "pid": np.asarray(pid, dtype=np.int64), "county": np.full(n, county),
        "station": np.asarray(station, dtype=str), "relief_date": np.asarray(day, "datetime64[D]"),
        "relief_type": np.full(n, rtype), "recipient_group": np.full(n, group),
        "fund_source": np.asarray(source, dtype=str), "amount_yuan": np.asarray(amount, np.int64),
        "category": np.asarray(category, dtype=object)}


def _sources(rng, county: str, kind: str, n: int, day: np.ndarray) -> np.ndarray:
    src = rng.choice(SOURCES, n, p=SOURCE_P[kind])
    if county == BAIRIN_LEFT:  # local matching funds promised but not arrived up to 2012
        src = np.where((src == "local_matching") & (day < np.datetime64("2013-01-01")),
                       "central_special", src)
    return src


def _days(rng, start: np.datetime64, end: np.datetime64, n: int) -> np.ndarray:
    span = (end - start).astype(int) + 1
    return start + rng.integers(0, span, n).astype("timedelta64[D]")


def model_workers(rng: np.random.Generator, people: People, county: str) -> dict:
    p = people.new(county, MODEL_WORKERS_PER_COUNTY, 1945, 1970)
    return {"pid": p["pid"], "station": pick_stations(rng, county, len(p["pid"]))}


def festival_season(rng, people: People, county: str, files: pl.DataFrame, models: dict,
                    params: CountyParams, year: int) -> list[dict]:
    """One county's two-festival visits of one season."""
    start, end = (np.datetime64(d) for d in festival_window(year, county))
    reg, ex = files["registered_on"].to_numpy(), files["_exit"].to_numpy()
    idx = np.flatnonzero(active_mask(reg, ex, start, end))
    n = min(len(idx), int(round(len(idx) * params.coverage * rng.uniform(0.9, 1.0))))
    chosen = rng.choice(idx, n, replace=False)
    base = 300 + 25 * (year - FIRST_YEAR)
    amount = (base + rng.choice([0, 100, 200, 300, 500], n)) // 50 * 50
    days = _days(rng, start, end, n)
    hw = _frame(files["pid"].to_numpy()[chosen], county, files["station"].to_numpy()[chosen],
                days, "festival_condolence", "hardship_worker",
                _sources(rng, county, "festival", n, days),
                np.minimum(amount, 1500), files["category"].to_numpy()[chosen])
    k = int(rng.integers(2, 5))
    mw = rng.choice(len(models["pid"]), k, replace=False)
    mw_rows = _frame(models["pid"][mw], county, models["station"][mw], _days(rng, start, end, k),
                     "festival_condolence", "model_worker", ["union_own"] * k,
                     [1000 + 100 * (year - FIRST_YEAR) // 2] * k, [None] * k)
    t = max(1, int(round(n * rng.uniform(0.05, 0.1))))
    tp = people.new(county, t, 1950, 1990)
    tr = _frame(tp["pid"], county, pick_stations(rng, county, t), _days(rng, start, end, t),
                "festival_condolence", "temporary_relief",
                rng.choice(["union_own", "donation"], t), rng.choice([300, 400, 500, 600], t),
                rng.choice(CATEGORIES, t))
    out = [hw, mw_rows, tr]
    if county == HAILAR:  # Hailar's two-festival money is all donations (documents)
        for part in out:
            part["fund_source"] = np.full(len(part["pid"]), "donation")
    return out


def regular_relief(rng, county: str, files: pl.DataFrame, params: CountyParams,
                   scale: int) -> list[dict]:
    """One county's temporary, living, medical and education relief, month by month."""
    reg, ex = files["registered_on"].to_numpy(), exit_days(files)
    pid, station = files["pid"].to_numpy(), files["station"].to_numpy()
    category = files["category"].to_numpy()
    parts = []
    for month in MONTHS:
        start = month.astype("datetime64[D]")
        end = (month + 1).astype("datetime64[D]") - 1
        counts = [nb_count(rng, expected_regular(k, county, params.size * scale, month))
                  for k in BASE_RATE]
        kinds_arr = rng.permutation(np.repeat(list(BASE_RATE), counts))
        idx = np.flatnonzero(active_mask(reg, ex, start, end))
        n = min(len(kinds_arr), len(idx))
        if n == 0:
            continue
        chosen = rng.choice(idx, n, replace=False)  # one regular payment per person a month
        kinds_arr = kinds_arr[:n]
        amount = np.zeros(n, dtype=np.int64)
        for k, options in AMOUNTS.items():
            mask = kinds_arr == k
            amount[mask] = rng.choice(options, int(mask.sum()))
        days = _days(rng, start, end, n)
        src = np.where(kinds_arr == "temporary", _sources(rng, county, "temporary", n, days),
                       _sources(rng, county, "regular", n, days))
        parts.append({
            "pid": pid[chosen], "county": np.full(n, county), "station": station[chosen],
            "relief_date": days, "relief_type": kinds_arr,
            "recipient_group": np.full(n, "hardship_worker"),
            "fund_source": src, "amount_yuan": amount.astype(np.int64),
            "category": category[chosen].astype(object)})
    return parts


def hailar_2012_season(rng, people: People, files: pl.DataFrame, models: dict) -> list[dict]:
    """The documents' 2012 roster: 803 hardship workers, 2 model workers, 81 temporary cases,
    61万余元, all in January 2012 (元旦 visits 3–6 Jan, 春节 visits 9–20 Jan)."""
    reg, ex = files["registered_on"].to_numpy(), exit_days(files)
    start, end = np.datetime64("2012-01-01"), np.datetime64("2012-01-22")
    idx = np.flatnonzero(active_mask(reg, ex, start, end))
    chosen = np.sort(rng.choice(idx, HAILAR_2012["hardship_worker"], replace=False))
    hw_amount = rng.choice([500, 600, 700, 800, 1000], len(chosen), p=[.1, .2, .3, .3, .1])
    tp = people.new(HAILAR, HAILAR_2012["temporary_relief"], 1950, 1990)
    mw = {k: v[:HAILAR_2012["model_worker"]] for k, v in models.items()}
    parts = [
        _frame(files["pid"].to_numpy()[chosen], HAILAR, files["station"].to_numpy()[chosen],
               [None] * len(chosen), "festival_condolence", "hardship_worker",
               ["donation"] * len(chosen), hw_amount, files["category"].to_numpy()[chosen]),
        _frame(mw["pid"], HAILAR, mw["station"], [None] * len(mw["pid"]), "festival_condolence",
               "model_worker", ["donation"] * len(mw["pid"]), [1500] * len(mw["pid"]), [None] * len(mw["pid"])),
        _frame(tp["pid"], HAILAR, pick_stations(rng, HAILAR, len(tp["pid"])), [None] * len(tp["pid"]),
               "festival_condolence", "temporary_relief", ["donation"] * len(tp["pid"]),
               rng.choice([300, 400, 500], len(tp["pid"])), rng.choice(CATEGORIES, len(tp["pid"]))),
    ]
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(out["pid"])
    out["amount_yuan"] = _fit_total(out["amount_yuan"].copy(), *HAILAR_2012_YUAN)
    new_year = rng.random(n) < 0.3
    out["relief_date"] = np.where(
        new_year, _days(rng, np.datetime64("2012-01-03"), np.datetime64("2012-01-06"), n),
        _days(rng, np.datetime64("2012-01-09"), np.datetime64("2012-01-20"), n))
    return [out]


def _fit_total(amounts: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Move amounts by 100 yuan, row by row, until the total lies well inside [lo, hi]."""
    target_lo, target_hi = lo + (hi - lo) * 2 // 5, hi - (hi - lo) * 2 // 5
    i = 0
    while not target_lo <= amounts.sum() <= target_hi:
        j = i % len(amounts)
        if amounts.sum() < target_lo and amounts[j] < 1000:
            amounts[j] += 100
        elif amounts.sum() > target_hi and amounts[j] > 300:
            amounts[j] -= 100
        i += 1
    return amounts


def county_relief(rng, people: People, county: str, files: pl.DataFrame, params: CountyParams,
                  scale: int) -> pl.DataFrame:
    models = model_workers(rng, people, county)
    files = files.with_columns(_exit=pl.Series(exit_days(files)))
    parts: list[dict] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if county == HAILAR and year == 2012:
            parts += hailar_2012_season(rng, people, files, models)
        else:
            parts += festival_season(rng, people, county, files, models, params, year)
    parts += regular_relief(rng, county, files, params, scale)
    return stack(parts, strings=("category",))


def cap_yearly(relief: pl.DataFrame, caps: dict[str, int]) -> pl.DataFrame:
    """Keep a person's yearly sum per regular relief type under the relief standard."""
    year = pl.col("relief_date").dt.year()
    total = pl.col("amount_yuan").sum().over("pid", year, "relief_type")
    count = pl.len().over("pid", year, "relief_type")
    cap = pl.col("relief_type").replace_strict(caps, default=None, return_dtype=pl.Int64)
    limit = (cap // count // 100 * 100)
    return relief.with_columns(
        amount_yuan=pl.when(cap.is_not_null() & (total > cap))
        .then(pl.min_horizontal("amount_yuan", limit)).otherwise("amount_yuan"))

