"""Which regions a file may name, and the region checks of a sheet's rows.

The load hands each file's checks the warehouse's regions (`FileRegions`: the stations
registered so far, the uploading user's region); a cell naming a region resolves through
them, a station implies its county, and a row outside the user's region is rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import polars as pl

from core.messages import Message, Pair, register
from etl import parse, stations
from etl.extract import Sheet
from etl.messages import both
from etl.parse import ParseError
from etl.region_index import AMBIGUOUS, RegionIndex


@dataclass
class FileRegions:
    """The regions one file is checked against (the load makes one per file, with the
    stations registered so far), and the station codes a registry file assigns, counted on
    across its chunks."""
    index: RegionIndex
    _numbering: stations.Numbering | None = None
    name: str = ""  # the file's name (渝中区救助发放花名册202605.xlsx)

    @property
    def numbering(self) -> stations.Numbering:
        if self._numbering is None:
            self._numbering = stations.Numbering(self.index)
        return self._numbering

    @property
    def county(self) -> str | None:
        """The file's county as far as the load knows it before reading a row, for hints:
        the county of a user bound to one, else the one county the file's name names."""
        return (self.index.county_of(self.index.within)
                or self.index.county_named_in(self.name))


@cache
def national() -> RegionIndex:
    """The country's divisions and no station: what a column is checked against outside a
    load (built once; it does not change)."""
    return RegionIndex.national()


def region_codes(index: RegionIndex, level: str) -> pl.Enum:
    """The region codes of a level ("any": all) as a Polars Enum (validate.codes)."""
    return index.enum(level)


register("etl.region", {
    "station": ("帮扶站点", "help station"), "any": ("地区", "region"),
    "ambiguous": ("“{text}”对应多个{level}；请填写代码，如 {code}",
                  "'{text}' names more than one {level}; give its code, e.g. {code}"),
    "outside": ("{level}“{text}”（{found}）不在本系统的地区范围内；请只填写本系统所辖的{level}，"
                "如 {code} 或 {name}",
                "{level} '{text}' ({found}) lies outside this deployment's regions; "
                "give a {level} this deployment covers, e.g. {code} or {name}"),
    "unknown": ("未知的{level}“{text}”；请填写已有{level}的代码或全称，如 {code} 或 {name}",
                "Unknown {level} '{text}'; give the code or full Chinese name of a known "
                "{level}, e.g. {code} or {name}"),
    "higher": ("“{text}”是{found_level}，不是{level}；请填写其下的{level}，如 {code} {name}",
               "'{text}' is a division above that level ({found_level}); give one of its "
               "divisions at the level of {level}, e.g. {code} {name}"),
    "unknown_station": ("未知的{level}“{text}”；请先在“帮扶站点名录”中登记该站点后重新上传"
                        "（数据导入页可一键登记文件中的未知站点），或填写已有{level}的代码或全称，"
                        "如 {code} 或 {name}",
                        "Unknown {level} '{text}'; register the station first with a "
                        "help-station registry (帮扶站点名录) file, then upload again (the upload "
                        "page registers a file's unknown stations in one step), or give the code "
                        "or full Chinese name of a known {level}, e.g. {code} or {name}"),
    "unknown_station_none": ("未知的{level}“{text}”；{county}还没有已登记的{level}：请先在“帮扶站点名录”中"
                             "登记该站点后重新上传（数据导入页可一键登记文件中的未知站点）",
                             "Unknown {level} '{text}'; no {level} of {county} is registered "
                             "yet: register the station first with a help-station registry "
                             "(帮扶站点名录) file, then upload again (the upload page "
                             "registers a file's unknown stations in one step)"),
    "former": ("“{header}”中的“{text}”是旧区划，已按现行代码 {code} {name}载入（{note}）",
               "'{text}' in '{header}' is a former division; loaded as today's {code} {name} "
               "({note})"),
    "county_clash": ("{county}与帮扶站点不符：站点属于{name}；请核对站点或{column}",
                     "{county} does not match the help station, which belongs to {name} "
                     "({code}); check the station or {column}"),
    "outside_user": ("不在您的权限范围内：您的账号只能导入{name}（{code}）的数据；请删去这一行，"
                     "或请上级工会导入",
                     "outside your region: your account may load data of {name} ({code}) only; "
                     "remove the row, or ask the federation above to load it"),
    "no_region_kind": ("此类报表不分地区，只能由不限地区的账号导入；请交上级工会导入（您的账号限于{name}）",
                       "this kind of table has no region, so only an account without a region "
                       "may load it; ask the federation above (your account is limited to "
                       "{name})"),
})


