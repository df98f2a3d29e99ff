"""Rows of a help-station registry (帮扶站点名录): codes checked, or assigned where the file
leaves them out, so that staff can list stations by name alone.

A station's code is its county's code + three digits (the county's own help centre is
usually +000); a file without codes keeps the code a station already has (same county and
name) and gives a new station the county's next free number. Townships (乡镇/街道) get
county code + three digits + 000 the same way. Numbers assigned in one file carry over from
one chunk to the next through the `Numbering` the load keeps for the file.
"""

from __future__ import annotations

import re

import polars as pl

from core.messages import Message, Pair, register
from etl import rejects as rj
from etl.messages import both
from etl.region_index import RegionIndex

register("etl.stations", {
    "bad_code": ("站点代码应为{county}的代码 {code} 加三位数字，如 {code}001；也可留空由系统编号",
                 "a station code is {county} code {code} and three digits, e.g. {code}001; "
                 "or leave it empty and a code is assigned"),
    "closed_before_opened": ("撤销日期早于成立日期；请核对",
                             "the closing date is before the opening date; check both"),
})

_CODE = re.compile(r"^\d{9}$")


class Numbering:
    """Codes in use and assigned so far: (county, name) → code, county → last number."""

    def __init__(self, index: RegionIndex) -> None:
        regions = index.regions
        stations = regions.filter(pl.col("level") == "station")
        townships = regions.filter(pl.col("level") == "township")
        self.stations = {(c[:6], n): c for c, n in zip(stations["region_code"],
                                                       stations["name_zh"], strict=True)}
        self.townships = {(c[:6], n): c for c, n in zip(townships["region_code"],
                                                        townships["name_zh"], strict=True)}
        self.last: dict[tuple[str, str], int] = {}
        for kind, codes in (("station", self.stations.values()),
                            ("township", self.townships.values())):
            for code in codes:
                if code[6:9].isdigit():
                    key = (kind, code[:6])
                    self.last[key] = max(self.last.get(key, -1), int(code[6:9]))

    def station(self, county: str, name: str) -> str:
        if (county, name) not in self.stations:
            self.stations[county, name] = f"{county}{self._next('station', county):03d}"
        return self.stations[county, name]

    def township(self, county: str, name: str) -> str:
        if (county, name) not in self.townships:
            self.townships[county, name] = f"{county}{self._next('township', county):03d}000"
        return self.townships[county, name]

    def _next(self, kind: str, county: str) -> int:
        number = self.last.get((kind, county), 0) + 1  # 000: the county's help centre
        self.last[kind, county] = number
        return number


def assign_codes(rows: pl.DataFrame, numbering: Numbering, headers: dict[str, str]
                 ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The rows with station and township codes, and the failed cells (a code that is not
    its county's code + three digits, a closing date before the opening one)."""
    counties = rows["county_code"].cast(pl.String).to_list()
    names = rows["name_zh"].to_list()
    given = rows["station_code"].to_list() if "station_code" in rows.columns else [None] * len(
        names)
    codes, bad = [], []
    for row, county, name, code in zip(rows["_row"], counties, names, given, strict=True):
        code = code.strip() if code else None
        if county is None or name is None:
            codes.append(code)
        elif code is None:
            codes.append(numbering.station(county, name))
        else:
            if not (_CODE.match(code) and code.startswith(county)):
                bad.append((row, code, county))
            codes.append(code)
            numbering.stations.setdefault((county, name), code)
    towns = [numbering.township(c, t.strip()) if c and t and t.strip() else None
             for c, t in zip(counties, _column(rows, "township_zh"), strict=True)]
    out = rows.with_columns(station_code=pl.Series(codes, dtype=pl.String),
                            township_code=pl.Series(towns, dtype=pl.String))
    return out, [f for f in (_bad_codes(bad, headers), _bad_dates(out, headers)) if f is not None]


def _column(rows: pl.DataFrame, name: str) -> list:
    return rows[name].to_list() if name in rows.columns else [None] * rows.height


def _bad_codes(bad: list[tuple], headers: dict[str, str]) -> pl.DataFrame | None:
    if not bad:
        return None
    county = Pair(f"“{headers['county']}”", "its county's")  # the file's header, in Chinese
    reasons = [both(Message("etl.stations.bad_code", {"county": county, "code": c}))
               for _, _, c in bad]
    return pl.DataFrame({
        "row": [b[0] for b in bad], "value": [b[1] for b in bad],
        "reason_zh": [zh for zh, _ in reasons], "reason_en": [en for _, en in reasons],
    }, schema_overrides={"row": pl.Int64}).with_columns(column=pl.lit(headers["station_code"]))


def _bad_dates(rows: pl.DataFrame, headers: dict[str, str]) -> pl.DataFrame | None:
    if "closed_on" not in rows.columns or "established_on" not in rows.columns:
        return None
    bad = rows.filter(pl.col("closed_on") < pl.col("established_on"))
    if bad.is_empty():
        return None
    return pl.DataFrame({
        "row": bad["_row"].cast(pl.Int64), "value": bad["closed_on"].cast(pl.String),
        **rj.reason(Message("etl.stations.closed_before_opened")),
    }).with_columns(column=pl.lit(headers["closed_on"]))
