"""The words of a deployment: what its levels and its provincial special fund are called,
derived from the names of the divisions in its scope (GB/T 2260 names carry their type).

Chinese administrative language differs by region (DESIGN.md, "Words of a deployment"), so
these are data, never fixed text: a Sichuan city's federation reads 区（市）县 and 省级专项,
Inner Mongolia's 旗县（市、区） and 自治区专项, 北京市朝阳区's 区 and 市级专项.

The rule for a level's label (`compose`):

* the types present among the level's divisions, by each name's last word: 旗 (自治旗 too),
  县 (自治县 too), 市, 区 (林区, 特区, 新区 too) at the county level; 市, 州 (自治州), 地区, 盟
  at the city level; 省, 区 (自治区), 市 (直辖市) at the province level;
* written in the order local usage writes them (`COUNTY_STYLES`: Inner Mongolia 旗县（市、区）,
  Sichuan 区（市）县, Chongqing 区县, elsewhere 县（市、区）), types marked plain as they are and
  the others in brackets, 、 between them; a type the deployment lacks is left out
  (a city of 县 and 区 only: 县（区）; a municipality's districts: 区), and a label never starts
  with a bracket (its first type is then written plain: 市（区）);
* a deployment spanning provinces of different usage takes Inner Mongolia's when it has 旗
  (its banners lead, as in the sample of Inner Mongolia and Guangxi), else the common one;
* one type alone is written in full (自治州, 自治区).

The provincial special fund (one code, `provincial_special`) is 省级专项 in a province,
自治区专项 in an autonomous region, 市级专项 in a municipality, and 省级专项 — the general
word for all three (省级 = provincial level) — when the scope spans more than one kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.messages import pick

PROVINCIAL_FUND = ("fund_source", "provincial_special")  # (domain, code) of the fund
LEVELS = ("province", "city", "county")

# Each level: type → (word in a compound label, word alone, English).
_TYPES = {
    "county": {"旗": ("旗", "旗", "banner"), "县": ("县", "县", "county"),
               "市": ("市", "市", "city"), "区": ("区", "区", "district")},
    "city": {"市": ("市", "市", "city"), "州": ("州", "自治州", "autonomous prefecture"),
             "地区": ("地区", "地区", "prefecture"), "盟": ("盟", "盟", "league")},
    "province": {"省": ("省", "省", "province"), "区": ("区", "自治区", "autonomous region"),
                 "市": ("市", "市", "municipality")},
}
# Usage: (type, written plain?) in order. Inner Mongolia 旗县（市、区）, Sichuan 区（市）县,
# Chongqing 区县, elsewhere 县（市、区）; by the province's first two code digits.
_COMMON = (("县", True), ("市", False), ("区", False), ("旗", False))
_BANNER = (("旗", True), ("县", True), ("市", False), ("区", False))
COUNTY_STYLES = {"15": _BANNER, "51": (("区", True), ("市", False), ("县", True)),
                 "50": (("区", True), ("县", True))}
CITY_STYLES = {"15": (("盟", True), ("市", True))}
_CITY_COMMON = (("市", True), ("州", False), ("地区", False), ("盟", False))
_PROVINCE_COMMON = (("省", True), ("区", False), ("市", False))
_FUND = {"省": ("省级专项", "provincial special fund"),
         "区": ("自治区专项", "autonomous-region special fund"),
         "市": ("市级专项", "municipal special fund")}
# 市级专项 is the provincial fund in a municipality only; elsewhere a city's own special fund
# is local fiscal money (地方财政配套), never the province's.
MUNICIPAL_FUND_WORDS = ("市级专项", "市级财政专项", "市级专项资金", "市专项", "市财政专项")
# Where no deployment is known (a template made outside a warehouse): the common usage.
GENERAL = {"province": ("省", "Province"), "city": ("市", "City"),
           "county": ("县（市、区）", "County, city or district")}


@dataclass(frozen=True)
class Words:
    """A deployment's words: each level's label and the provincial special fund's label,
    each (Chinese, English)."""

    province: tuple[str, str]
    city: tuple[str, str]
    county: tuple[str, str]
    provincial_fund: tuple[str, str]

    def level(self, level: str, lang: str = "zh") -> str:
        return pick(getattr(self, level), lang)

    def fund(self, lang: str = "zh") -> str:
        return pick(self.provincial_fund, lang)

    @property
    def county_header(self) -> str:
        """The county column's header in this deployment's templates: 所属区（市）县."""
        return f"所属{self.county[0]}"

    def label(self, domain: str, code: str, zh: str, en: str) -> tuple[str, str]:
        """A coded value's label as this deployment says it (the fund, the levels), else
        the mapping's own."""
        if (domain, code) == PROVINCIAL_FUND:
            return self.provincial_fund
        if domain == "level" and code in LEVELS:
            return getattr(self, code)
        return zh, en

    def fund_synonyms(self) -> dict[str, str]:
        """Spellings whose fund depends on the deployment: 市级专项 → the provincial fund in
        北京市, 天津市, 上海市 or 重庆市, the local fiscal fund (local_matching) elsewhere."""
        code = PROVINCIAL_FUND[1] if self.provincial_fund == _FUND["市"] else "local_matching"
        return dict.fromkeys(MUNICIPAL_FUND_WORDS, code)

    def fill(self, text: str, lang: str = "zh") -> str:
        """`text` with {county}, {city}, {province} and {provincial_fund} in this deployment's
        words (rule texts kept as templates, in code or in the mapping files that staff edit:
        replaced, not `str.format`, so another brace in their text is kept as written)."""
        for key, word in (("county", self.level("county", lang)),
                          ("city", self.level("city", lang)),
                          ("province", self.level("province", lang)),
                          ("provincial_fund", self.fund(lang))):
            text = text.replace("{" + key + "}", word)
        return text


