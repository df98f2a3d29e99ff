"""Station files for the tests of the incremental refresh (etl/derived.py) and of its scoped
parts (test_incremental_refresh, test_quality_scope, test_rollup_scope): the stations of a
registered warehouse, CSV rosters of them, and the derived tables compared with a full
refresh's."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from core import engine, schema
from etl import derived, marts, rollups
from etl.parse import make_id
from tests.warehouse_diff import differences

PERSONS = [make_id(f"150702{1960 + i}0{1 + i % 9}1{i % 9}{i:03d}") for i in range(14)]
RELIEF_HEADER = ["序号", "姓名", "身份证号码", "帮扶站点", "帮扶类型", "资金来源", "金额（元）",
                 "发放日期", "救助对象类别"]
DERIVED = {*rollups.tables(), *marts.tables(), *schema.PERSON_INDEX, *schema.PERSON_LAST.values(),
           "persons"}


def stations(db: Path) -> list[str]:
    """Three stations of the first county of the registered warehouse and one of the second
    (the first county's relief type strata reach the robust z's 20 rows)."""
    with engine.attached(db) as con:
        rows = con.sql("SELECT region_code, parent_code FROM regions WHERE level = 'station' "
                       "ORDER BY region_code").fetchall()
    counties = sorted({p for _, p in rows})[:2]
    return [s for c, n in zip(counties, (3, 1), strict=True)
            for s in [s for s, p in rows if p == c][:n]]


def csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def derived_tables(names: set[str]) -> set[str]:
    """The derived tables: the findings and their statistics (dq_*, but `dq_meta`: the time
    they were computed), the rollups and the fact tables with per-person columns."""
    assert DERIVED <= names
    return ({t for t in names if t.startswith("dq_")} - {"dq_meta"}) | DERIVED


def derived_differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    return differences(a, b, derived_tables)


def full_refresh_of(db: Path, tmp: Path) -> Path:
    copy = tmp / "full.duckdb"
    shutil.copyfile(db, copy)
    derived.refresh_warehouse(copy)
    return copy


def dated_rows(station: str, amounts: list[int], start: int) -> list[list[str]]:
    """One 临时救助 row per amount, a day apart from 1 January 2012 + `start` days."""
    day = dt.date(2012, 1, 1)
    return [[str(i), "某某", PERSONS[i % len(PERSONS)], station, "临时救助", "工会自筹",
             str(a), (day + dt.timedelta(days=start + i)).isoformat(), ""]
            for i, a in enumerate(amounts, start=1)]
