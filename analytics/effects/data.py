"""Data for effect estimation: outcomes, county × month panels and the intervention registry.

Outcomes are the catalogue's monthly (flow) indicators plus a few counts effect studies need
(skip-level petitions, medical discounts granted), all built from catalogue measures, so the
definition of "a petition" or "a relief payment" is the catalogue's. SQL text comes from the
catalogue and this module; every user value (counties, dates, codes) is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from analytics import access, db
from analytics.filters import ALL_MONTHS, COUNTRY, Filters
from analytics.indicators import CATALOGUE, INDICATORS, SKIP_LEVEL, TABLE_DIMS, Measure
from analytics.where import days, render
from core.messages import pick


@dataclass(frozen=True)
class Outcome:
    code: str
    name_zh: str
    name_en: str
    unit: str  # the catalogue's units: count, persons, yuan, ratio, ...
    numerator: Measure
    denominator: Measure | None = None
    catalogue: str | None = None  # the catalogue indicator it comes from (export provenance)

    def name(self, lang: str) -> str:
        return pick((self.name_zh, self.name_en), lang)

    def as_dict(self, lang: str = "zh") -> dict[str, str]:
        """The outcome as an export's provenance names it: its catalogue indicator's entry
        where that indicator is the outcome itself, else its own. 越级信访件数 counts the
        numerator of 越级信访占比: named as the share, its series went out as computed
        (analytics/privacy.py perturbs a table of counts by its indicators' units)."""
        ind = INDICATORS.get(self.catalogue or "")
        if ind is not None and (ind.unit, ind.numerator, ind.denominator) == (
                self.unit, self.numerator, self.denominator):
            return ind.as_dict(lang)
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
                "unit": self.unit, "definition": self.name(lang),
                "numerator": self.numerator.sql_text,
                "denominator": self.denominator.sql_text if self.denominator else ""}

    @property
    def is_count(self) -> bool:
        """Counts take Poisson-type models (rate ratios); amounts and rates Gaussian."""
        return self.denominator is None and self.unit in ("count", "persons")

    @property
    def cut_dims(self) -> dict[str, str]:
        """Dimensions the outcome can be restricted by (dimension → column)."""
        return TABLE_DIMS[self.numerator.table] if self.denominator is None else {}


_EXTRA = (
    Outcome("skip_level", "越级信访件数", "Skip-level petitions", "count", SKIP_LEVEL,
            catalogue="skip_level_share"),
    Outcome("medical_benefits", "医疗减免人次", "Medical discounts granted", "count",
            Measure("medical_benefits", "COUNT(*)", "benefit_on"), catalogue="medical_discounts"),
)


def outcomes() -> dict[str, Outcome]:
    """Every outcome an effect can be estimated on: monthly catalogue indicators first."""
    out: dict[str, Outcome] = {}
    for ind in CATALOGUE:
        den = ind.denominator
        if ind.numerator.kind == "flow" and (den is None or den.kind == "flow"):
            out[ind.code] = Outcome(ind.code, ind.name_zh, ind.name_en, ind.unit, ind.numerator,
                                    den, ind.code)
    for extra in _EXTRA:
        out[extra.code] = extra
    return out


def _measure_sql(m: Measure, counties: Sequence[str], f: Filters,
                 cuts: Mapping[str, Sequence[str]]) -> tuple[str, dict]:
    """county_code, month, value of one measure over `counties` and the months of `f`."""
    where = render(f, time=days(f"t.{m.date_col}"), units=counties)
    conds, params = [where.sql], dict(where.params)
    for i, (dim, codes) in enumerate(sorted(cuts.items())):
        column = TABLE_DIMS[m.table][dim]  # KeyError for a dimension the table lacks
        conds.append(f"t.{column} IN (SELECT unnest($cut{i}::VARCHAR[]))")
        params[f"cut{i}"] = list(codes)
    sql = (f"SELECT t.county_code AS region_code, "
           f"CAST(date_trunc('month', t.{m.date_col}) AS DATE) AS month, "
           f"CAST({m.expr} AS DOUBLE) AS value FROM {m.table} t "
           f"WHERE {' AND '.join(conds)} GROUP BY ALL")
    return sql, params


def _measure_panel(
    m: Measure, counties: Sequence[str], f: Filters, cuts: Mapping[str, Sequence[str]]
) -> pl.DataFrame:
    return db.query(*_measure_sql(m, counties, f, cuts))


