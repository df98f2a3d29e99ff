"""Interest-free loans, training and placements of the sample.

Hailar's loan scheme starts 1997-03; up to 2012 it has supported exactly 48 laid-off workers
whose loans drove 200+ person-times of (re-)employment. Xilin trains 1,000+ frontline
workers a year from 2011 (its target).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample.design import FIRST_YEAR, HAILAR, LAST_YEAR, XILIN, CountyParams
from sample.people import People, stack
from sample.regions import COUNTIES
from sample.register import active_mask, exit_days, files_for

HAILAR_LOAN_PERSONS_2012 = 48
HAILAR_REPEAT_LOANS_2012 = 7
HAILAR_JOBS_2012 = (200, 299)
END = np.datetime64(f"{LAST_YEAR}-12-31")
REPAID_ON_TIME, REPAID_LATE = 0.64, 0.26  # the other 10% never repay
LATE_DAYS = (30, 1000)  # a late payer settles 30 days to ~3 years after the due date
HARDSHIP_COURSES = ["computer", "driving", "electrician", "domestic_service"]


def _day(rng, lo: str | np.datetime64, hi: str | np.datetime64, n: int) -> np.ndarray:
    lo, hi = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    return lo + rng.integers(0, (hi - lo).astype(int) + 1, n).astype("timedelta64[D]")


def hailar_loan_files(rng, people: People) -> tuple[pl.DataFrame, np.ndarray]:
    """The 48 laid-off workers of 1997–2012, on file before their first loan (1997-03 on)."""
    first = np.sort(_day(rng, "1997-03-03", "2012-10-31", HAILAR_LOAN_PERSONS_2012))
    first[0] = np.datetime64("1997-03-18")  # the scheme's first loan
    registered = first - rng.integers(30, 400, len(first)).astype("timedelta64[D]")
    files = files_for(rng, people, HAILAR, registered, np.full(len(first), "laid_off"))
    # Files stay open at least five years after the first loan, past any second loan.
    earliest = first + np.timedelta64(5 * 365, "D")
    exited = files["exited_on"].to_numpy()
    exited = np.where(np.isnat(exited) | (exited >= earliest), exited,
                      earliest + rng.integers(0, 2000, len(first)).astype("timedelta64[D]"))
    exited = np.where(exited > END, np.datetime64("NaT"), exited).astype("datetime64[D]")
    return files.with_columns(exited_on=pl.Series(exited)), first


def _loan_rows(rng, county: str, pid, station, issued: np.ndarray) -> pl.DataFrame:
    n = len(issued)
    year = issued.astype("datetime64[Y]").astype(int) + 1970
    amount = rng.choice([2000, 3000, 5000, 8000, 10000], n) * np.where(year >= 2010, 2, 1)
    months = np.where(year >= 2023, 12, rng.choice([12, 24], n))  # one-year terms from 2023
    due = (issued.astype("datetime64[M]") + months).astype("datetime64[D]") + (
        issued - issued.astype("datetime64[M]").astype("datetime64[D]"))
    fate = rng.random(n)
    early = issued + (rng.uniform(0.5, 1.0, n) * (due - issued).astype(int)) \
        .astype("timedelta64[D]")
    # Late payers settle up to ~3 years after the due date (half within ~9 months), so loans
    # due in the data's last years are partly still outstanding at its end.
    # (the draw an earlier version used, rescaled to [0, 1): later draws stay unchanged)
    lag = (rng.integers(20, 180, n) - 20) / 160
    late = due + (LATE_DAYS[0] + LATE_DAYS[1] * lag ** 2).astype("timedelta64[D]")
    repaid = np.where(fate < REPAID_ON_TIME, early, late)
    repaid = np.where((fate >= REPAID_ON_TIME + REPAID_LATE) | (repaid > END),
                      np.datetime64("NaT"), repaid)
    return pl.DataFrame({"pid": np.asarray(pid, np.int64), "county": np.full(n, county),
                         "station": np.asarray(station, str), "issued_on": issued,
                         "amount_yuan": amount, "due_on": due,
                         "repaid_on": repaid.astype("datetime64[D]"),
                         "jobs_created": rng.integers(2, 7, n)})


def loans(rng, files: pl.DataFrame, loan_files: pl.DataFrame, first: np.ndarray,
          scale: int) -> pl.DataFrame:
    """Hailar's 48 + later borrowers, and a few loans a year in every county from 2006."""
    repeat = rng.choice(len(first), HAILAR_REPEAT_LOANS_2012, replace=False)
    second = np.minimum(first[repeat] + rng.integers(400, 1500, len(repeat))
                        .astype("timedelta64[D]"), np.datetime64("2012-12-20"))
    idx = np.concatenate([np.arange(len(first)), repeat])
    early = _loan_rows(rng, HAILAR, loan_files["pid"].to_numpy()[idx],
                       loan_files["station"].to_numpy()[idx], np.concatenate([first, second]))
    jobs = early["jobs_created"].to_numpy().copy()
    while not 230 <= jobs.sum() <= 260:  # "200多人次"
        j = int(rng.integers(len(jobs)))
        jobs[j] = max(1, jobs[j] + (1 if jobs.sum() < 230 else -1))
    parts = [early.with_columns(jobs_created=pl.Series(jobs))]
    for county in COUNTIES:
        f = files.filter(pl.col("county") == county)
        laid_off = f["category"].to_numpy() == "laid_off"
        reg, ex = f["registered_on"].to_numpy(), exit_days(f)
        start = 2013 if county == HAILAR else FIRST_YEAR + 1
        for year in range(start, LAST_YEAR + 1):
            n = int(rng.poisson(4 if county == HAILAR else 1.5) * scale)
            issued = _day(rng, f"{year}-01-01", f"{year}-12-31", n)
            ok = [np.flatnonzero(active_mask(reg, ex, d, d) & laid_off) for d in issued]
            pick = [int(rng.choice(o)) for o in ok if len(o)]
            issued = np.array([d for d, o in zip(issued, ok, strict=True) if len(o)],
                              dtype="datetime64[D]")
            if len(pick):
                parts.append(_loan_rows(rng, county, f["pid"].to_numpy()[pick],
                                        f["station"].to_numpy()[pick], issued))
    out = pl.concat(parts).unique(["pid", "issued_on"], keep="first", maintain_order=True)
    return out.with_row_index("seq").with_columns(
        loan_no=pl.format("JK{}-{}-{}", "county", pl.col("issued_on").dt.year(),
                          pl.col("seq").cast(pl.String).str.zfill(5))).drop("seq")


