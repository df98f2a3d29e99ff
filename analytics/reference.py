"""Reference data of the warehouse the pages and queries share: the region hierarchy (regions,
their levels and subtrees), label domains and the span of the relief data; each kept per
warehouse file (`db.per_file`), since only a load changes them."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from analytics import db
from analytics.filters import COUNTRY

# GB/T 2260 code changes (old code → today's), kept by staff beside the ETL's other mappings;
# read here as a file, not through etl (analytics never imports it).
CODE_CHANGES = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "region_changes.csv"


@db.per_file
def regions() -> pl.DataFrame:
    """region_code, parent_code, level, name_zh, name_en of every region."""
    return db.query("SELECT region_code, parent_code, level, name_zh, name_en FROM regions "
                    "ORDER BY region_code")


@db.per_file
def _hierarchy() -> tuple[dict[str, list[str]], dict[str, str]]:
    """(parent code → child codes, code → level)."""
    tree: dict[str, list[str]] = defaultdict(list)
    levels = {}
    for code, parent, level in regions().select("region_code", "parent_code",
                                                "level").iter_rows():
        levels[code] = level
        if parent is not None:
            tree[parent].append(code)
    return dict(tree), levels


@db.per_file
def parent_codes() -> dict[str, str | None]:
    """Region code → its parent's code (None at the top)."""
    return dict(regions().select("region_code", "parent_code").iter_rows())


def children() -> dict[str, list[str]]:
    return _hierarchy()[0]


def _levels() -> dict[str, str]:
    return _hierarchy()[1]


def scope_codes(code: str) -> list[str]:
    """The region and every region below it."""
    tree, out, todo = children(), [], [code]
    while todo:
        out.append(c := todo.pop())
        todo += tree.get(c, [])
    return sorted(out)


def lineage(code: str) -> list[str]:
    """The region and every region above it, up to the top."""
    parents, out = parent_codes(), []
    while code is not None and code not in out:
        out.append(code)
        code = parents.get(code)
    return out


def root_region() -> str:
    """The top of this deployment's hierarchy: from the country down while a region has one
    child only (a 广州市 warehouse starts at 440100, the sample at 全国 with two provinces)."""
    tree, code = children(), COUNTRY
    while len(tree.get(code, [])) == 1 and _levels().get(code) not in ("county", "township"):
        code = tree[code][0]
    return code


def has_townships(code: str) -> bool:
    """Whether some of the region's children are townships (乡镇/街道): its breakdown by
    sub-region then groups stations by the child they lie under."""
    levels = _levels()
    return any(levels.get(c) == "township" for c in children().get(code, []))


def region_level(code: str) -> str:
    level = _levels().get(code)
    if level is None:
        raise KeyError(f"unknown region {code}")
    return level


@db.per_file
def labels(domain: str) -> dict[str, tuple[str, str]]:
    """code → (label_zh, label_en) of one label domain."""
    rows = db.query("SELECT code, label_zh, label_en FROM labels WHERE domain = $d",
                    {"d": domain})
    return {c: (z, e) for c, z, e in rows.iter_rows()}


@db.per_file
def data_range() -> tuple[date, date] | None:
    """First and last month with relief, the backbone series of the sample."""
    row = db.query("SELECT min(relief_date) AS lo, max(relief_date) AS hi FROM relief")
    lo, hi = row["lo"][0], row["hi"][0]
    return (lo.replace(day=1), hi.replace(day=1)) if lo else None


@cache
def code_changes() -> dict[str, str]:
    """Old division code → today's, a chain of changes followed to its end (a boundary file
    or roster of 2012 that names 田阳县 451021 finds 田阳区 451003)."""
    with open(CODE_CHANGES, encoding="utf-8", newline="") as f:
        step = {r["old_code"]: r["new_code"] for r in csv.DictReader(f)}
    out = {}
    for old, new in step.items():
        seen = {old}
        while new in step and new not in seen:  # a code changed twice
            seen.add(new)
            new = step[new]
        out[old] = new
    return out
