"""The warehouse's tables (DuckDB): the contract between the ETL, which writes them, and the
dashboard, which reads them. The data dictionary in docs/data_dictionary.md describes each column.

Every fact table carries `batch_id`, the load batch that last wrote the row (lineage).
Amounts are DECIMAL(14,2) so that sums of money are exact.
"""

from __future__ import annotations

TABLES: dict[str, str] = {
    "regions": """
        region_code VARCHAR PRIMARY KEY, parent_code VARCHAR, level VARCHAR NOT NULL,
        name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL, longitude DOUBLE, latitude DOUBLE""",
    # The help-station registry (帮扶站点名录) staff load like any other file; the regions
    # table's townships and stations are made from it (etl/regions.py).
    "help_stations": """
        station_code VARCHAR NOT NULL, name_zh VARCHAR NOT NULL, county_code VARCHAR NOT NULL,
        township_code VARCHAR, township_zh VARCHAR, established_on DATE, closed_on DATE,
        batch_id VARCHAR NOT NULL""",
    # What this warehouse is for: `scope` (region codes, comma-separated: the subtrees the
    # federation covers), `sample` ('1' for the bundled synthetic sample).
    "deployment": """
        key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL""",
    "persons": """
        person_key UBIGINT NOT NULL, id_masked VARCHAR NOT NULL, gender VARCHAR,
        birth_year SMALLINT, batch_id VARCHAR""",
    "hardship_files": """
        person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL, station_code VARCHAR,
        category VARCHAR NOT NULL, registered_on DATE NOT NULL, exited_on DATE,
        batch_id VARCHAR NOT NULL""",
    "relief": """
        relief_id UBIGINT NOT NULL, person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL,
        station_code VARCHAR NOT NULL, relief_date DATE NOT NULL, relief_type VARCHAR NOT NULL,
        recipient_group VARCHAR NOT NULL, fund_source VARCHAR NOT NULL,
        amount_yuan DECIMAL(14,2) NOT NULL, category VARCHAR, batch_id VARCHAR NOT NULL""",
    "fund_allocations": """
        year SMALLINT NOT NULL, county_code VARCHAR NOT NULL, fund_source VARCHAR NOT NULL,
        allocated_yuan DECIMAL(14,2) NOT NULL, received_yuan DECIMAL(14,2) NOT NULL,
        batch_id VARCHAR NOT NULL""",
    "loans": """
        loan_id UBIGINT NOT NULL, person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL,
        station_code VARCHAR, issued_on DATE NOT NULL, amount_yuan DECIMAL(14,2) NOT NULL,
        due_on DATE NOT NULL, repaid_on DATE, jobs_created INTEGER, batch_id VARCHAR NOT NULL""",
    "training": """
        enrolment_id UBIGINT NOT NULL, person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL,
        course VARCHAR NOT NULL, provider VARCHAR NOT NULL, start_on DATE NOT NULL, end_on DATE,
        completed BOOLEAN NOT NULL, placed_within_6m BOOLEAN, batch_id VARCHAR NOT NULL""",
    "placements": """
        person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL, placed_on DATE NOT NULL,
        channel VARCHAR NOT NULL, batch_id VARCHAR NOT NULL""",
    "medical_cards": """
        person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        issued_on DATE NOT NULL, batch_id VARCHAR NOT NULL""",
    "medical_benefits": """
        person_key UBIGINT NOT NULL, county_code VARCHAR NOT NULL, benefit_on DATE NOT NULL,
        kind VARCHAR NOT NULL, gross_yuan DECIMAL(14,2) NOT NULL,
        discount_yuan DECIMAL(14,2) NOT NULL, batch_id VARCHAR NOT NULL""",
    "petitions": """
        petition_id VARCHAR NOT NULL, county_code VARCHAR NOT NULL, received_on DATE NOT NULL,
        channel VARCHAR NOT NULL, category VARCHAR NOT NULL, workers_involved INTEGER NOT NULL,
        collective BOOLEAN NOT NULL, skip_level BOOLEAN NOT NULL, mediation_level VARCHAR,
        outcome VARCHAR NOT NULL, closed_on DATE, batch_id VARCHAR NOT NULL""",
    "union_coverage": """
        year SMALLINT NOT NULL, county_code VARCHAR NOT NULL, enterprises INTEGER NOT NULL,
        with_union INTEGER NOT NULL, with_bargaining INTEGER NOT NULL,
        with_workers_congress INTEGER NOT NULL, harmonious INTEGER NOT NULL,
        excellent_unions INTEGER, batch_id VARCHAR NOT NULL""",
    "npc_activities": """
        activity_on DATE NOT NULL, county_code VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        count INTEGER NOT NULL, completed INTEGER, batch_id VARCHAR NOT NULL""",
    "interventions": """
        intervention_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, name_zh VARCHAR NOT NULL,
        name_en VARCHAR, scope_code VARCHAR NOT NULL, start_on DATE NOT NULL, end_on DATE,
        description VARCHAR, source VARCHAR, batch_id VARCHAR""",
    # 目标任务表: a region's target for an indicator of the catalogue (its code) in a year;
    # `season`, for seasonal work (两节慰问), the Spring Festival season the target is for
    # when it is not the one whose festival falls in `year`. Rates are fractions (0.8).
    "targets": """
        year SMALLINT NOT NULL, region_code VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        target DOUBLE NOT NULL, season SMALLINT, batch_id VARCHAR NOT NULL""",
    "labels": """
        domain VARCHAR NOT NULL, code VARCHAR NOT NULL, label_zh VARCHAR NOT NULL,
        label_en VARCHAR NOT NULL, PRIMARY KEY (domain, code)""",
    "load_batches": """
        batch_id VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, content_sha256 VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, rows_read INTEGER NOT NULL,
        rows_loaded INTEGER NOT NULL, rows_rejected INTEGER NOT NULL,
        rows_inserted INTEGER, rows_updated INTEGER, rows_unchanged INTEGER,
        loaded_by VARCHAR""",
    # Lineage of corrections: which earlier batch's row a resent file replaced.
    "row_replacements": """
        batch_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, natural_key VARCHAR NOT NULL,
        replaced_batch_id VARCHAR NOT NULL""",
    # Rows a resent file had identical to an earlier batch's, left in place under that batch:
    # counted per batch, so that batch is not withdrawn from under the later one.
    "unchanged_rows": """
        batch_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
        kept_batch_id VARCHAR NOT NULL, rows BIGINT NOT NULL""",
    # Derived at load (etl/rollups.py): hardship files entering (+1) and leaving (-1) the
    # register per month, place and category, so the number on file at a month's end is a
    # sum over ~10^5 rows rather than over every file.
    "hardship_events": """
        month_key INTEGER NOT NULL, county_code VARCHAR NOT NULL, station_code VARCHAR,
        category VARCHAR NOT NULL, change BIGINT NOT NULL""",
    # Derived at load (etl/rollups.py): relief payments counted and summed per month, place
    # and dimension, for measures that are sums (a tenth of a percent of the rows at 10M).
    "relief_monthly": """
        month DATE NOT NULL, county_code VARCHAR NOT NULL, station_code VARCHAR NOT NULL,
        relief_type VARCHAR NOT NULL, recipient_group VARCHAR NOT NULL,
        fund_source VARCHAR NOT NULL, category VARCHAR, payments BIGINT NOT NULL,
        amount_yuan DECIMAL(18,2) NOT NULL""",
    # Derived at load (etl/season_rollup.py): two-festival relief counted and summed per
    # Spring Festival season, place and dimension, and by the season of the same person's
    # previous festival payment (-1 for none), so persons per season are a sum too.
    "relief_seasons": """
        season INTEGER NOT NULL, prev_season INTEGER NOT NULL, county_code VARCHAR NOT NULL,
        station_code VARCHAR NOT NULL, recipient_group VARCHAR NOT NULL,
        fund_source VARCHAR NOT NULL, category VARCHAR, multi_site BOOLEAN NOT NULL,
        payments BIGINT NOT NULL, amount_yuan DECIMAL(18,2) NOT NULL""",
    # Derived at load (etl/rollups.py): persons relieved in one place, counted per month,
    # place and month of the same person's previous payment (-1 for none), so persons of any
    # run of months are a sum rather than a pass over every payment. `dim` '' counts persons
    # at all; `dim` 'category' (say) persons per category, by the previous payment of the
    # same category, with only that dimension's column filled.
    "relief_persons": """
        dim VARCHAR NOT NULL, month_key INTEGER NOT NULL, prev_month INTEGER NOT NULL,
        county_code VARCHAR NOT NULL, station_code VARCHAR NOT NULL, relief_type VARCHAR,
        recipient_group VARCHAR, fund_source VARCHAR, category VARCHAR,
        persons BIGINT NOT NULL""",
    # Derived at load (etl/person_index.py): a row per person listing their last relief date
    # at all (`grp` ''), per station and per value of each dimension (`value_h`, the value's
    # hash, NULL for no value). A monthly file's rows that come after their persons' last
    # rows take their per-person columns from here, not from the persons' whole history
    # (etl/touched.py).
    "relief_person_last": """
        person_key UBIGINT NOT NULL,
        groups STRUCT(grp VARCHAR, value_h UBIGINT, last_date DATE)[] NOT NULL""",
    # 零报告: a station's declaration that it had nothing to report for a month and kind
    # (etl/zero_reports.py); a batch like any load, so it can be withdrawn. Completeness
    # counts a declared month as reported (etl/quality.py).
    "zero_reports": """
        station_code VARCHAR NOT NULL, county_code VARCHAR NOT NULL, month DATE NOT NULL,
        kind VARCHAR NOT NULL, batch_id VARCHAR NOT NULL""",
    # Rejected rows of every load, so data quality can report them by station over time.
    "load_rejects": """
        batch_id VARCHAR, file_name VARCHAR NOT NULL, sheet VARCHAR, excel_row INTEGER,
        column_name VARCHAR, value VARCHAR, reason_zh VARCHAR NOT NULL, reason_en VARCHAR NOT NULL,
        station_code VARCHAR, loaded_at TIMESTAMP NOT NULL""",
}