def training(rng, people: People, files: pl.DataFrame, params: dict[str, CountyParams],
             scale: int) -> pl.DataFrame:
    parts = []
    for county in COUNTIES:
        f = files.filter(pl.col("category").is_in(["laid_off", "migrant_worker", "low_income"])
                         & (pl.col("county") == county))
        reg, ex, pid = f["registered_on"].to_numpy(), exit_days(f), f["pid"].to_numpy()
        pool_size = (3000 if county == XILIN else int(500 * params[county].size)) * scale
        workers = people.new(county, pool_size, 1965, 1995)["pid"]
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            ys, ye = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
            idx = np.flatnonzero(active_mask(reg, ex, ys, ys))
            n = min(len(idx), int(rng.poisson(25 * params[county].size * scale)))
            chosen = rng.choice(idx, n, replace=False)
            parts.append(_courses(rng, county, pid[chosen], rng.choice(HARDSHIP_COURSES, n),
                                  rng.choice(["employment_bureau", "union_school", "enterprise"],
                                             n, p=[.7, .2, .1]), _day(rng, ys, ye - 60, n)))
            if county == XILIN and year >= 2011:
                k = int(rng.integers(1010, 1100)) * scale
            else:
                k = int(rng.poisson(40 * params[county].size * scale)) if year >= 2008 else 0
            trainees = rng.choice(workers, k, replace=False)
            parts.append(_courses(rng, county, trainees, np.full(k, "frontline_skills"),
                                  rng.choice(["enterprise", "employment_bureau"], k, p=[.8, .2]),
                                  _day(rng, ys, ye - 30, k), frontline=True))
    return stack(parts, strings=())


def pending_placement(training_: pl.DataFrame) -> pl.DataFrame:
    """Placement within six months is unknown (null) while the six months after the course's
    end have not passed by the data's end; a station leaves that cell empty."""
    open_ = pl.col("end_on").dt.offset_by("6mo") > date(LAST_YEAR, 12, 31)
    return training_.with_columns(
        placed_within_6m=pl.when(open_).then(None).otherwise(pl.col("placed_within_6m")))


def _courses(rng, county, pid, course, provider, start, frontline: bool = False) -> dict:
    n = len(pid)
    end = start + rng.integers(7 if frontline else 15, 30 if frontline else 60, n) \
        .astype("timedelta64[D]")
    completed = rng.random(n) < (0.95 if frontline else 0.88)
    # frontline trainees already hold jobs: placement does not apply (null)
    placed = np.full(n, None, dtype=object) if frontline else \
        (completed & (rng.random(n) < 0.55)).astype(object)
    return {"pid": np.asarray(pid, np.int64), "county": np.full(n, county),
            "course": np.asarray(course, str), "provider": np.asarray(provider, str),
            "start_on": start, "end_on": end, "completed": completed, "placed_within_6m": placed}


def placements(rng, training_: pl.DataFrame, loans_: pl.DataFrame) -> pl.DataFrame:
    """Placements after training (within six months) and self-employment after a loan."""
    t = training_.filter(pl.col("placed_within_6m").fill_null(False))
    after = rng.integers(5, 180, len(t)).astype("timedelta64[D]")
    trained = pl.DataFrame({
        "pid": t["pid"], "county": t["county"], "placed_on": t["end_on"].to_numpy() + after,
        "channel": rng.choice(["job_introduction", "enterprise_hire", "public_post"], len(t),
                              p=[.5, .35, .15])})
    first = loans_.sort("issued_on").unique("pid", keep="first", maintain_order=True)
    loaned = pl.DataFrame({
        "pid": first["pid"], "county": first["county"],
        "placed_on": first["issued_on"].to_numpy()
        + rng.integers(10, 60, len(first)).astype("timedelta64[D]"),
        "channel": "self_employment"})
    out = pl.concat([trained, loaned]).filter(pl.col("placed_on") <= date(LAST_YEAR, 12, 31))
    return out.unique(["pid", "placed_on"], keep="first", maintain_order=True)
