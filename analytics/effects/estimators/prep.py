"""Data preparation shared by the estimators: period indices and the pandas boundary.

Estimators take Polars frames; time columns may be dates (monthly data) or integers. Dates
become a month index (year * 12 + month - 1) so that "periods since the intervention" is
plain integer arithmetic.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


def is_temporal(df: pl.DataFrame, column: str) -> bool:
    return df.schema[column].is_temporal()


def period_expr(df: pl.DataFrame, column: str) -> pl.Expr:
    """Integer period of a time column: a month index for dates, the value for integers."""
    col = pl.col(column)
    if is_temporal(df, column):
        return (col.dt.year().cast(pl.Int64) * 12 + col.dt.month().cast(pl.Int64) - 1)
    return col.cast(pl.Int64)


def period_of(value: dt.date | int | float, temporal: bool) -> int:
    """The period index of one time value (an intervention date or start)."""
    if temporal:
        if not isinstance(value, dt.date):
            raise TypeError(f"expected a date for a date time column, got {value!r}")
        return value.year * 12 + value.month - 1
    return int(value)


def to_pandas(df: pl.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The library boundary: only the columns a model uses, nulls dropped."""
    return df.select(columns).drop_nulls().to_pandas()


def require_columns(df: pl.DataFrame, *columns: str | None) -> None:
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the frame: {missing}; it has {df.columns}")


def normal_ci(estimate: float, se: float) -> tuple[float, float]:
    return estimate - Z95 * se, estimate + Z95 * se
