"""Which row of a sheet is its header, and which kind of file its headers say it is: the row
among the first few that best matches one kind's headers (etl/mappings/columns.csv), unit
suffixes such as （元） ignored."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from core import vocabulary
from etl import mappings
from etl.mappings import Column

HEADER_SCAN_ROWS = 12  # the rows looked at for the header

# Recognised, then dropped: names and contact details are never stored.
DROPPED_HEADERS = {
    mappings.normalise_header(h) for h in (
        "序号", "姓名", "职工姓名", "工作单位", "单位", "所在单位", "联系电话", "电话", "手机号码",
        "联系方式", "备注", "家庭人口", "家庭人口数", "月人均收入", "家庭月人均收入", "家庭住址",
        "住址", "领取人签字", "签字", "签名", "本人签字")
}


def header_key(cell: object) -> str:
    return mappings.normalise_header(cell).strip("*:：") if cell is not None else ""


@functools.cache
def _without_unit(key: str) -> str:
    """慰问金额（元） → 慰问金额: a unit in brackets is a variant, not another column."""
    return re.sub(r"（[^）]*）$", "", key)


@functools.cache
def _unitless_headers(col: Column) -> frozenset[str]:
    return frozenset(_without_unit(h) for h in col.headers)


def _header_matches(key: str, col: Column) -> bool:
    # cached: a header row is matched against every column of every kind
    if not key:
        return False
    if key in col.headers or _without_unit(key) in _unitless_headers(col):
        return True
    # the county column in any region's words (所属区（市）县, 县（市、区）, 旗县 …)
    return col.type == "county" and vocabulary.is_county_header(key)


@dataclass(frozen=True)
class HeaderMatch:
    row: int
    kind: str
    columns: dict[int, Column]  # position in the row → column of the kind
    dropped: int  # recognised-and-dropped headers (序号, 姓名, ...)

    @property
    def score(self) -> tuple[int, float]:
        share = len(self.columns) / len(mappings.columns(self.kind))
        return len(self.columns) + self.dropped, share


def match_row(row: list[str | None], index: int) -> HeaderMatch | None:
    """The kind whose headers this row matches best, or None if it matches none."""
    keys = [header_key(c) for c in row]
    dropped = sum(k in DROPPED_HEADERS for k in keys)
    best = None
    for kind in mappings.kinds():
        found: dict[int, Column] = {}
        for col in mappings.columns(kind):
            pos = next((i for i, k in enumerate(keys)
                        if i not in found and _header_matches(k, col)), None)
            if pos is not None:
                found[pos] = col
        if len(found) >= 2:
            match = HeaderMatch(index, kind, found, dropped)
            if best is None or match.score > best.score:
                best = match
    return best


def find_header(head: list[list[str | None]]) -> HeaderMatch | None:
    matches = [m for i, row in enumerate(head) if (m := match_row(row, i))]
    return max(matches, key=lambda m: m.score, default=None)
