"""Queries over the data-quality and compliance tables (`dq_*`, computed by etl.quality).

Every function takes a Filters (region at any level, range, the user's scope; the whole
country over every month by default), checks its scope once and renders it through
analytics.where, and returns Polars; user values are bound parameters only. Findings carry
masked IDs, never person keys.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics import access, db
from analytics.filters import ALL_MONTHS, Filters
from analytics.reference import lineage, root_region
from analytics.where import Where, days, render, years

# check code → (table, date column for the period filter, has station_code)
ROW_TABLES: dict[str, tuple[str, str | None, bool]] = {
    "duplicate_relief": ("dq_duplicate_relief", "relief_date", True),
    "relief_after_exit": ("dq_relief_after_exit", "relief_date", True),
    "not_on_file": ("dq_relief_not_on_file", "relief_date", True),
    "amount_outlier": ("dq_amount_outliers", "relief_date", True),
    "fund_out_of_scope": ("dq_fund_scope", "relief_date", True),
    "above_standard": ("dq_above_standard", "relief_date", True),
    "disbursed_over_received": ("dq_fund_overspend", None, False),
    "matching_not_arrived": ("dq_matching_arrears", None, False),
}


# check code → the fact tables its findings are read against. Without them a check finds
# nothing, or everything (all special-fund relief "not on file" before any register is
# loaded; all spending "above received" before any allocation table), so pages show an
# empty state instead of its findings.
CHECK_TABLES: dict[str, tuple[str, ...]] = {
    "missing_report": ("relief",), "late_report": ("relief",),
    "duplicate_relief": ("relief",), "amount_outlier": ("relief",),
    "relief_after_exit": ("relief", "hardship_files"),
    "not_on_file": ("relief", "hardship_files"),
    "fund_out_of_scope": ("relief",), "above_standard": ("relief",),
    "disbursed_over_received": ("relief", "fund_allocations"),
    "matching_not_arrived": ("fund_allocations",),
}


def computed() -> bool:
    """Whether a load has computed the checks yet: a new warehouse has their tables, empty,
    and no batch (one made before `etl.warehouse.init` made them has no dq_* tables)."""
    tables = db.rows("SELECT count(*) FROM information_schema.tables "
                     "WHERE table_name = 'dq_checks'")[0][0]
    return tables > 0 and db.rows("SELECT EXISTS (FROM load_batches)")[0][0]


def _where(f: Filters, day: str | None, station: bool) -> Where:
    """The region and range of `f` over a findings table (its date column `day`, else its
    year); a table kept by county has no rows under a township or station."""
    time = days(f"t.{day}") if day else years("t.year")
    return render(f, station="t.station_code" if station else None, time=time) or \
        Where("FALSE", {})


def checks() -> pl.DataFrame:
    """code, domain, name_zh, name_en, rule_zh, rule_en of every check."""
    return db.query("SELECT code, domain, name_zh, name_en, rule_zh, rule_en FROM dq_checks "
                    "ORDER BY ord")


def computed_at() -> object:
    """When the findings were computed (the last load)."""
    return db.query("SELECT computed_at FROM dq_meta")["computed_at"][0]


def summary(domain: str, f: Filters = ALL_MONTHS) -> pl.DataFrame:
    """Per check of `domain`: findings, rows behind them and money involved, in the view."""
    access.check(f)
    parts, params = [], {"domain": domain}
    for code, (table, day, station) in ROW_TABLES.items():
        where = _where(f, day, station)
        findings, rows, money = _measures(code)
        if code == "amount_outlier":  # a row flagged by both rules counts once
            table = "(SELECT DISTINCT ON (relief_id) * FROM dq_amount_outliers)"
        parts.append(f"SELECT '{code}' AS code, {findings} AS findings, {rows} AS rows, "
                     f"{money} AS amount_yuan FROM {table} t WHERE {where.sql}")
        params |= where.params
    months = _where(f, "month", True)
    parts.append(
        "SELECT 'missing_report', count(*) FILTER (WHERE status = 'missing'), "
        "count(*) FILTER (WHERE status = 'missing'), 0 FROM dq_station_months t "
        f"WHERE {months.sql}")
    parts.append(
        "SELECT 'late_report', count(*) FILTER (WHERE status = 'late'), "
        "sum(rows) FILTER (WHERE status = 'late'), "
        "sum(amount_yuan) FILTER (WHERE status = 'late') FROM dq_station_months t "
        f"WHERE {months.sql}")
    sql = f"""WITH s AS ({' UNION ALL '.join(parts)})
        SELECT c.code, c.name_zh, c.name_en, c.rule_zh, c.rule_en,
               coalesce(s.findings, 0)::BIGINT AS findings, coalesce(s.rows, 0)::BIGINT AS rows,
               coalesce(s.amount_yuan, 0)::DOUBLE AS amount_yuan
        FROM dq_checks c JOIN s USING (code) WHERE c.domain = $domain ORDER BY c.ord"""
    return db.query(sql, params | months.params)


def _measures(code: str) -> tuple[str, str, str]:
    if code in NUMBERED:
        return "count(DISTINCT t.flag_key)", "count(*)", "sum(t.amount_yuan)"
    if code == "disbursed_over_received":
        return "count(*)", "sum(t.relief_rows)", "sum(t.excess_yuan)"
    if code == "matching_not_arrived":
        return "count(*)", "count(*)", "sum(t.shortfall_yuan)"
    return "count(*)", "count(*)", "sum(t.amount_yuan)"


# Checks whose finding is a group of rows, stored with a key of its own (flag_key: a load
# then changes only the groups it touched) → the order their findings are numbered in,
# 1, 2, … across the whole table, so a finding keeps its number in every view: a duplicate
# by masked ID, relief type and campaign (its key back from the text: "2012两节" → 201200,
# "2012-03" → 201203); above the standard by relief type, period, masked ID.
NUMBERED: dict[str, str] = {
    "duplicate_relief": """nullif(id_masked, '?'), relief_type,
        CASE WHEN campaign LIKE '%两节' THEN replace(campaign, '两节', '')::INTEGER * 100
             ELSE replace(campaign, '-', '')::INTEGER END, flag_key""",
    "above_standard": "relief_type, period_key::INTEGER, nullif(id_masked, '?'), flag_key",
}


def findings(code: str, f: Filters = ALL_MONTHS) -> pl.DataFrame:
    """The rows of one check in the region and period, as stored (masked IDs only); a
    group's rows under its number (flag_id, NUMBERED)."""
    table, day, station = ROW_TABLES[code]
    where = _where(access.check(f), day, station)
    order = "t.flag_id, t.relief_date" if code in NUMBERED else \
        ("t.county_code, t.year" if not day else f"t.{day}")
    if code in NUMBERED:
        table = (f"(SELECT dense_rank() OVER (ORDER BY {NUMBERED[code]}) AS flag_id, "
                 f"* EXCLUDE (flag_key) FROM {table})")
    drop = " EXCLUDE (batch_id)" if day else ""
    return _traceable(db.query(f"SELECT t.*{drop} FROM {table} t "
                               f"WHERE {where.sql} ORDER BY {order}", where.params))


