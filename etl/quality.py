"""Data-quality and fund-compliance checks, computed at load time into the `dq_*` tables.

Whole-table checks (duplicates across stations, outliers, fund totals) take seconds on 10^7
rows, so the load runs them once (`refresh`) and the pages only read their results. Each check
is a named SQL statement in etl/checks/ beside its contract (what it flags, its thresholds,
how its findings are counted); this module runs them in order and sums them up.
Every finding is stored with the masked ID (`persons.id_masked`), never the person key, so
the tables can be shown and exported to an auditor as they are.

After a load or a withdrawal only the findings the batch can change are recomputed
(`refresh(con, scoped=True)`: each check's `Scope`, etl/checks/, over the keys etl/touched.py
recorded), with the same findings as a full refresh; a change of the rule files or of the
checks' SQL (`VERSION`), or a warehouse without the findings yet, makes it a full one.

Rules staff may change live in etl/mappings/fund_rules.csv (which relief types and recipient
groups each fund source may pay for) and etl/mappings/relief_standards.csv (per-person
standards); a snapshot of both is stored with the findings (`dq_fund_rules`,
`dq_relief_standards`), so a finding can always be read against the rule that raised it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl

from core import engine, festival, schema
from etl import regions, swap
from etl.checks import CHECKS, STATEMENTS
from etl.quality_rules import (
    FUND_RULES_CSV,
    RELIEF_STANDARDS_CSV,
    read_fund_rules,
    read_relief_standards,
)


def refresh(con: duckdb.DuckDBPyConnection, *, fund_rules: Path | None = None,
            relief_standards: Path | None = None, scoped: bool = False) -> None:
    """(Re)compute every `dq_*` table from the warehouse tables on a read-write connection;
    with `scoped`, only the findings of the keys etl/touched.py recorded (a full refresh
    when the rules changed or a table is missing).

    The rule files default to etl/mappings/fund_rules.csv and relief_standards.csv."""
    # a warehouse from before 零报告 (`python -m etl.quality` does not migrate it)
    con.execute(f"CREATE TABLE IF NOT EXISTS zero_reports ({schema.TABLES['zero_reports']})")
    rules, version = _judged_by(con, Path(fund_rules or FUND_RULES_CSV),
                                Path(relief_standards or RELIEF_STANDARDS_CSV))
    kept = _unchanged(con, rules, version)
    scoped = scoped and kept
    for name, df in rules.items() if not kept else ():  # else the same rows are there
        con.register("_df", df)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _df")
        con.unregister("_df")
    empty = _empty_drivers(con) if scoped else frozenset()
    for statement in STATEMENTS:  # etl/checks/, in order (relief_campaigns first)
        if scoped:
            statement.refresh(con, empty)
        else:
            statement.run(con)
    con.execute("DROP VIEW IF EXISTS dq_relief_campaigns")
    _store_summary(con, version)


# The touched tables (etl/touched.py) some check is driven by (its Scope.driven_by).
DRIVERS = tuple(sorted({t for s in STATEMENTS for t in s.scope.driven_by}))


def _empty_drivers(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The DRIVERS without a row, in one query."""
    empty = con.execute("SELECT " + ", ".join(f"NOT EXISTS (FROM {t})" for t in DRIVERS)
                        ).fetchall()[0]
    return frozenset(t for t, none in zip(DRIVERS, empty, strict=True) if none)


# The rule tables and their version made last, by the deployment's scope and the rule files'
# paths and contents: made for every load, they took ~10 ms of CPU (the rule texts in the
# deployment's words, a CSV of each table for the version).
_JUDGED: dict[tuple, tuple[dict[str, pl.DataFrame], str]] = {}


def _judged_by(con: duckdb.DuckDBPyConnection, fund_rules: Path,
               relief_standards: Path) -> tuple[dict[str, pl.DataFrame], str]:
    """`_rule_tables` of the rule files and their `_version`, made again when the scope
    (the words the rule texts take) or a file's content differs from the last time."""
    def contents() -> tuple[bytes, bytes]:
        return fund_rules.read_bytes(), relief_standards.read_bytes()

    key = (tuple(regions.scope(con)), str(fund_rules), str(relief_standards), contents())
    if key in _JUDGED:
        return _JUDGED[key]
    rules = _rule_tables(con, read_fund_rules(fund_rules),
                         read_relief_standards(relief_standards))
    made = rules, _version(rules)
    if contents() == key[-1]:  # kept only if the files did not change while they were read
        _JUDGED.clear()
        _JUDGED[key] = made
    return made


