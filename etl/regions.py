"""The region hierarchy of the sample: provinces → cities → counties (GB/T 2260) → help stations.

County codes and names are the real administrative ones (checked against DESIGN.md §2).
Help stations are synthetic: each county has a help centre (帮扶中心) and a few
sub-district/township stations, coded county code + three digits.
"""

from __future__ import annotations

from dataclasses import dataclass

# The national root, so that national measures (the 2011 income-tax change) have a scope.
COUNTRY = ("000000", "全国", "China")

PROVINCES = {
    "150000": ("内蒙古自治区", "Inner Mongolia Autonomous Region"),
    "450000": ("广西壮族自治区", "Guangxi Zhuang Autonomous Region"),
}

CITIES = {
    "150400": ("150000", "赤峰市", "Chifeng"),
    "150700": ("150000", "呼伦贝尔市", "Hulunbuir"),
    "451000": ("450000", "百色市", "Baise"),
}

COUNTIES = {
    # 赤峰市
    "150402": ("150400", "红山区", "Hongshan District"),
    "150403": ("150400", "元宝山区", "Yuanbaoshan District"),
    "150404": ("150400", "松山区", "Songshan District"),
    "150421": ("150400", "阿鲁科尔沁旗", "Ar Horqin Banner"),
    "150422": ("150400", "巴林左旗", "Bairin Left Banner"),
    "150423": ("150400", "巴林右旗", "Bairin Right Banner"),
    "150424": ("150400", "林西县", "Linxi County"),
    "150425": ("150400", "克什克腾旗", "Hexigten Banner"),
    "150426": ("150400", "翁牛特旗", "Ongniud Banner"),
    "150428": ("150400", "喀喇沁旗", "Harqin Banner"),
    "150429": ("150400", "宁城县", "Ningcheng County"),
    "150430": ("150400", "敖汉旗", "Aohan Banner"),
    # 呼伦贝尔市
    "150702": ("150700", "海拉尔区", "Hailar District"),
    "150703": ("150700", "扎赉诺尔区", "Jalainur District"),
    "150721": ("150700", "阿荣旗", "Arun Banner"),
    "150781": ("150700", "满洲里市", "Manzhouli"),
    "150782": ("150700", "牙克石市", "Yakeshi"),
    "150783": ("150700", "扎兰屯市", "Zhalantun"),
    "150784": ("150700", "额尔古纳市", "Ergun"),
    "150785": ("150700", "根河市", "Genhe"),
    # 百色市
    "451002": ("451000", "右江区", "Youjiang District"),
    "451003": ("451000", "田阳区", "Tianyang District"),
    "451022": ("451000", "田东县", "Tiandong County"),
    "451024": ("451000", "德保县", "Debao County"),
    "451026": ("451000", "那坡县", "Napo County"),
    "451027": ("451000", "凌云县", "Lingyun County"),
    "451028": ("451000", "乐业县", "Leye County"),
    "451029": ("451000", "田林县", "Tianlin County"),
    "451030": ("451000", "西林县", "Xilin County"),
    "451031": ("451000", "隆林各族自治县", "Longlin Autonomous County"),
    "451081": ("451000", "靖西市", "Jingxi"),
    "451082": ("451000", "平果市", "Pingguo"),
}

# The three counties the source documents come from.
DOCUMENT_COUNTIES = ("150702", "150422", "451030")

# Hailar's help stations are its real sub-districts (海拉尔区 帮扶站, see the documents);
# other counties get a help centre and two generic stations.
_HAILAR_STATIONS = [
    ("正阳街道", "Zhengyang Subdistrict"),
    ("健康街道", "Jiankang Subdistrict"),
    ("靠山街道", "Kaoshan Subdistrict"),
    ("胜利街道", "Shengli Subdistrict"),
    ("呼伦街道", "Hulun Subdistrict"),
    ("建设街道", "Jianshe Subdistrict"),
]
_GENERIC_STATIONS = [("城区", "Urban"), ("城郊", "Suburban")]


@dataclass(frozen=True)
class Region:
    region_code: str
    parent_code: str | None
    level: str  # country, province, city, county, station
    name_zh: str
    name_en: str


def _stations(county_code: str, county_zh: str, county_en: str) -> list[Region]:
    out = [Region(f"{county_code}000", county_code, "station",
                  f"{county_zh}总工会帮扶中心", f"{county_en} Union Help Centre")]
    names = _HAILAR_STATIONS if county_code == "150702" else _GENERIC_STATIONS
    for i, (zh, en) in enumerate(names, start=1):
        out.append(Region(f"{county_code}{i:03d}", county_code, "station",
                          f"{county_zh}{zh}帮扶站", f"{county_en} {en} Help Station"))
    return out


def all_regions() -> list[Region]:
    """Every region of the sample, parents before children."""
    out = [Region(COUNTRY[0], None, "country", COUNTRY[1], COUNTRY[2])]
    out += [Region(c, COUNTRY[0], "province", zh, en) for c, (zh, en) in PROVINCES.items()]
    out += [Region(c, p, "city", zh, en) for c, (p, zh, en) in CITIES.items()]
    out += [Region(c, p, "county", zh, en) for c, (p, zh, en) in COUNTIES.items()]
    for code, (_, zh, en) in COUNTIES.items():
        out += _stations(code, zh, en)
    return out


def stations_of(county_code: str) -> list[Region]:
    return [r for r in all_regions() if r.parent_code == county_code and r.level == "station"]
