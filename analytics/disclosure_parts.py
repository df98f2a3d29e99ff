"""What a published rate, average or amount is made of, so that disclosure control publishes
it from the same perturbed counts as the counts' own tables (analytics/privacy.py).

Published exactly beside counts published with noise, a rate or an amount gives the counts
back: coverage × the published number on file, tried within ±3, leaves one whole number of
persons relieved; an amount divided by the average per person is the number of persons. So,
outside the staff role, in the tables of the pages' charts:

- a count inside a rate (persons, enrolments, petitions, loans) is perturbed as it is in its
  own indicator's table (the same cell key: the count's indicator code, or its definition
  where it has none), and the rate is computed from the published counts;
- a sum about persons (money, jobs) is scaled by the published/true ratio of the count it is
  paid to (`indicators.COUNT_OF`) wherever it is published, so an average stays true and an
  amount carries its count's noise;
- anything else (allocations, enterprises, NPC activity tallies, medians) is published as
  computed.

A table handed to `privacy.protect` carries each part as a column named `PART` + the part's
name; `trend_parts` and `breakdown_parts` give them for a chart's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analytics import access, queries
from analytics.filters import Filters
from analytics.indicators import CATALOGUE, COUNT_OF, INDICATORS, Measure
from analytics.scan import kpi_buckets, period_buckets

PART = "\x1f"  # a part's column name begins with it: never an indicator code or a label

# A count's name is its indicator's code, so that its cell key is the one its own table uses.
_CODES = {i.numerator: i.code for i in CATALOGUE if i.denominator is None}


@dataclass(frozen=True)
class Term:
    """One side of an indicator: `how` it is published ("count": perturbed; "scaled": by the
    ratio of the count `per`; "exact": as computed) and the part column it is read from."""

    name: str
    how: str
    per: str | None = None


def _name(m: Measure) -> str:
    return _CODES.get(m) or f"{m.table}|{m.kind}|{m.expr}" + (f"|{m.where}" if m.where else "")


def _term(m: Measure) -> Term:
    if m.expr.startswith("COUNT("):
        return Term(_name(m), "count")
    per = COUNT_OF.get(m)
    return Term(_name(m), "scaled", _name(per)) if per is not None else Term(_name(m), "exact")


def recipe(code: str) -> tuple[Term, Term | None] | None:
    """(numerator, denominator) of an indicator that holds a count or a sum paid to one; None
    for an unknown code and for an indicator published as computed."""
    ind = INDICATORS.get(code)
    if ind is None:
        return None
    num = _term(ind.numerator)
    den = _term(ind.denominator) if ind.denominator is not None else None
    if num.how == "exact" and (den is None or den.how == "exact"):
        return None
    return num, den


def _measures(codes: list[str]) -> dict[str, Measure]:
    """Every part the codes' recipes read, by name (the counts that sums follow included)."""
    out: dict[str, Measure] = {}
    for code in codes:
        if recipe(code) is None:
            continue
        ind = INDICATORS[code]
        for m in (ind.numerator, ind.denominator):
            if m is not None:
                out[_name(m)] = m
                if m in COUNT_OF:
                    out[_name(COUNT_OF[m])] = COUNT_OF[m]
    return out


def trend_parts(codes: list[str], f: Filters) -> pl.DataFrame:
    """period and a column per part of a trend's view (analytics.queries.trend's periods)."""
    parts = _measures(codes)
    rows = _by_bucket(parts, f, period_buckets(f), None)
    return pl.DataFrame(
        [{"period": date.fromisoformat(bucket), **values} for (bucket, _), values in rows.items()],
        schema={"period": pl.Date, **{PART + n: pl.Float64 for n in parts}}, orient="row")


def breakdown_parts(codes: list[str], f: Filters, by: str) -> pl.DataFrame:
    """dim and a column per part of a breakdown's view (analytics.queries.breakdown's range)."""
    parts = _measures(codes)
    rows = _by_bucket(parts, f, kpi_buckets(f)[:1], by)
    return pl.DataFrame(
        [{"dim": dim, **values} for (_, dim), values in rows.items() if dim is not None],
        schema={"dim": pl.String, **{PART + n: pl.Float64 for n in parts}}, orient="row")


def _by_bucket(parts: dict[str, Measure], f: Filters, buckets, by: str | None) -> dict:
    access.check(f)  # whatever the codes: no part of another region's view
    if not parts:
        return {}
    values = queries.evaluate(list(parts.values()), f, buckets, by)
    rows: dict[tuple, dict[str, float | None]] = {}
    for name, m in parts.items():
        for key, value in values[m].items():
            rows.setdefault(key, {})[PART + name] = value
    return rows
