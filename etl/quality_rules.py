"""What the data-quality and compliance checks are, and the rules staff edit: the check
catalogue (`CHECKS`), and etl/mappings/fund_rules.csv (which relief types and recipient
groups each fund source may pay for) and relief_standards.csv (per-person standards), read
into frames the checks join (etl/quality.py)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

_MAPPINGS = Path(__file__).parent / "mappings"
FUND_RULES_CSV = _MAPPINGS / "fund_rules.csv"
RELIEF_STANDARDS_CSV = _MAPPINGS / "relief_standards.csv"


# Outlier rules. Iglewicz & Hoaglin: |modified z| > 3.5 on log amounts, within groups big
# enough for a median to mean something; and a plain "more than 3x the 99th percentile of
# the relief type" that also catches outliers in small counties.
ROBUST_Z_LIMIT = 3.5
# Completeness: this many consecutive months without relief rows is a missing report; rows
# that arrive more than REPORT_GRACE_DAYS after their month's end are late.
MISSING_RUN_MONTHS = 3
REPORT_GRACE_DAYS = 15
ROBUST_Z_MIN_GROUP = 20
P99_FACTOR = 3.0


@dataclass(frozen=True)
class Check:
    code: str
    domain: str  # quality | compliance
    table: str
    name_zh: str
    name_en: str
    rule_zh: str
    rule_en: str


CHECKS: tuple[Check, ...] = (
    Check("missing_report", "quality", "dq_station_months", "漏报月份", "missing monthly reports",
          f"站点连续{MISSING_RUN_MONTHS}个月及以上既无救助记录也无零报告（首次报送至最近月份之间）",
          f"a station sent neither relief rows nor a zero report (零报告) for "
          f"{MISSING_RUN_MONTHS} or more months in a row (between its first report and the "
          "latest month)"),
    Check("late_report", "quality", "dq_station_months", "迟报月份", "late monthly reports",
          f"某月数据在月末{REPORT_GRACE_DAYS}天后才首次导入（只评价系统启用后的截止日期）",
          f"a month's rows first arrived more than {REPORT_GRACE_DAYS} days after the month's "
          "end (judged for deadlines after the first load only)"),
    Check("duplicate_relief", "quality", "dq_duplicate_relief", "跨站点重复救助",
          "same person relieved by two stations",
          "同一人同一救助类型同一批次（两节为同一慰问季，其他为同一月）由两个以上站点发放",
          "one person, one relief type, one campaign (festival season, else month), "
          "two or more stations"),
    Check("relief_after_exit", "quality", "dq_relief_after_exit", "脱困后仍救助",
          "relief after leaving the hardship file",
          "以困难职工身份救助，发放日期晚于脱困日期且无有效档案",
          "relief as a hardship worker dated after exited_on, with no file open on that date"),
    Check("not_on_file", "quality", "dq_relief_not_on_file", "未建档人员使用专项资金",
          "relief to people not on file",
          "资金来源要求建档（fund_rules.csv），但发放日前未建档",
          "the fund source requires a hardship file (fund_rules.csv) and none was open "
          "by the relief date"),
    Check("amount_outlier", "quality", "dq_amount_outliers", "金额异常", "amount outliers",
          f"按救助类型×{{county}}的对数金额稳健z分数绝对值>{ROBUST_Z_LIMIT}（组内≥{ROBUST_Z_MIN_GROUP}条），"
          f"或超过该救助类型第99百分位数的{P99_FACTOR:g}倍",
          f"|robust z| of log amount by relief type x county > {ROBUST_Z_LIMIT} (groups of "
          f"{ROBUST_Z_MIN_GROUP}+ rows), or more than {P99_FACTOR:g}x the relief type's "
          "99th percentile"),
    Check("fund_out_of_scope", "compliance", "dq_fund_scope", "专项资金超范围使用",
          "special funds used outside their scope",
          "救助类型或救助对象不在该资金来源的使用范围内（fund_rules.csv）",
          "relief type or recipient group outside the fund source's scope (fund_rules.csv)"),
    Check("disbursed_over_received", "compliance", "dq_fund_overspend", "支出超过到位资金",
          "disbursed more than received",
          "{county}×年度×资金来源的发放合计大于到位金额",
          "relief paid per county x year x fund source exceeds the amount received"),
    Check("matching_not_arrived", "compliance", "dq_matching_arrears", "配套资金未到位",
          "matching funds not arrived",
          "地方财政配套资金应拨金额>0且到位金额<应拨金额",
          "local matching funds allocated > 0 and received < allocated"),
    Check("above_standard", "compliance", "dq_above_standard", "超标准发放",
          "amount per person above the standard",
          "每人每期（两节为慰问季，其他为年度）发放合计超过标准（relief_standards.csv）",
          "total per person per period (festival season or year) above the standard "
          "(relief_standards.csv)"),
)


def read_fund_rules(path: Path = FUND_RULES_CSV) -> pl.DataFrame:
    """One row per fund source × allowed relief type × allowed recipient group ('*' = any)."""
    rows = []
    for r in _csv(path):
        for relief_type in r["relief_types"].split("|"):
            for group in r["recipient_groups"].split("|"):
                rows.append({
                    "fund_source": r["fund_source"], "relief_type": relief_type.strip(),
                    "recipient_group": group.strip(),
                    "requires_on_file": r["requires_on_file"].strip() == "yes",
                    "allocated": r["allocated"].strip() == "yes",
                    "rule_zh": r["rule_zh"], "rule_en": r["rule_en"],
                })
    return pl.DataFrame(rows, schema={
        "fund_source": pl.String, "relief_type": pl.String, "recipient_group": pl.String,
        "requires_on_file": pl.Boolean, "allocated": pl.Boolean, "rule_zh": pl.String,
        "rule_en": pl.String})


def read_relief_standards(path: Path = RELIEF_STANDARDS_CSV) -> pl.DataFrame:
    """Per-person standards: relief type, period (campaign | year), maximum, validity."""
    df = pl.DataFrame(_csv(path), schema={
        "relief_type": pl.String, "period": pl.String, "max_yuan_per_person": pl.String,
        "valid_from": pl.String, "valid_to": pl.String, "basis_zh": pl.String,
        "basis_en": pl.String})
    return df.with_columns(
        pl.col("max_yuan_per_person").cast(pl.Float64),
        pl.col("valid_from").str.to_date(),
        pl.when(pl.col("valid_to") == "").then(None).otherwise(pl.col("valid_to"))
        .str.to_date().alias("valid_to"),
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
