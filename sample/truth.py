"""ground_truth.json: what the generator planted, for tests only (the app never reads it)."""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from sample import design as d
from sample import medical as med
from sample import relief as rel
from sample import rights as rights
from sample.interventions import reception_id

NB = f"gamma-Poisson (negative binomial): count ~ Poisson(mu * G), G ~ Gamma(shape={d.NB_SHAPE}, mean 1)"


def _year(col: str, upto: int = 2012) -> pl.Expr:
    return pl.col(col) <= date(upto, 12, 31)


def facts(t: dict[str, pl.DataFrame]) -> dict:
    r = t["relief"].filter((pl.col("county") == d.HAILAR) & (pl.col("relief_date").dt.year() == 2012)
                           & (pl.col("relief_type") == "festival_condolence"))
    loans = t["loan"].filter((pl.col("county") == d.HAILAR) & _year("issued_on"))
    cards = t["medical_card"].filter(_year("issued_on") & (pl.col("kind") == "pharmacy"))
    ben = t["medical_benefit"].filter(_year("benefit_on"))
    xilin = t["training"].filter((pl.col("county") == d.XILIN) & (pl.col("course") == "frontline_skills")
                                 & (pl.col("start_on").dt.year() == 2012))
    cov = t["union_coverage"].filter((pl.col("county") == d.XILIN) & (pl.col("year") == 2012)).row(0, named=True)
    bl = t["fund_allocation"].filter((pl.col("county") == d.BAIRIN_LEFT)
                                     & (pl.col("fund_source") == "local_matching") & (pl.col("year") <= 2012))
    return {
        "hailar_2012_festival": {
            "persons_by_group": dict(r.group_by("recipient_group").agg(pl.col("pid").n_unique()).iter_rows()),
            "persons": r["pid"].n_unique(), "amount_yuan": int(r["amount_yuan"].sum())},
        "hailar_loans_to_2012": {"persons": loans["pid"].n_unique(), "loans": len(loans),
                                 "jobs_created": int(loans["jobs_created"].sum()),
                                 "first_loan": str(t["loan"].filter(pl.col("county") == d.HAILAR)["issued_on"].min())},
        "hailar_pharmacy_to_2012": {
            "holders": cards["pid"].n_unique(), "first_issued": str(cards["issued_on"].min()),
            "discount_yuan": str(ben.filter(pl.col("kind") == "pharmacy")["discount_yuan"].sum()),
            "chain_pharmacies": 26, "drugs": 286},
        "hailar_hospital_to_2012": {k: str(ben.filter(pl.col("kind") == k)["discount_yuan"].sum())
                                    for k in med.HOSPITAL_KINDS},
        "bairin_left_local_matching_to_2012": [
            {"year": y, "allocated_yuan": a, "received_yuan": rc}
            for y, a, rc in bl.select("year", "allocated_yuan", "received_yuan").iter_rows()],
        "xilin_2012": {"frontline_trainees": xilin["pid"].n_unique(), "with_union": cov["with_union"],
                       "harmonious": cov["harmonious"], "excellent_unions": cov["excellent_unions"]},
    }