def _traceable(rows: pl.DataFrame) -> pl.DataFrame:
    """`relief_id` (a 64-bit hash) as text: a spreadsheet keeps only 15 digits of a number,
    and the id is there to find the row again."""
    if "relief_id" not in rows.columns:
        return rows
    return rows.with_columns(pl.col("relief_id").cast(pl.String))


def flag_groups(code: str, f: Filters = ALL_MONTHS) -> pl.DataFrame:
    """One row per finding of a person-level check (duplicates, above standard)."""
    detail = findings(code, f)
    if code == "duplicate_relief":
        keys = ["flag_id", "id_masked", "relief_type", "campaign", "stations"]
    elif code == "above_standard":
        keys = ["flag_id", "id_masked", "relief_type", "period", "period_key", "standard_yuan",
                "person_total_yuan", "excess_yuan"]
    else:
        raise ValueError(f"{code} is not a person-level check")
    return (detail.group_by(keys, maintain_order=True)
            .agg(pl.len().alias("rows"), pl.col("amount_yuan").sum().alias("amount_yuan")))


def finding_view(county: str, year: int, fund_source: str, scope: str) -> Filters:
    """The view of one 'disbursed more than received' finding: its county, year and fund."""
    return Filters(region=county, start=date(year, 1, 1), end=date(year, 12, 1),
                   fund_source=fund_source, scope=scope)