def _rule_tables(con: duckdb.DuckDBPyConnection, rules: pl.DataFrame,
                 standards: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The rules the findings are judged by, as stored beside them."""
    words = regions.words(con)  # rule texts in the deployment's words ({county} …)
    checks = pl.DataFrame([{**c.catalogue(), "ord": i} for i, c in enumerate(CHECKS)])
    checks, rules = (df.with_columns(
        pl.col("rule_zh").map_elements(words.fill, return_dtype=pl.String),
        pl.col("rule_en").map_elements(lambda text: words.fill(text, "en"),
                                       return_dtype=pl.String)) for df in (checks, rules))
    return {"dq_fund_rules": rules, "dq_relief_standards": standards,
            "dq_festival_seasons": festival.frame(), "dq_checks": checks}


# Tables a scoped refresh keeps rows of: without them, it is a full one.
KEPT = (*(s.table for s in STATEMENTS if s.table != "dq_relief_campaigns"),  # a view
        "dq_amount_groups", "dq_amount_p99", "dq_amount_stratum_counts")

# The statements as this code writes them, stored in dq_meta: findings kept by other code
# (other columns, another rule) are made again whole, not patched.
VERSION = hashlib.sha256(repr([
    (s.sql, [b if isinstance(b, str) else f"{b.__module__}.{b.__qualname__}" for b in s.before],
     sorted(s.params.items()), s.by_period, sorted(s.tables.items())) for s in STATEMENTS]
    ).encode()).hexdigest()[:16]


def _version(rules: dict[str, pl.DataFrame]) -> str:
    """VERSION and a digest of the rules the findings were judged by, as dq_meta keeps them:
    one comparison says both are the same (comparing the rule tables row by row, and
    writing them again, took a fifth of the checks' time in a small warehouse's load)."""
    digest = hashlib.sha256()
    for name, df in sorted(rules.items()):
        digest.update(f"{name}\0{df.schema}\0".encode())
        digest.update(df.write_csv().encode())
    return f"{VERSION}:{digest.hexdigest()[:16]}"


def _unchanged(con: duckdb.DuckDBPyConnection, rules: dict[str, pl.DataFrame],
               version: str | None = None) -> bool:
    """Whether the findings kept are still valid: every table there, the same checks and
    the same rules (as `_version` says, or, where an earlier version stored VERSION alone,
    as the rule tables hold them); `version` is `_version(rules)` when the caller has it."""
    have = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()}
    if not set(KEPT) <= have or not set(rules) <= have or "dq_meta" not in have:
        return False
    try:
        stored = con.execute("SELECT any_value(version) FROM dq_meta").fetchall()
    except duckdb.Error:  # findings from before the version was stored
        return False
    if stored == [(version or _version(rules),)]:
        return True
    if stored != [(VERSION,)]:
        return False
    for name, df in rules.items():
        con.register("_df", df)
        try:
            differ = con.execute(f"""SELECT (SELECT count(*) FROM (FROM _df EXCEPT ALL
                                                                  FROM {name}))
                                          + (SELECT count(*) FROM (FROM {name} EXCEPT ALL
                                                                  FROM _df))""").fetchall()
        except duckdb.Error:  # the columns changed
            return False
        finally:
            con.unregister("_df")
        if differ[0][0]:
            return False
    return True


def _store_summary(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """One row per check: findings, rows behind them and the money involved (each check's
    `summary`, etl/checks/)."""
    parts = "\nUNION ALL ".join(
        f"SELECT '{c.code}' AS code, * FROM ({c.summary})" for c in CHECKS)
    con.execute(f"""
CREATE OR REPLACE TABLE dq_summary AS
SELECT code, findings::BIGINT AS findings, coalesce(rows, 0)::BIGINT AS rows,
       amount_yuan::DECIMAL(18,2) AS amount_yuan
FROM ({parts})
""")
    con.execute("CREATE OR REPLACE TABLE dq_meta AS SELECT now()::TIMESTAMP AS computed_at, "
                "$version AS version", {"version": version})


def refresh_warehouse(db_path: Path) -> None:
    """Recompute the findings of an existing warehouse after the rule files changed.

    Same lock, copy and swap as a load (etl/swap.py), so readers see the old findings or the
    new.
    """
    swap.rewrite(Path(db_path), refresh)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from core.warehouse import warehouse_path

    parser = argparse.ArgumentParser(
        prog="python -m etl.quality",
        description="Recompute the data-quality and compliance findings (after editing "
                    "etl/mappings/fund_rules.csv or relief_standards.csv).")
    parser.add_argument("--db", type=Path, default=warehouse_path())
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"no warehouse at {args.db}")
    refresh_warehouse(args.db)
    con = engine.connect(str(args.db), read_only=True)
    try:
        for code, findings in con.sql("SELECT code, findings FROM dq_summary").fetchall():
            print(f"{code}: {findings}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    from core import cli

    cli.run(main)