def station_county(index: RegionIndex, raw: pl.Series) -> str | None:
    """The county most of the registered stations a column names lie in: the file's own,
    whose stations make the best example for the column's unknown ones."""
    found = [index.find("station", parse.clean(v)) for v in raw.drop_nulls().unique().to_list()]
    counties = [f.code[:6] for f in found if f is not None and f is not AMBIGUOUS]
    return max(sorted(set(counties)), key=counties.count) if counties else None


def region_parser(index: RegionIndex, level: str, notes: dict[str, object] | None = None,
                  county: str | None = None) -> Callable[[str], str]:
    """Cell text → region code; old names and codes resolve with a note added to `notes`.
    `county`: the file's, whose stations the hints give as examples (a 渝中区 file was
    told to write a 万州区 station), or say it has none registered; an unknown station whose
    name names a county (伊宁市解放路帮扶站) takes that county's instead."""
    # the county level in this deployment's words (区（市）县, 旗县（市、区）…)
    words = (Message(f"etl.region.{level}") if level in ("station", "any") else
             Pair(index.words.level(level), index.words.level(level, "en")))
    unknown, example = _hint(index, level, words, county)

    def parse_region(text: str) -> str:
        found = index.find(level, parse.clean(text))
        if found is AMBIGUOUS:
            raise ParseError("etl.region.ambiguous", text=text, **example)
        if found is None and level != "station" and index is not national():
            outside = national().find(level, parse.clean(text))
            if outside is not None and outside is not AMBIGUOUS:  # a real division, not ours
                raise ParseError("etl.region.outside", text=text, found=outside.code, **example)
        if found is None and level == "county":
            _higher(index, text, words)
        if found is None and level == "station" and (
                named := index.county_named_in(parse.clean(text))) not in (None, county):
            key, hint = _hint(index, level, words, named)
            raise ParseError(key, text=text, **hint)
        if found is None:
            raise ParseError(unknown, text=text, **example)
        if found.note_zh and notes is not None:
            notes[text] = found
        return found.code
    return parse_region


def _hint(index: RegionIndex, level: str, words: Message | Pair,
          county: str | None) -> tuple[str, dict[str, object]]:
    """The message of an unknown region and its example: a station of `county` when it has
    one, else that it has none; without a county, the warehouse's first of the level."""
    own = index.station_example(county) if level == "station" and county else None
    code, name = own or index.example(level)
    example: dict[str, object] = {"level": words, "code": code, "name": name}
    if level != "station":
        return "etl.region.unknown", example
    if county and own is None:
        return "etl.region.unknown_station_none", {**example, "county": index.names[county]}
    return "etl.region.unknown_station", example


def _higher(index: RegionIndex, text: str, words: Pair) -> None:
    """Refuse a city or province of this warehouse written where a county belongs (阿克苏地区
    in 所属县（市、区）), saying what it is and one of its counties, not that it is unknown."""
    for level in ("city", "province"):
        found = index.find(level, parse.clean(text))
        if found is not None and found is not AMBIGUOUS:
            county = index.first_county(found.code)
            if county is not None:
                raise ParseError("etl.region.higher", text=text,
                                 level=Pair(words.zh, words.en.lower()),
                                 found_level=Pair(index.words.level(level),
                                                  index.words.level(level, "en").lower()),
                                 code=county, name=index.names[county])


def region_notes(index: RegionIndex, header: str, notes: dict) -> list[Message]:
    names = index.names
    return [Message("etl.region.former", {"header": header, "text": text, "code": f.code,
                                          "name": names.get(f.code, ""),
                                          "note": Pair(f.note_zh, f.note_en)})
            for text, f in notes.items()]