# Per-person columns the load derives after its files are in (etl/person_index.py), so that
# the dashboard counts distinct persons without a hash table over every row. For each table:
# the date that orders a person's rows, the columns that place a row (station or county),
# and the dimensions a count of persons can be cut by; `prev_gap_<dim>` is the number of days
# since the same person's previous row with the same value of <dim>, `prev_gap` since the
# previous row at all (NULL for the first); `month_key` is year * 12 + month - 1 of the row's
# date and `prev_month[_<dim>]` that of the same previous row (the dashboard sums rows per
# month: integers kept at load save two date conversions a row at every view); `multi_site`
# marks persons whose rows lie in more than one place; `person_no` is the person's number in
# `persons`.
PERSON_INDEX: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # Each dimension costs a sort of a narrow projection at load (a few seconds at 10M
    # rows); a cut without its column falls back to COUNT(DISTINCT person_no), 3-4 times
    # slower than the filtered count.
    "relief": ("relief_date", ("station_code",),
               ("relief_type", "recipient_group", "fund_source", "category")),
    "training": ("start_on", ("county_code",), ("course", "provider")),
    "medical_cards": ("issued_on", ("county_code",), ("kind",)),
}


# Stocks kept as monthly changes: fact table → (rollup table, entry date, exit date).
EVENT_ROLLUPS: dict[str, tuple[str, str, str]] = {
    "hardship_files": ("hardship_events", "registered_on", "exited_on"),
}


