"""The data-quality and compliance checks, one module per `dq_*` table: its catalogue rows
(`Check`: what it flags, in both languages, and how its findings are counted), its thresholds
(module constants, bound as parameters) and its SQL statement (`Statement`). etl/quality.py
runs `STATEMENTS` in this order (relief_campaigns first: the duplicate and above-standard
checks read it); each has a golden-row test in tests/etl/test_quality_checks.py."""

from etl.checks import (
    above_standard,
    amount_outliers,
    duplicate_relief,
    fund_overspend,
    fund_scope,
    matching_arrears,
    not_on_file,
    relief_after_exit,
    relief_campaigns,
    station_months,
)
from etl.checks.contract import Check, Statement

STATEMENTS: tuple[Statement, ...] = tuple(m.STATEMENT for m in (
    relief_campaigns, station_months, duplicate_relief, relief_after_exit, not_on_file,
    amount_outliers, fund_scope, fund_overspend, matching_arrears, above_standard))

# The catalogue (dq_checks, dq_summary), in the order the pages list the checks.
CHECKS: tuple[Check, ...] = tuple(c for s in STATEMENTS for c in s.checks)

__all__ = ["CHECKS", "STATEMENTS", "Check", "Statement"]
