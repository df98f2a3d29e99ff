"""The spellings a file may use for a region of this warehouse, and what each resolves to.

Built from the warehouse's `regions` table when a file starts loading (so a station
registered by the file before it is known) and from the national table's code changes: a
2012 roster that says 田阳县 or 451021 resolves to 451003 田阳区 with a note for the load
report, never silently. A name two regions share (市中区) is refused, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import polars as pl

from core import vocabulary
from etl import mappings, national


@dataclass(frozen=True)
class Found:
    code: str
    note_zh: str | None = None  # set when an old name or code was given
    note_en: str | None = None


AMBIGUOUS = Found("")  # a spelling shared by several regions


@dataclass
class RegionIndex:
    regions: pl.DataFrame  # region_code, parent_code, level, name_zh, name_en
    changes: tuple[national.CodeChange, ...] = ()
    within: str | None = None  # the uploading user's region: rows outside it are rejected
    _spellings: dict[str, dict[str, Found]] = field(default_factory=dict, repr=False)
    _enums: dict[str, pl.Enum] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, within: str | None = None) -> RegionIndex:
        frame = con.sql("SELECT region_code, parent_code, level, name_zh, name_en "
                        "FROM regions").pl()
        return cls(frame, national.code_changes(), within)

    @classmethod
    def national(cls) -> RegionIndex:
        """Every division of the country and no station (outside a load)."""
        return cls(national.in_scope(list(national.COUNTRY[:1])), national.code_changes())

    def find(self, level: str, text: str) -> Found | None:
        """The region a cell names (code, full name, name without 总工会, English name)."""
        if level not in self._spellings:
            self._spellings[level] = self._build(level)
        return self._spellings[level].get(mappings.normalise_value(text))

    def enum(self, level: str) -> pl.Enum:
        """The codes a column of this level may hold, as a Polars Enum (a byte a row)."""
        if level not in self._enums:
            self._enums[level] = pl.Enum(sorted(self._of_level(level)["region_code"]))
        return self._enums[level]

    @cached_property
    def allowed(self) -> frozenset[str] | None:
        """`within` and every region below it (None: no limit)."""
        if self.within is None:
            return None
        children: dict[str, list[str]] = {}
        for code, parent in self.regions.select("region_code", "parent_code").iter_rows():
            children.setdefault(parent, []).append(code)
        out, todo = set(), [self.within]
        while todo:
            out.add(code := todo.pop())
            todo += children.get(code, [])
        return frozenset(out)

    @cached_property
    def words(self) -> vocabulary.Words:
        """The words of these regions' deployment, for messages (core/vocabulary.py)."""
        return vocabulary.words_of(
            self.regions.select("region_code", "level", "name_zh").iter_rows())

    @cached_property
    def names(self) -> dict[str, str]:
        return dict(zip(self.regions["region_code"], self.regions["name_zh"], strict=True))

    def example(self, level: str) -> tuple[str, str]:
        """A code and name of this level from this warehouse, for messages."""
        rows = self._of_level("county" if level == "any" else level)
        if not rows.is_empty():
            first = rows.sort("region_code").row(0, named=True)
            return first["region_code"], first["name_zh"]
        counties = self._of_level("county").sort("region_code")
        code, name = ((counties["region_code"][0], counties["name_zh"][0]) if counties.height
                      else ("440106", "天河区"))
        return f"{code}001", f"{name}某某街道帮扶站"

    def county_of(self, code: str | None) -> str | None:
        """The county `code` lies in (a station's or township's code starts with its
        county's six digits), if it is a county of this warehouse or below one."""
        county = (code or "")[:6]
        return county if county in self._counties else None

    def county_named_in(self, text: str) -> str | None:
        """The one county of this warehouse whose name `text` (a file's name) contains."""
        named = [code for code, name in self._counties.items() if name and name in text]
        return named[0] if len(named) == 1 else None

    def first_county(self, code: str) -> str | None:
        """The first county-level division (by code) below the city or province `code`."""
        parents = dict(zip(self.regions["region_code"], self.regions["parent_code"],
                           strict=True))
        below = [c for c in self._counties if parents.get(c) == code
                 or parents.get(parents.get(c, ""), None) == code]
        return min(below) if below else None

    def station_example(self, county: str) -> tuple[str, str] | None:
        """The first station registered in `county` (None: it has none), for messages."""
        rows = (self._of_level("station").filter(pl.col("region_code").str.starts_with(county))
                .sort("region_code"))
        return (rows["region_code"][0], rows["name_zh"][0]) if rows.height else None

    @cached_property
    def _counties(self) -> dict[str, str]:
        rows = self._of_level("county")
        return dict(zip(rows["region_code"], rows["name_zh"], strict=True))

    def _of_level(self, level: str) -> pl.DataFrame:
        if level == "any":
            return self.regions
        return self.regions.filter(pl.col("level") == level)

    def _qualified(self, rows: pl.DataFrame) -> dict[str, Found]:
        """Spellings staff write beside the names, each taken only where it names one region
        and no region's own name: an autonomous division's short name (伊犁州, 察布查尔县) and
        a county after its city's name, full or short (伊犁哈萨克自治州霍城县, 伊犁州霍城县,
        乌鲁木齐市天山区)."""
        cities = {code: name for code, name, level in self.regions.select(
            "region_code", "name_zh", "level").iter_rows() if level == "city"}
        found: dict[str, set[str]] = {}
        for code, parent, level, name in rows.select(
                "region_code", "parent_code", "level", "name_zh").iter_rows():
            if level not in ("city", "county") or not name:
                continue
            own = [n for n in (name, national.short_name(name)) if n]
            city = cities.get(parent) if level == "county" else None
            prefixes = [""] + ([p for p in (city, national.short_name(city)) if p] if city else [])
            for prefix in prefixes:
                for n in own:
                    if prefix or n != name:
                        found.setdefault(prefix + n, set()).add(code)
        return {spelling: Found(next(iter(codes))) for spelling, codes in found.items()
                if len(codes) == 1}

    def _build(self, level: str) -> dict[str, Found]:
        out: dict[str, Found] = {}

        def add(spelling: str, found: Found) -> None:
            key = mappings.normalise_value(spelling)
            if key in out and out[key].code != found.code:
                out[key] = AMBIGUOUS
            else:
                out.setdefault(key, found)

        rows = self._of_level(level)
        for r in rows.iter_rows(named=True):
            found = Found(r["region_code"])
            add(r["region_code"], found)
            for name in {r["name_zh"], r["name_zh"].replace("总工会", ""), r["name_en"]}:
                if name:
                    add(name, found)
            if r["level"] == "county":
                add(f"{r['name_zh']}总工会", found)
        for spelling, found in self._qualified(rows).items():
            out.setdefault(mappings.normalise_value(spelling), found)
        codes = set(rows["region_code"])
        for change in self.changes:  # spellings in use now win over old ones
            if change.new_code in codes:
                note = Found(change.new_code, change.note_zh, change.note_en)
                for old in (change.old_code, change.old_name, f"{change.old_name}总工会"):
                    out.setdefault(mappings.normalise_value(old), note)
        return out