def county_of(index: RegionIndex, stations: pl.Series) -> pl.Series:
    """The county of each help station (its code's first six digits), as `region_codes`,
    looked up per station code rather than sliced out of every row."""
    stations = stations.cast(region_codes(index, "station"))
    counties = pl.Series([code[:6] for code in stations.dtype.categories],
                         dtype=region_codes(index, "county"))
    return counties.gather(stations.to_physical())


# ---------------------------------------------------------------- a sheet's rows


def reconcile(index: RegionIndex, rows: pl.DataFrame, sheet: Sheet, data: pl.DataFrame):
    """A station implies its county; a county given that is not the station's is an error."""
    failures = []
    if "station_code" not in rows.columns:
        return rows, failures
    implied = county_of(index, rows["station_code"])
    if "county_code" in rows.columns:
        clash = (pl.col("county_code").is_not_null() & pl.col("station_code").is_not_null()
                 & (pl.col("county_code") != implied))
        bad = rows.with_columns(_clash=clash).filter(pl.col("_clash"))
        if bad.height:
            names = index.names
            header = sheet.headers["county"]
            raw = data.filter(pl.col("_row").is_in(bad["_row"].implode()))["county"]
            bad = bad.with_columns(pl.col("station_code").cast(pl.String))
            said = {"county": Pair(header, "County"), "column": Pair(header, "the county")}
            reasons = [both(Message("etl.region.county_clash", {
                **said, "name": names[s[:6]], "code": s[:6]})) for s in bad["station_code"]]
            failures.append(pl.DataFrame({
                "row": bad["_row"].cast(pl.Int64), "value": raw,
                "reason_zh": [zh for zh, _ in reasons], "reason_en": [en for _, en in reasons],
            }).with_columns(column=pl.lit(header)))
        rows = rows.with_columns(county_code=pl.coalesce(implied, pl.col("county_code")))
    else:
        rows = rows.with_columns(county_code=implied)
    return rows, failures


# Where a row says which region it belongs to: (row column, sheet column), narrowest first.
_PLACES = (("station_code", "station"), ("county_code", "county"), ("scope_code", "scope"),
           ("region_code", "region"))
PLACE_COLUMNS = frozenset(sheet_column for _, sheet_column in _PLACES)


def outside_user_region(index: RegionIndex, rows: pl.DataFrame, sheet: Sheet,
                        data: pl.DataFrame, unread: pl.Series | None = None
                        ) -> list[pl.DataFrame]:
    """Rows of a user bound to a region (RegionIndex.within) that lie outside it: a county's
    staff load their county only. A kind that names no region (labels) is theirs to load
    by no row. `unread`: whether each row's place could not be read (an unknown station):
    rejected for that already, such a row lies nowhere, not outside."""
    if index.allowed is None:
        return []
    places = [(c, s) for c, s in _PLACES if c in rows.columns and s in data.columns]
    allowed = pl.Series(sorted(index.allowed), dtype=pl.String).implode()
    inside = pl.lit(False)
    for column, _ in places:
        inside = inside | pl.col(column).cast(pl.String).is_in(allowed).fill_null(False)
    if unread is not None:
        inside = inside | pl.lit(unread)
    bad = rows.with_columns(_in=inside).filter(~pl.col("_in"))
    if not bad.height:
        return []
    code, name = index.within, index.names.get(index.within, index.within)
    header = sheet.headers[places[0][1]] if places else None
    raw = (data.filter(pl.col("_row").is_in(bad["_row"].implode()))[places[0][1]]
           if places else pl.repeat(None, bad.height, dtype=pl.String, eager=True))
    zh, en = both(Message("etl.region.outside_user" if places else "etl.region.no_region_kind",
                          {"name": name, "code": code}))
    return [pl.DataFrame({"row": bad["_row"].cast(pl.Int64), "value": raw.cast(pl.String),
                          "reason_zh": zh, "reason_en": en}
                         ).with_columns(column=pl.lit(header, dtype=pl.String))]

