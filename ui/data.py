"""The thin Streamlit cache over analytics: results keyed on the filters and the data version.

Analytics stays Streamlit-free; every cached function takes the data version token, so a newly
loaded warehouse gives new results without clearing anything.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import coverage as cov
from analytics import db, disclosure_parts, queries, reference, registry, targets
from analytics import quality as q
from analytics.filters import COUNTRY, Filters
from core.warehouse import DataVersion

# A Filters argument hashed as its repr (every field, each value's repr): Streamlit hashes a
# dataclass through dataclasses.asdict, a deep copy, and that was most of a cached read's
# CPU (0.27 against 0.10 ms a hit), a hundred reads a page view. The same keys tell the same
# views apart: two Filters have the same repr exactly when their fields are equal.
HASH_FILTERS = {Filters: repr}
_CACHE = {"show_spinner": False, "max_entries": 2048, "hash_funcs": HASH_FILTERS}


def version() -> DataVersion:
    """The current data version (one stat of the file when nothing changed).

    Kept per file by analytics (db.per_file), not by st.cache_data: a page asks some thirty
    times a view, and Streamlit's hashing of the key and unpickling of the (frozen) value
    cost more than the rest of the call."""
    return db.data_version()


@st.cache_data(**_CACHE)
def regions(token: str) -> pl.DataFrame:
    return reference.regions()


@st.cache_data(**_CACHE)
def root_region(token: str) -> str:
    return reference.root_region()


@st.cache_data(**_CACHE)
def is_sample(token: str) -> bool:
    return registry.is_sample()


@st.cache_data(**_CACHE)
def labels(domain: str, token: str) -> dict[str, tuple[str, str]]:
    return reference.labels(domain)


@st.cache_data(**_CACHE)
def coverage(token: str, scope: str = COUNTRY) -> cov.Coverage:
    return cov.coverage(scope)


@st.cache_data(**_CACHE)
def data_months(token: str) -> list:
    """The months the filter bar offers (analytics.coverage.data_months)."""
    return cov.months_between(*cov.data_months())


@st.cache_data(**_CACHE)
def in_view(f: Filters, tables: tuple[str, ...], token: str) -> dict[str, str]:
    return cov.in_view(f, tables)


@st.cache_data(**_CACHE)
def kpis(codes: tuple[str, ...], f: Filters, token: str) -> pl.DataFrame:
    return queries.kpis(list(codes), f)


@st.cache_data(**_CACHE)
def trend(codes: tuple[str, ...], f: Filters, token: str, by: str | None = None) -> pl.DataFrame:
    return queries.trend(list(codes), f, by)


@st.cache_data(**_CACHE)
def breakdown(codes: tuple[str, ...], f: Filters, by: str, token: str) -> pl.DataFrame:
    return queries.breakdown(list(codes), f, by)


@st.cache_data(**_CACHE)
def dim_unrecorded(code: str, f: Filters, by: str, token: str) -> bool:
    """Whether the indicator's rows in the range all leave `by` empty (analytics.queries)."""
    return queries.dim_unrecorded(code, f, by)


@st.cache_data(**_CACHE)
def trend_parts(codes: tuple[str, ...], f: Filters, token: str) -> pl.DataFrame:
    """The counts and sums behind a trend's indicators, for its protected exports."""
    return disclosure_parts.trend_parts(list(codes), f)


@st.cache_data(**_CACHE)
def breakdown_parts(codes: tuple[str, ...], f: Filters, by: str, token: str) -> pl.DataFrame:
    """The counts and sums behind a breakdown's indicators, for its protected exports."""
    return disclosure_parts.breakdown_parts(list(codes), f, by)


@st.cache_data(**_CACHE)
def progress(f: Filters, year: int, token: str) -> pl.DataFrame:
    """Targets of `year` against what was done (analytics.targets.progress)."""
    return targets.progress(None, f, year)


@st.cache_data(**_CACHE)
def interventions(f: Filters, token: str) -> pl.DataFrame:
    return queries.interventions(f)


@st.cache_data(**_CACHE)
def attention(f: Filters, token: str) -> pl.DataFrame:
    from analytics.queries_attention import attention as build

    return build(f)


@st.cache_data(**_CACHE)
def matching_gaps(f: Filters, token: str) -> pl.DataFrame:
    from analytics.queries_attention import matching_gaps as build

    return build(f)


@st.cache_data(**_CACHE)
def mediation_funnel(f: Filters, token: str) -> pl.DataFrame:
    from analytics.queries_petitions import mediation_funnel as build

    return build(f)


# --- the data-quality checks (数据质量, 资金合规), computed at load time -------------------
_CHECKS = {"show_spinner": False, "max_entries": 256, "hash_funcs": HASH_FILTERS}


@st.cache_data(**_CHECKS)
def check_summary(domain: str, f: Filters, token: str) -> pl.DataFrame:
    return q.summary(domain, f)


@st.cache_data(**_CHECKS)
def check_findings(code: str, f: Filters, token: str) -> pl.DataFrame:
    return q.findings(code, f)


@st.cache_data(**_CHECKS)
def flag_groups(code: str, f: Filters, token: str) -> pl.DataFrame:
    return q.flag_groups(code, f)


@st.cache_data(**_CHECKS)
def station_months(f: Filters, token: str) -> pl.DataFrame:
    return q.station_months(f)


@st.cache_data(**_CHECKS)
def load_rejects(f: Filters, token: str) -> pl.DataFrame:
    return q.rejects_by_reason(f)


@st.cache_data(**_CHECKS)
def overspend_rows(county: str, year: int, fund_source: str, scope: str,
                   token: str) -> pl.DataFrame:
    return q.overspend_rows(q.finding_view(county, year, fund_source, scope))


@st.cache_data(**_CHECKS)
def check_rules(token: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return q.checks(), q.fund_rules(), q.relief_standards()


@st.cache_data(**_CHECKS)
def checks_computed(token: str) -> bool:
    return q.computed()
