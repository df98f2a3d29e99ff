"""The rules staff edit: etl/mappings/fund_rules.csv (which relief types and recipient
groups each fund source may pay for) and relief_standards.csv (per-person standards), read
into frames the checks join (etl/quality.py stores them as dq_fund_rules and
dq_relief_standards). The checks themselves, with their thresholds, are in etl/checks/."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

_MAPPINGS = Path(__file__).parent / "mappings"
FUND_RULES_CSV = _MAPPINGS / "fund_rules.csv"
RELIEF_STANDARDS_CSV = _MAPPINGS / "relief_standards.csv"


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