def effects(params) -> list[dict]:
    size = {c: p.size for c, p in params.items()}
    month_season = "season[month] multiplies mu; months 1..12"
    return [
        {"intervention_id": d.FINANCE_ID, "design": "did",
         "outcome": {"table": "relief", "filter": "relief_type IN ('living','medical','education')",
                     "aggregation": "count of rows per county and calendar month (a person gets at "
                                    "most one regular payment a month, so also distinct persons)",
                     "unit": "payments per county-month"},
         "treated_region_codes": list(d.INNER_MONGOLIA), "control_region_codes": list(d.GUANGXI),
         "start_on": str(d.FINANCE_START),
         "effect": {"scale": "multiplicative rate ratio on the monthly count", "value": d.RR_FINANCE,
                    "log_value": math.log(d.RR_FINANCE)},
         "counterfactual": {"noise": NB, "mu": "sum over the three types of base[type] * size[county] "
                            "* exp(growth * (year - 2005)) * season[type][month]",
                            "base": {k: rel.BASE_RATE[k] for k in d.FINANCE_TYPES},
                            "season": {k: rel.SEASON[k] for k in d.FINANCE_TYPES},
                            "growth": d.YEARLY_GROWTH, "size": size, "note": month_season},
         "caveats": "station 150423001 has no rows 2017-04..2017-07 (planted missing reports)"},
        {"intervention_id": [reception_id(c) for c in sorted(d.RECEPTION_START)],
         "design": "event_study",
         "outcome": {"table": "petitions", "filter": "skip_level = TRUE",
                     "aggregation": "count of rows per county and calendar month of received_on",
                     "unit": "skip-level petitions per county-month"},
         "treated_region_codes": sorted(d.RECEPTION_START), "never_treated_region_codes": list(d.NEVER_TREATED),
         "start_on": {c: str(s) for c, s in sorted(d.RECEPTION_START.items())},
         "effect": {"scale": "multiplicative rate ratio, constant over event time and cohorts",
                    "value": d.RR_NPC_SKIP, "log_value": math.log(d.RR_NPC_SKIP)},
         "counterfactual": {"noise": NB, "mu": "base * size[county] * exp(growth * (year - 2005)) * season[month]",
                            "base": rights.SKIP_BASE, "growth": rights.GROWTH, "season": rights.SEASON,
                            "size": size},
         "note": "petitions with skip_level = FALSE are unaffected (base 6.0, same trend and season)"},
        {"intervention_id": d.HOSPITAL_ID, "design": "its",
         "outcome": {"table": "medical_benefits", "filter": "county_code = '150702' (all kinds)",
                     "aggregation": "count of rows per calendar month of benefit_on, from 2006-03",
                     "unit": "benefits per month"},
         "treated_region_codes": [d.HAILAR], "start_on": str(d.HOSPITAL_START),
         "effect": {"scale": "multiplicative level change (rate ratio), no slope change",
                    "value": d.RR_HOSPITAL, "log_value": math.log(d.RR_HOSPITAL)},
         "counterfactual": {"noise": NB, "mu": "base * exp(growth * months since 2006-03 / 12) * season[month]",
                            "base": med.BASE_PER_MONTH, "growth": med.GROWTH, "season": med.SEASON},
         "note": "after 2008-07 each benefit is a hospital one with probability (RR-1)/RR; "
                 "pharmacy benefits alone carry no effect"},
        {"intervention_id": d.TAX_ID, "design": "its", "null": True,
         "outcome": {"table": "relief", "filter": "relief_type = 'temporary'",
                     "aggregation": "count of rows per calendar month, all 32 counties summed "
                                    "(or per county)", "unit": "temporary-relief payments per month"},
         "treated_region_codes": ["000000"], "start_on": str(d.TAX_START),
         "effect": {"scale": "multiplicative rate ratio", "value": 1.0, "log_value": 0.0},
         "counterfactual": {"noise": NB, "mu": "base * size[county] * exp(growth * (year - 2005)) * season[month]",
                            "base": rel.BASE_RATE["temporary"], "growth": d.YEARLY_GROWTH,
                            "season": rel.SEASON["temporary"], "size": size},
         "note": "temporary relief has no break anywhere (not even at 2010-07)"},
        {"intervention_id": [f"NPC-PRO-{c}" for c in sorted(d.RECEPTION_START)], "design": "did",
         "outcome": {"table": "npc_activities", "filter": "kind = 'proposal'",
                     "aggregation": "sum(completed) / sum(count) per county and year",
                     "unit": "share of proposals completed"},
         "treated_region_codes": sorted(d.RECEPTION_START),
         "never_treated_region_codes": list(d.NEVER_TREATED),
         "start_on": {c: str(d.proposal_start(c)) for c in sorted(d.RECEPTION_START)},
         "effect": {"scale": "additive change in the completion probability",
                    "value": round(d.PROPOSAL_P_AFTER - d.PROPOSAL_P_BEFORE, 4)},
         "counterfactual": {"noise": "completed ~ Binomial(count, p)", "p": d.PROPOSAL_P_BEFORE}},
    ]


def ground_truth(tables, persons: int, planted, written, params, seed: int, scale: int) -> dict:
    """The sample's ground truth; `persons`: how many people it made."""
    return {
        "generator": "sample", "seed": seed, "scale": scale,
        "note": "示例数据 sample data: synthetic, not official statistics",
        "festival_visits": {"rule": f"visits fall in the {d.FESTIVAL_WINDOW_DAYS} days before the "
                                    "Spring Festival; Hailar's only from 1 January of the festival's year",
                            "spring_festival": {y: str(d.spring_festival(y))
                                                for y in range(d.FIRST_YEAR, d.LAST_YEAR + 2)}},
        "facts": facts(tables) if scale == 1 else None,
        "effects": effects(params),
        "planted_problems": planted,
        "bad_rows": written.bad_rows,
        "files": written.files,
        "canonical_rows": {k: len(v) for k, v in tables.items()},
        "persons": persons,
    }
