"""The per-person columns a load writes on its way into an empty table equal those that
person_index.refresh computes afterwards, and a load in two files (the second one's persons
updated after the files are in) leaves the same columns as a load in one."""

from __future__ import annotations

import random
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from core import schema
from etl import load, parse, person_index, staging
from sample import regions as sample_regions
from tests.registry import registered

STATIONS = [r.region_code for r in sample_regions.all_regions() if r.level == "station"][:8]
TYPES = ["两节慰问", "临时救助", "医疗救助", "金秋助学"]
SOURCES = ["中央财政专项", "自治区专项", "工会自筹"]
CATEGORIES = ["低收入", "下岗失业", ""]


def _roster(seed: int, persons: int = 40, rows: int = 600) -> pl.DataFrame:
    rng = random.Random(seed)
    ids = [parse.make_id(f"150702{1950 + p % 40}0101{p:03d}") for p in range(persons)]
    out = []
    for _ in range(rows):
        p = rng.randrange(persons)
        # Every fifth person gets relief at two stations; dates repeat, so ties need breaking.
        station = rng.choice(STATIONS) if p % 5 == 0 else STATIONS[p % len(STATIONS)]
        day = date(2012, 1, 1) + timedelta(days=rng.randrange(60))
        out.append({"身份证号码": ids[p], "帮扶站点": station, "帮扶类型": rng.choice(TYPES),
                    "资金来源": rng.choice(SOURCES), "困难类别": rng.choice(CATEGORIES),
                    "金额（元）": str(rng.randrange(1, 40) * 50), "发放日期": day.isoformat()})
    return pl.DataFrame(out).unique(["身份证号码", "帮扶站点", "帮扶类型", "发放日期"],
                                    keep="first", maintain_order=True)


def _columns(db, skip: tuple[str, ...] = ()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        derived = ", ".join(c for c in schema.derived_columns("relief") if c not in skip)
        return sorted(con.sql(f"SELECT relief_id, {derived} FROM relief").fetchall(), key=str)
    finally:
        con.close()


@pytest.mark.parametrize("in_memory_bytes", [staging.IN_MEMORY_BYTES, 1000])
def test_insert_time_columns_equal_a_refresh(tmp_path, monkeypatch, in_memory_bytes):
    monkeypatch.setattr(staging, "IN_MEMORY_BYTES", in_memory_bytes)  # 1000: Parquet stage
    path = tmp_path / "roster.csv"
    _roster(1).write_csv(path)
    db = tmp_path / "w.duckdb"
    load.load_files([path], registered(db), rejects_dir=tmp_path / "rej")
    written = _columns(db)
    assert written and all(r[1] is not None for r in written)  # person_no filled on insert
    con = duckdb.connect(str(db))
    derived = schema.derived_columns("relief")
    con.sql(f"UPDATE relief SET {', '.join(f'{c} = NULL' for c in derived)}")
    person_index.refresh(con)
    con.close()
    assert _columns(db) == written


def test_two_files_equal_one(tmp_path):
    roster = _roster(2)
    whole, first, second = (tmp_path / n for n in ("whole.csv", "first.csv", "second.csv"))
    roster.write_csv(whole)
    roster.head(roster.height // 2).write_csv(first)
    roster.tail(roster.height - roster.height // 2).write_csv(second)
    load.load_files([whole], registered(tmp_path / "one.duckdb"), rejects_dir=tmp_path / "rej")
    load.load_files([first], registered(tmp_path / "two.duckdb"), rejects_dir=tmp_path / "rej")
    load.load_files([second], tmp_path / "two.duckdb", rejects_dir=tmp_path / "rej")
    # Persons are numbered in the order batches first saw them: the numbers differ.
    skip = ("person_no",)
    assert _columns(tmp_path / "two.duckdb", skip) == _columns(tmp_path / "one.duckdb", skip)
