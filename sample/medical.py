"""Hailar's medical cards and benefits: pharmacy discount cards since 2006-03, the partner
hospital since 2008-07 (documents: 730 holders, 6.8万元 saved; reductions of 2,294 yuan
registration, 3,329 yuan exams, 15,724 yuan inpatient up to the end of 2012).

The monthly number of benefits is a gamma-Poisson count with trend and seasonality that rises
by RR_HOSPITAL when the hospital opens: each later benefit is a hospital one with probability
(RR - 1) / RR, so pharmacy use carries on as before. Amounts up to 2012 are then fitted, row
by row to the cent, so the documents' totals come out exactly.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample.design import HAILAR, HOSPITAL_START, MONTHS, NB_SHAPE, PHARMACY_START, RR_HOSPITAL
from sample.register import active_mask, exit_days

BASE_PER_MONTH = 90.0     # benefits in 2006-03
GROWTH = 0.02             # per year
SEASON = [1.15, 1.1, 1.0, 1.0, 0.95, 0.9, 0.9, 0.9, 0.95, 1.0, 1.05, 1.1]
HOSPITAL_KINDS = {"outpatient_registration": 0.90, "exam": 0.05, "inpatient": 0.05}
TARGET_CENTS = {"outpatient_registration": 229_400, "exam": 332_900, "inpatient": 1_572_400}
PHARMACY_YUAN = 68_000          # documents: 6.8万元, i.e. 67,500–68,499
PHARMACY_HOLDERS_2012 = 730
END_2012 = np.datetime64("2012-12-31")


def discount_cents(kind: str, gross: np.ndarray) -> np.ndarray:
    """The partner hospital's rules, rounded half up to the cent."""
    if kind == "outpatient_registration":
        return gross.copy()                              # registration fee waived
    if kind == "exam":
        return np.where(gross > 10_000, (15 * gross + 50) // 100, 0)  # over 100 yuan: 15 %
    above = np.maximum(gross - 1_000_000, 0)            # inpatient: 10 % up to 10,000 yuan,
    below = np.minimum(gross, 1_000_000)                 # 15 % of the part above
    return (10 * below + 15 * above + 50) // 100


def _is_tie(kind: str, gross: np.ndarray) -> np.ndarray:
    """Half-cent results, where half-up and half-even rounding would disagree."""
    if kind == "exam":
        return (15 * gross) % 100 == 50
    if kind == "inpatient":
        return (10 * np.minimum(gross, 1_000_000) + 15 * np.maximum(gross - 1_000_000, 0)) \
            % 100 == 50
    return np.zeros(len(gross), dtype=bool)


def _fit(kind: str, gross: np.ndarray, target: int, floor: int) -> np.ndarray:
    """Nudge gross amounts (cents) until the discounts add up to exactly `target` cents."""
    gross = np.round(gross * target / discount_cents(kind, gross).sum()).astype(np.int64)
    if kind == "outpatient_registration":  # fees in half-yuan steps
        gross = (gross + 25) // 50 * 50
    gross = np.where(_is_tie(kind, gross), gross + 1, gross)
    step = 50 if kind == "outpatient_registration" else 1
    i = 0
    while (diff := target - int(discount_cents(kind, gross).sum())) != 0:
        j = i % len(gross)
        i += 1
        deltas = np.arange(-60, 61) * step
        cand = gross[j] + deltas
        ok = (cand > floor) & ~_is_tie(kind, cand)
        change = discount_cents(kind, cand) - discount_cents(kind, gross[j:j + 1])
        score = np.where(ok, np.abs(diff - change), 10**12)
        gross[j] = cand[int(np.argmin(score))]
    return gross


def cards(rng, files: pl.DataFrame, scale: int) -> pl.DataFrame:
    """Pharmacy cards (730 holders by the end of 2012) and partner-hospital cards."""
    # The first cards are handed out on the launch day, so the first benefits have holders.
    plan = {"pharmacy": [("2006-03-01", "2006-03-01", 150), ("2006-03-01", "2006-12-31", 200),
                         ("2007-01-01", "2012-12-31", 380), ("2013-01-01", "2024-12-31", 360)],
            "hospital": [("2008-07-01", "2008-07-01", 150), ("2008-07-01", "2008-12-31", 150),
                         ("2009-01-01", "2012-12-31", 240), ("2013-01-01", "2024-12-31", 300)]}
    reg, ex, pid = files["registered_on"].to_numpy(), exit_days(files), files["pid"].to_numpy()
    parts = []
    for kind, periods in plan.items():
        taken = np.zeros(len(pid), dtype=bool)
        for first, last, n in periods:
            n = n * scale
            lo, hi = np.datetime64(first), np.datetime64(last)
            days = np.sort(lo + rng.integers(0, (hi - lo).astype(int) + 1, n)
                           .astype("timedelta64[D]"))
            chosen = np.empty(n, dtype=np.int64)
            for i, day in enumerate(days):
                idx = np.flatnonzero(active_mask(reg, ex, day, day) & ~taken)
                chosen[i] = rng.choice(idx)
                taken[chosen[i]] = True
            parts.append(pl.DataFrame({"pid": pid[chosen], "county": HAILAR, "kind": kind,
                                       "issued_on": days}))
    return pl.concat(parts)


def expected_benefits(month: np.datetime64, scale: int) -> float:
    years = (month - np.datetime64(PHARMACY_START, "M")).astype(int) / 12
    mu = BASE_PER_MONTH * scale * np.exp(GROWTH * years) * SEASON[int(str(month)[5:7]) - 1]
    return mu * (RR_HOSPITAL if month >= np.datetime64(HOSPITAL_START, "M") else 1.0)


def benefits(rng, cards_: pl.DataFrame, scale: int) -> pl.DataFrame:
    holders = {k: (g["pid"].to_numpy(), g["issued_on"].to_numpy())
               for (k,), g in cards_.group_by("kind", maintain_order=True)}
    share_hospital = (RR_HOSPITAL - 1) / RR_HOSPITAL
    rows: list[pl.DataFrame] = []
    for month in MONTHS[MONTHS >= np.datetime64(PHARMACY_START, "M")]:
        n = int(rng.poisson(expected_benefits(month, scale) * rng.gamma(NB_SHAPE, 1 / NB_SHAPE)))
        hospital = (month >= np.datetime64(HOSPITAL_START, "M")) & (rng.random(n) < share_hospital)
        kinds = np.where(hospital, rng.choice(list(HOSPITAL_KINDS), n,
                                              p=list(HOSPITAL_KINDS.values())), "pharmacy")
        start = month.astype("datetime64[D]")
        days = start + rng.integers(0, ((month + 1).astype("datetime64[D]") - start).astype(int),
                                    n).astype("timedelta64[D]")
        pids = np.empty(n, dtype=np.int64)
        for card, mask in (("pharmacy", kinds == "pharmacy"), ("hospital", kinds != "pharmacy")):
            pool, issued = holders[card]
            for i in np.flatnonzero(mask):
                pids[i] = rng.choice(pool[issued <= days[i]])
        rows.append(pl.DataFrame({"pid": pids, "benefit_on": days, "kind": kinds}))
    out = pl.concat(rows).unique(["pid", "benefit_on", "kind"], keep="first", maintain_order=True)
    return _amounts(rng, out.with_columns(county=pl.lit(HAILAR)))


def _amounts(rng, df: pl.DataFrame) -> pl.DataFrame:
    kind, day = df["kind"].to_numpy(), df["benefit_on"].to_numpy()
    n = len(df)
    gross, disc = np.zeros(n, np.int64), np.zeros(n, np.int64)
    early = day <= END_2012
    # pharmacy: 8 %–20 % off (rates kept inside 9 %–19 % so rounding cannot leave the band)
    m = kind == "pharmacy"
    g = np.round(rng.lognormal(np.log(6_000), 0.6, m.sum())).astype(np.int64) + 500
    rate = rng.uniform(0.09, 0.19, m.sum())
    e = early[m]
    g[e] = np.round(g[e] * PHARMACY_YUAN * 100 / (g[e] * rate[e]).sum())
    gross[m], disc[m] = g, np.round(g * rate)
    draws = {"outpatient_registration": lambda k: rng.choice([100, 150, 200, 300], k),
             "exam": lambda k: np.round(rng.uniform(12_000, 60_000, k)),
             "inpatient": lambda k: np.round(rng.lognormal(np.log(200_000), 0.6, k))}
    floors = {"outpatient_registration": 50, "exam": 10_000, "inpatient": 10_000}
    for k, draw in draws.items():
        m = kind == k
        g = draw(int(m.sum())).astype(np.int64)
        e = early[m]
        g[e] = _fit(k, g[e], TARGET_CENTS[k], floors[k])
        g[~e] = np.where(_is_tie(k, g[~e]), g[~e] + 1, g[~e])
        gross[m], disc[m] = g, discount_cents(k, g)
    return df.with_columns(gross_cents=pl.Series(gross), discount_cents=pl.Series(disc))
