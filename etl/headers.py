"""Which row of a sheet is its header, and which kind of file its headers say it is: the row
among the first few that best matches one kind's headers (etl/mappings/columns.csv), unit
suffixes such as （元） ignored.

A statistical form often keeps a two-row header: a group title merged across sub-headers
(救助情况 over 救助项目 | 资金来源 | 发放金额（元）) and the other headers merged down both rows,
their text in the upper cell only. When no single row holds the kind's required columns, two
adjacent rows are read as one (`two_rows`) and the data start below the second."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

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


@functools.lru_cache(maxsize=4096)  # bounded: the rows scanned hold data cells too
def _without_unit(key: str) -> str:
    """慰问金额（元） → 慰问金额: a unit in brackets is a variant, not another column."""
    return re.sub(r"（[^）]*）$", "", key)


@dataclass(frozen=True)
class HeaderMatch:
    row: int  # the header's (last) row: the data start below it
    kind: str
    columns: dict[int, Column]  # position in the row → column of the kind
    dropped: int  # recognised-and-dropped headers (序号, 姓名, ...)
    depth: int = 1  # rows the header spans: 2 for a group title over sub-headers
    joined: bool = False  # two rows: sub-headers read with their group title (`two_rows`)

    @property
    def score(self) -> tuple[int, float]:
        share = len(self.columns) / len(mappings.columns(self.kind))
        return len(self.columns) + self.dropped, share


def match_row(row: list[str | None], index: int) -> HeaderMatch | None:
    """The kind whose headers this row matches best, or None if it matches none."""
    keys = [header_key(c) for c in row]
    named = [_columns_named(k) for k in keys]  # per position, the columns its header names
    dropped = sum(k in DROPPED_HEADERS for k in keys)
    best = None
    hit = {c.kind for cols in named for c in cols}  # most rows scanned are data: none
    for kind in mappings.kinds():
        if kind not in hit:
            continue
        found: dict[int, Column] = {}
        for col in mappings.columns(kind):  # each column at its first free position
            pos = next((i for i, cols in enumerate(named) if col in cols and i not in found),
                       None)
            if pos is not None:
                found[pos] = col
        if len(found) >= 2:
            match = HeaderMatch(index, kind, found, dropped)
            if best is None or match.score > best.score:
                best = match
    return best


@dataclass(frozen=True)
class _Index:
    """Per mappings: each header → the columns it names, the same without a unit, and the
    county columns, which a header in any region's words names."""
    kinds: dict
    exact: dict[str, frozenset[Column]]
    unitless: dict[str, frozenset[Column]]
    county: frozenset[Column]


_index: list[_Index] = []


def _index_of(kinds: dict) -> _Index:
    if not _index or _index[0].kinds is not kinds:  # the mappings were read again
        every = [c for kind in kinds for c in mappings.columns(kind)]
        exact: dict[str, set[Column]] = {}
        unitless: dict[str, set[Column]] = {}
        for col in every:
            for h in col.headers:
                exact.setdefault(h, set()).add(col)
                unitless.setdefault(_without_unit(h), set()).add(col)
        _index[:] = [_Index(kinds, {h: frozenset(c) for h, c in exact.items()},
                            {h: frozenset(c) for h, c in unitless.items()},
                            frozenset(c for c in every if c.type == "county"))]
    return _index[0]


def _columns_named(key: str) -> frozenset[Column]:
    """The columns, of every kind, that a header names: by one of their headers, with or
    without its unit, or (the county column) in any region's words (所属区（市）县, 旗县 …)."""
    if not key:
        return frozenset()
    index = _index_of(mappings.kinds())  # the same dict until the mappings' caches are cleared
    found = index.exact.get(key, frozenset()) | index.unitless.get(_without_unit(key),
                                                                   frozenset())
    return found | index.county if vocabulary.is_county_header(key) else found


def find_header(head: list[list[str | None]]) -> HeaderMatch | None:
    """The best single header row; two rows read as one (`two_rows`) only where that row
    lacks required columns and the pair has fewer missing (of the same kind) or none, so a
    one-row header is found exactly as before."""
    matches = [m for i, row in enumerate(head) if (m := match_row(row, i))]
    best = max(matches, key=lambda m: m.score, default=None)
    if best is not None and not missing(best):
        return best
    pairs = [replace(m, depth=2, joined=joined) for i in range(1, len(head))
             for joined in (False, True)
             if (m := match_row(two_rows(head[i - 1], head[i], joined), i))]
    pair = max(pairs, key=lambda m: (-len(missing(m)), m.score), default=None)
    if pair is None or (missing(pair) and (
            best is None or pair.kind != best.kind or len(missing(pair)) >= len(missing(best)))):
        return best
    return pair


def missing(match: HeaderMatch) -> list[Column]:
    """The kind's required columns the header lacks."""
    found = set(match.columns.values())
    return [c for c in mappings.columns(match.kind) if c.required and c not in found]


def header_cells(head: list[list[str | None]], match: HeaderMatch) -> list[str | None]:
    """The header as one row: the matched row, or the two rows read as one."""
    if match.depth == 1:
        return head[match.row]
    return two_rows(head[match.row - 1], head[match.row], match.joined)


def two_rows(upper: list[str | None], lower: list[str | None],
             joined: bool = False) -> list[str | None]:
    """Two header rows as one: per column the lower cell's text where it has one, else the
    upper's (a header merged down both rows has its text in the upper cell only). `joined`:
    a lower cell is read with its group title before it where that names a column (发放 over
    金额 | 日期 → 发放金额 | 发放日期; 日期 alone is another kind's); the title is in the group's
    first upper cell, the other cells of a merged cell being empty."""
    width = max(len(upper), len(lower))
    upper = [*upper, *[None] * (width - len(upper))]
    lower = [*lower, *[None] * (width - len(lower))]
    out: list[str | None] = []
    title = None  # the group title over this column: the last upper text with a lower below
    for up, low in zip(upper, lower, strict=True):
        if _text(up):
            title = str(up).strip() if _text(low) else None
        if not _text(low):
            out.append(up)
        elif joined and title and _columns_named(header_key(whole := title + str(low).strip())):
            out.append(whole)
        else:
            out.append(low)
    return out


def _text(cell: object) -> bool:
    return cell is not None and bool(str(cell).strip())