def words_of(divisions: Iterable[tuple[str, str, str]]) -> Words:
    """The words of a deployment from its divisions: (GB/T 2260 code, level, Chinese name)
    of every province, city and county-level division in its scope."""
    by_level: dict[str, list[tuple[str, str]]] = {lvl: [] for lvl in LEVELS}
    for code, level, name in divisions:
        if level in by_level:
            by_level[level].append((code, name))
    provinces = {code[:2] for code, _ in by_level["county"] + by_level["city"]
                 + by_level["province"]}
    types = {lvl: {t for _, name in by_level[lvl] if (t := type_of(lvl, name))}
             for lvl in LEVELS}
    kinds = types["province"]  # 省, 区 (自治区) or 市 (直辖市: 北京市 …)
    return Words(
        province=compose("province", types["province"], _PROVINCE_COMMON),
        city=compose("city", types["city"], _style(CITY_STYLES, _CITY_COMMON, provinces,
                                                   types["city"], "盟")),
        county=compose("county", types["county"], _style(COUNTY_STYLES, _COMMON, provinces,
                                                         types["county"], "旗")),
        provincial_fund=_FUND[next(iter(kinds))] if len(kinds) == 1 else _FUND["省"])


def type_of(level: str, name: str) -> str | None:
    """The type a division's name carries at its level (None: a name without one, such as
    直辖县级行政区划): 莫力达瓦达斡尔族自治旗 → 旗, 神农架林区 → 区, 阿坝藏族羌族自治州 → 州."""
    if level == "province":  # 香港特别行政区: none of the three
        return "区" if name.endswith("自治区") else name[-1] if name[-1] in "省市" else None
    if level == "city":
        for suffix, kind in (("自治州", "州"), ("地区", "地区"), ("盟", "盟"), ("市", "市")):
            if name.endswith(suffix):
                return kind
        return None
    return name[-1] if name[-1:] in _TYPES[level] else None


def compose(level: str, present: set[str], style: tuple[tuple[str, bool], ...]) -> \
        tuple[str, str]:
    """The label of a level from the types present, in the style's order (module doc)."""
    words = _TYPES[level]
    order = [(t, plain) for t, plain in style if t in present]
    order += [(t, False) for t in sorted(present - {t for t, _ in style})]
    if not order:  # no division of this level in scope: the general word
        return GENERAL[level]
    if len(order) == 1:
        t = order[0][0]
        return words[t][1], words[t][2].capitalize()
    order[0] = (order[0][0], True)
    zh, group = "", []
    for t, plain in order + [("", True)]:
        if not plain:
            group.append(words[t][0])
            continue
        if group:
            zh += f"（{'、'.join(group)}）"
            group = []
        zh += words[t][0] if t else ""
    english = [words[t][2] for t, _ in order]
    en = ", ".join(english[:-1]) + " or " + english[-1]
    return zh, en[0].upper() + en[1:]


def _style(styles: dict, common: tuple, provinces: set[str], present: set[str],
           marker: str) -> tuple[tuple[str, bool], ...]:
    """One province's usage; several provinces: Inner Mongolia's when its marker type (旗,
    盟) is present, else the one they share, else the common usage."""
    own = {styles.get(p, common) for p in provinces}
    if len(own) == 1:
        return own.pop()
    return styles["15"] if marker in present else common


_COUNTY_HEADER = re.compile(r"[旗县市区]+")


def is_county_header(header: str) -> bool:
    """Whether a (normalised) header names the county-level column in any region's words:
    所属旗县区, 所属区（市）县, 县（市、区）, 区县, 旗县 … (所属 optional; 市 alone is the city)."""
    core = re.sub(r"[（）()、，,\s]", "", header.removeprefix("所属"))
    return bool(_COUNTY_HEADER.fullmatch(core)) and core != "市"


GENERIC = Words(GENERAL["province"], GENERAL["city"], GENERAL["county"], _FUND["省"])
