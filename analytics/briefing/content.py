"""The numbers of a briefing, all from the indicator catalogue through analytics.queries."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from analytics import access, db, queries, reference, registry, targets
from analytics.briefing.period import Period
from analytics.briefing.problems import Problems, gather_problems
from analytics.filters import COUNTRY
from analytics.scan import Unavailable
from core.messages import pick, render
from core.warehouse import DataVersion

# Key figures of the briefing's table, in the order they are listed.
KEY_CODES = (
    "registered", "relieved", "coverage", "relief_amount", "amount_per_person",
    "festival_persons", "festival_amount", "fund_received", "fund_disbursed",
    "matching_allocated", "matching_received", "trained", "placements", "loans", "loan_amount",
    "petitions", "collective", "resolution_rate", "card_holders", "medical_discounts",
)
CHILD_CODES = ("relieved", "relief_amount", "coverage")
FUND_CODES = ("fund_allocated", "fund_received", "fund_disbursed")
TREND_CODES = ("relieved", "registered")


@dataclass
class BriefingData:
    """Everything a briefing states about one region and period."""

    region: str
    name_zh: str
    name_en: str
    period: Period
    kpis: dict[str, dict]  # code → {value, year_ago}
    festival: pl.DataFrame  # dim (recipient group), code, value, year_ago
    funds: pl.DataFrame  # dim (fund source), code, value, year_ago
    children: pl.DataFrame  # dim (child region), code, value, year_ago
    trend: pl.DataFrame  # period, code, value, year_ago
    amount_trend: pl.DataFrame  # period, code, value, year_ago
    labels: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    version: DataVersion | None = None
    sample: bool = False  # the bundled synthetic sample: every page says 示例数据
    problems: Problems | None = None  # the facts of 存在的问题 (analytics.briefing.problems)
    # targets of the period's year against what was done (analytics.targets.progress)
    goals: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=targets.COLUMNS))

    def value(self, code: str) -> float | None:
        return self.kpis.get(code, {}).get("value")

    def year_ago(self, code: str) -> float | None:
        return self.kpis.get(code, {}).get("year_ago")

    def name(self, lang: str = "zh") -> str:
        return pick((self.name_zh, self.name_en), lang)

    def version_words(self, lang: str = "zh") -> str:
        """The data version as a person says it: '数据截至2025年12月6日 10:35，共12批'."""
        return version_words(self.version, lang)

    def label(self, domain: str, code: str, lang: str = "zh") -> str:
        return pick(self.labels.get(domain, {}).get(code, (code, code)), lang)


def version_words(v: DataVersion | None, lang: str = "zh") -> str:
    """'数据截至2025年12月6日 10:35，共12批' / 'Data as of 6 Dec 2025 10:35, 12 batches', as the
    sidebar and the exports say it (analytics.db.DataVersion.describe)."""
    if v is None:
        return render("data_version.none", lang)
    return v.describe(lang)


def _breakdown(codes: tuple[str, ...], f, by: str) -> pl.DataFrame:
    try:
        return queries.breakdown(list(codes), f, by)
    except Unavailable:  # e.g. a table that does not record stations
        return pl.DataFrame(schema={"dim": pl.String, "code": pl.String, "value": pl.Float64,
                                    "year_ago": pl.Float64})


def region_row(region: str, scope: str = COUNTRY) -> pl.DataFrame:
    """The region's row of the reference table. A region outside the user's `scope` is
    refused (analytics.access.OutOfScope), one the warehouse does not know is a KeyError:
    before any query, and before build_briefing starts Chromium for the charts; so is a
    warehouse an earlier version made (analytics.db.WarehouseOlder, with what to run)."""
    db.require_current()
    access.check_region(region, scope)
    row = reference.regions().filter(pl.col("region_code") == region)
    if not row.height:
        raise KeyError(f"unknown region {region}")
    return row


def gather(region: str, period: Period, scope: str = COUNTRY) -> BriefingData:
    """Query every number of the briefing for `region` (any level) and `period` (refused as
    region_row refuses it)."""
    row = region_row(region, scope)
    regions = reference.regions()
    f = period.filters(region, scope)
    kpis = {r["code"]: r for r in queries.kpis(list(KEY_CODES), f).iter_rows(named=True)}
    children = _breakdown(CHILD_CODES, f, "region")
    names = dict(zip(regions["region_code"], zip(regions["name_zh"], regions["name_en"],
                                                  strict=True), strict=True))
    labels = {d: reference.labels(d) for d in ("recipient_group", "fund_source")}  # label domains
    labels["region"] = {c: names[c] for c in children["dim"].unique() if c in names}
    fund_rows = _breakdown(FUND_CODES, f, "fund_source")
    if period.granularity != "year":
        kpis, fund_rows = _paid_in(f, kpis, fund_rows)
    return BriefingData(
        region=region, name_zh=row["name_zh"][0], name_en=row["name_en"][0], period=period,
        kpis=kpis,
        festival=_breakdown(("festival_persons", "festival_amount"), f, "recipient_group"),
        funds=fund_rows,
        children=children,
        trend=queries.trend(list(TREND_CODES), period.history(region, scope=scope)),
        amount_trend=queries.trend(["relief_amount"], period.history(region, scope=scope)),
        labels=labels, version=db.data_version(), sample=registry.is_sample(),
        problems=gather_problems(f, (kpis.get("collective", {}).get("value"),
                                     kpis.get("collective", {}).get("year_ago")),
                                 kpis.get("coverage", {}).get("value")),
        goals=targets.progress(None, f, period.end.year),
    )


def _paid_in(f, kpis: dict[str, dict], fund_rows: pl.DataFrame
             ) -> tuple[dict[str, dict], pl.DataFrame]:
    """A quarter's or month's 资金支出: what its own months paid out (救助金额, the same money
    counted by month), in total and by fund source. fund_disbursed counts whole years, to meet
    the allocation tables: in a quarter's briefing it stated the year's spending, later months
    included, and compared it with the whole year before as 上年同期."""
    if "relief_amount" in kpis:
        kpis = {**kpis, "fund_disbursed": {**kpis["relief_amount"], "code": "fund_disbursed"}}
    paid = _breakdown(("relief_amount",), f, "fund_source").with_columns(
        pl.lit("fund_disbursed").alias("code"))
    kept = fund_rows.filter(pl.col("code") != "fund_disbursed")
    return kpis, pl.concat([kept, paid.select(kept.columns).cast(kept.schema)])