def regions_within(regions: pl.DataFrame, scope: str = COUNTRY) -> pl.DataFrame:
    """The regions a user bound to `scope` may compare: the levels above counties (where
    interventions are declared) and the counties and stations within the scope."""
    local = pl.col("level").is_in(["county", "township", "station"])
    keep = access.in_scope(regions.filter(local)["region_code"].to_list(), scope)
    return regions.filter(~local | pl.col("region_code").is_in(keep))


def county_month_panel(
    outcome: Outcome,
    counties: Sequence[str],
    f: Filters = ALL_MONTHS,
    *,
    cuts: Mapping[str, Sequence[str]] | None = None,
) -> pl.DataFrame:
    """region_code, month, value (and numerator, denominator for rates) per county and month
    of `f`'s range (every month by default: `Filters.all_months`); a county outside the
    user's scope `f.scope` is refused (analytics.access.OutOfScope).

    Months without rows count as zero between a county's first and last month with data in
    the table; outside that span the county reported nothing, which is not zero.
    """
    for county in counties:  # the panel's regions are these counties, not f.region
        access.check_region(county, f.scope)
    cuts = dict(cuts or {})
    num = _measure_panel(outcome.numerator, counties, f, cuts)
    if outcome.denominator is None:
        return _fill(num, "value").sort("region_code", "month")
    den = _measure_panel(outcome.denominator, counties, f, {})
    both = _fill(num.rename({"value": "numerator"}), "numerator").join(
        _fill(den.rename({"value": "denominator"}), "denominator"),
        on=["region_code", "month"], how="full", coalesce=True,
    )
    return both.with_columns(
        value=pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator").fill_null(0) / pl.col("denominator"))
    ).sort("region_code", "month")


def _fill(panel: pl.DataFrame, column: str) -> pl.DataFrame:
    """Zero for months without rows inside each county's span of reported months."""
    if panel.is_empty():
        return panel
    spans = panel.group_by("region_code").agg(
        pl.date_ranges(pl.col("month").min(), pl.col("month").max(), "1mo").alias("month")
    ).explode("month")
    return spans.join(panel, on=["region_code", "month"], how="left").with_columns(
        pl.col(column).fill_null(0.0)
    )


def total_series(panel: pl.DataFrame) -> pl.DataFrame:
    """month, value: the counties added up (rates recomputed from their parts)."""
    if "denominator" in panel.columns:
        sums = panel.group_by("month").agg(pl.col("numerator", "denominator").sum())
        return sums.select(
            "month", value=pl.when(pl.col("denominator") > 0)
            .then(pl.col("numerator") / pl.col("denominator"))
        ).sort("month")
    return panel.group_by("month").agg(pl.col("value").sum()).sort("month")


def interventions() -> pl.DataFrame:
    """Every registered intervention row: id, kind, names, scope and start."""
    return db.query(
        "SELECT intervention_id, kind, name_zh, coalesce(name_en, name_zh) AS name_en, "
        "scope_code, start_on FROM interventions ORDER BY start_on, intervention_id"
    )


def intervention_groups(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per measure: rows with the same kind and English name are one measure rolled
    out region by region (voter reception days county by county).

    Columns: group (key), kind, name_zh, name_en, scopes (count), first_start.
    """
    groups = rows.group_by("kind", "name_en", maintain_order=True).agg(
        pl.col("name_zh"), pl.len().alias("scopes"), pl.col("start_on").min().alias("first_start"),
    )
    names = [_common_name(n) for n in groups["name_zh"].to_list()]
    return groups.with_columns(
        name_zh=pl.Series(names, dtype=pl.String),
        group=pl.concat_str("kind", pl.lit("|"), "name_en"),
    ).select("group", "kind", "name_zh", "name_en", "scopes", "first_start")


def scopes_of(rows: pl.DataFrame, group: str) -> pl.DataFrame:
    """intervention_id, scope_code, start_on of one measure."""
    kind, name_en = group.split("|", 1)
    return rows.filter((pl.col("kind") == kind) & (pl.col("name_en") == name_en)).select(
        "intervention_id", "scope_code", "start_on"
    )


def _common_name(names: list[str]) -> str:
    """'海拉尔区人大代表接待选民日', '红山区人大代表接待选民日' → '人大代表接待选民日'."""
    if len(names) == 1:
        return names[0]
    suffix = names[0]
    for name in names[1:]:
        while not name.endswith(suffix):
            suffix = suffix[1:]
    return suffix or names[0]


# The outcome each kind of measure is usually judged by (the page's first choice).
DEFAULT_OUTCOME = {"npc_deputy": "skip_level", "union_measure": "medical_benefits",
                   "finance_policy": "relief_count"}
