"""The sample deployment's regions: 32 real counties (GB/T 2260, DESIGN.md §2) of 赤峰市,
呼伦贝尔市 and 百色市, named from the national table, and their synthetic help stations.

This is sample data, not the product: the sample registers these stations through a
帮扶站点名录 file and sets its scope to these counties (`sample.build`), as any
federation would. Each county has a help centre (帮扶中心, county code + 000) and a few
sub-district/township stations (county code + 001...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from etl import national

REGISTRY_DIR = "stations"

SCOPE = (
    # 赤峰市
    "150402", "150403", "150404", "150421", "150422", "150423", "150424", "150425", "150426",
    "150428", "150429", "150430",
    # 呼伦贝尔市
    "150702", "150703", "150721", "150781", "150782", "150783", "150784", "150785",
    # 百色市
    "451002", "451003", "451022", "451024", "451026", "451027", "451028", "451029", "451030",
    "451031", "451081", "451082",
)
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


def _table() -> dict[str, Region]:
    frame = national.in_scope(list(SCOPE))
    return {r["region_code"]: Region(r["region_code"], r["parent_code"], r["level"],
                                     r["name_zh"], r["name_en"])
            for r in frame.iter_rows(named=True)}


_REGIONS = _table()
CITIES = {c: (r.parent_code, r.name_zh, r.name_en) for c, r in _REGIONS.items()
          if r.level == "city"}
COUNTIES = {c: (_REGIONS[c].parent_code, _REGIONS[c].name_zh, _REGIONS[c].name_en)
            for c in SCOPE}


def stations_of(county_code: str) -> list[Region]:
    _, county_zh, county_en = COUNTIES[county_code]
    out = [Region(f"{county_code}000", county_code, "station",
                  f"{county_zh}总工会帮扶中心", f"{county_en} Union Help Centre")]
    hailar = county_code == "150702"
    for i, (zh, en) in enumerate(_HAILAR_STATIONS if hailar else _GENERIC_STATIONS, start=1):
        out.append(Region(f"{county_code}{i:03d}", county_code, "station",
                          f"{county_zh}{zh}帮扶站", f"{county_en} {en} Help Station"))
    return out


def all_regions() -> list[Region]:
    """Every region of the sample, parents before children."""
    order = {"country": 0, "province": 1, "city": 2, "county": 3}
    out = sorted(_REGIONS.values(), key=lambda r: (order[r.level], r.region_code))
    for code in SCOPE:
        out += stations_of(code)
    return out


def write_registry(out_dir: Path) -> Path:
    """The sample's 帮扶站点名录 as a station union would keep it (codes given, Hailar's
    stations under their sub-districts), loaded before any roster that names them."""
    rows = [{"站点代码": s.region_code, "站点名称": s.name_zh, "所属旗县区": COUNTIES[s.parent_code][1],
             "所属乡镇街道": _township(s), "成立日期": "2005-01-01", "撤销日期": ""}
            for code in SCOPE for s in stations_of(code)]
    path = Path(out_dir) / REGISTRY_DIR / "帮扶站点名录.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows).write_csv(path, include_bom=True)
    return path


def _township(station: Region) -> str:
    """Hailar's stations are its sub-districts' (正阳街道...); the others have none."""
    if station.parent_code != "150702" or station.region_code.endswith("000"):
        return ""
    return _HAILAR_STATIONS[int(station.region_code[6:]) - 1][0]