# Sums kept per month: fact table → (rollup table, date column); the rollup's `month` is the
# first day of the month, `payments` the number of rows and the other numbers their sums.
SUM_ROLLUPS: dict[str, tuple[str, str]] = {"relief": ("relief_monthly", "relief_date")}


# Persons (rows whose person has rows in one place only) counted per month, place and month
# of the previous row, at all and per dimension of PERSON_INDEX: fact table → rollup table.
PERSON_ROLLUPS: dict[str, str] = {"relief": "relief_persons"}

# Each person's last row per group of PERSON_INDEX (at all, per site, per dimension's value):
# fact table → table (etl/person_index.py keeps it with the per-person columns).
PERSON_LAST: dict[str, str] = {"relief": "relief_person_last"}


# Rows of one kind kept per Spring Festival season: fact table → (rollup table, date column,
# the column and value that select the rows; persons are told apart within that value).
SEASON_ROLLUPS: dict[str, tuple[str, str, str, str]] = {
    "relief": ("relief_seasons", "relief_date", "relief_type", "festival_condolence"),
}


# Tables whose rows come from files: the load replaces a changed row (same natural key),
# keeping the old row in `<table>_replaced` with the batch that replaced it, so a withdrawal
# of that batch brings it back (etl/withdraw.py). Only replaced rows are copied there.
LOADED = ("help_stations", "hardship_files", "relief", "fund_allocations", "loans", "training",
          "placements", "medical_cards", "medical_benefits", "petitions", "union_coverage",
          "npc_activities", "interventions", "targets")