def overspend_rows(f: Filters) -> pl.DataFrame:
    """The relief rows behind one 'disbursed more than received' finding (masked IDs), in
    the view `finding_view` makes of it."""
    where = render(access.check(f), time=days("t.relief_date"), cuts=("fund_source",)) or \
        Where("FALSE", {})  # a finding is a county's: no rows under a township or station
    return _traceable(db.query(
        f"""SELECT t.relief_id, coalesce(p.id_masked, '?') AS id_masked, t.county_code,
                  t.station_code, t.relief_date, t.relief_type, t.recipient_group,
                  t.fund_source, t.amount_yuan
           FROM relief t LEFT JOIN persons p USING (person_key)
           WHERE {where.sql} ORDER BY t.relief_date, t.relief_id""", where.params))


def station_months(f: Filters = ALL_MONTHS) -> pl.DataFrame:
    """station_code, station name, month, rows, status — the completeness heatmap's cells."""
    where = _where(access.check(f), "month", True)
    return db.query(
        f"""SELECT t.station_code, g.name_zh AS station_zh, g.name_en AS station_en,
                   t.county_code, t.month, t.rows, t.amount_yuan::DOUBLE AS amount_yuan, t.status
            FROM dq_station_months t LEFT JOIN regions g ON g.region_code = t.station_code
            WHERE {where.sql}
            ORDER BY t.station_code, t.month""", where.params)


def rejects_by_reason(f: Filters = ALL_MONTHS) -> pl.DataFrame:
    """Rejected rows per load month, station and kind of reason (table load_rejects), in the
    region of `f` whenever they were loaded (a reject's county: its station code's first six
    digits, a station's code being its county's and three more).

    Reasons quote the offending value ("无法识别的金额“1千元”"); the values and numbers are
    replaced by "…" so that rows with the same kind of problem count together.

    A reject without a station (one naming a station not registered) lies in no county: the
    deployment's whole view (its top region or one above it) counts it, as station "?"."""
    where = render(access.check(f), county="left(t.station_code, 6)", station="t.station_code")
    placed = where.sql
    if f.region in lineage(root_region()):
        placed = f"({placed} OR t.station_code IS NULL)"
    return db.query(
        f"""SELECT date_trunc('month', t.loaded_at)::DATE AS month,
                   coalesce(t.station_code, '?') AS station_code,
                   {_generic('t.reason_zh')} AS reason_zh, {_generic('t.reason_en')} AS reason_en,
                   count(*)::BIGINT AS rows
            FROM load_rejects t
            WHERE {placed}
            GROUP BY ALL ORDER BY month, station_code, rows DESC""",
        {**where.params, "values": _VALUES})


# Quoted values (“…”, "…", '…', ‘…’) and numbers in a reject reason.
_VALUES = r"""“[^”]*”|"[^"]*"|'[^']*'|‘[^’]*’|[-+]?[0-9][0-9.,:/E+\-]*"""


def _generic(column: str) -> str:
    """SQL: a reason with its quoted values and numbers replaced by '…' ($values bound)."""
    return f"regexp_replace({column}, $values, '…', 'g')"


def fund_rules() -> pl.DataFrame:
    """The fund-scope rules the findings were computed with."""
    return db.query("SELECT * FROM dq_fund_rules ORDER BY fund_source, relief_type")


def relief_standards() -> pl.DataFrame:
    """The per-person standards the findings were computed with."""
    return db.query("SELECT * FROM dq_relief_standards ORDER BY relief_type, valid_from")