ARCHIVE_SUFFIX = "_replaced"


def archive(table: str) -> str:
    """The table that keeps the rows of `table` later files replaced."""
    return table + ARCHIVE_SUFFIX


# Rows whose derived columns are still to be computed: written by this run, or by a version
# that derived fewer columns (month_key is never NULL once derived). The load fills them
# (etl/person_index.py); the dashboard uses the columns only when no row is pending.
PENDING = "person_no IS NULL OR month_key IS NULL"


def pending_keys(table: str) -> str:
    """A SELECT of the person_key of `table`'s PENDING rows (a row per row), as two scans
    of one IS NULL each: DuckDB skips the row groups whose statistics hold no NULL for one
    column, but scanned both columns of every row for the OR (40M relief rows: 15 ms warm
    against 1.4, read cold a second or more, in every load)."""
    return (f"SELECT person_key FROM {table} WHERE person_no IS NULL UNION ALL "
            f"SELECT person_key FROM {table} WHERE month_key IS NULL AND person_no IS NOT NULL")


def derived_columns(table: str) -> tuple[str, ...]:
    """Columns of `table` the load computes itself rather than reads from a file."""
    if table == "persons":
        return ("person_no",)
    if table not in PERSON_INDEX:
        return ()
    dims = PERSON_INDEX[table][2]
    return ("person_no", "multi_site", "prev_gap", *(f"prev_gap_{d}" for d in dims),
            "month_key", "prev_month", *(f"prev_month_{d}" for d in dims))


def ddl() -> list[str]:
    """CREATE TABLE statements for an empty warehouse: TABLES in order, then the archives."""
    return [*(f"CREATE TABLE IF NOT EXISTS {name} ({cols}{_derived_ddl(name)})"
              for name, cols in TABLES.items()),
            *(f"CREATE TABLE IF NOT EXISTS {archive(name)} "
              f"({TABLES[name].replace(' PRIMARY KEY', '')}, replaced_by VARCHAR NOT NULL)"
              for name in LOADED)]


def derived_type(column: str) -> str:
    return "BOOLEAN" if column == "multi_site" else "INTEGER"


def _derived_ddl(table: str) -> str:
    return "".join(f", {c} {derived_type(c)}" for c in derived_columns(table))
