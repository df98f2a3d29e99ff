"""The hint of an unknown station gives an example from the file's own county: a 渝中区
roster was told to write 500101001 万州区困难职工帮扶中心 (the warehouse's first station),
found in a 重庆市 trial. Its county comes from the stations the file names that are
registered, else the user's county or the file's name; a county with no registered
station is said to have none."""

from __future__ import annotations

import polars as pl
import pytest

from etl import mappings, validate
from etl.region_checks import FileRegions
from etl.region_index import RegionIndex

REGIONS = pl.DataFrame(
    [("500000", "000000", "province", "重庆市", "Chongqing"),
     ("500101", "500000", "county", "万州区", "Wanzhou"),
     ("500102", "500000", "county", "涪陵区", "Fuling"),
     ("500103", "500000", "county", "渝中区", "Yuzhong"),
     ("500101001", "500101", "station", "万州区困难职工帮扶中心", None),
     ("500103002", "500103", "station", "七星岗街道职工帮扶站", None),
     ("500103001", "500103", "station", "解放碑街道职工帮扶站", None)],
    schema=["region_code", "parent_code", "level", "name_zh", "name_en"], orient="row")
STATION = next(c for c in mappings.columns("relief") if c.name == "station")


def _hint(cells: list[str], file_name: str, within: str | None = None) -> str:
    regions = FileRegions(RegionIndex(REGIONS, within=within), name=file_name)
    checked = validate.check_column(STATION, pl.Series(cells), "帮扶站点", True,
                                    regions.index, regions.county)
    (reason,) = {r for r in checked.reason_zh.to_list() if r}
    return reason


@pytest.mark.parametrize(("cells", "file_name", "within", "example"), [
    (["解放碑街道职工帮扶站", "大坪街道职工帮扶站"], "x.xlsx", None, "500103001 或 解放碑街道职工帮扶站"),
    (["大坪街道职工帮扶站"], "03_渝中区救助发放花名册202605.xlsx", None, "500103001 或 解放碑"),
    (["大坪街道职工帮扶站"], "x.xlsx", "500103", "500103001 或 解放碑街道职工帮扶站"),
    (["大坪街道职工帮扶站"], "x.xlsx", None, "500101001 或 万州区困难职工帮扶中心"),  # no county known
])
def test_the_example_station_is_from_the_files_county(cells, file_name, within, example):
    assert example in _hint(cells, file_name, within)


def test_a_county_without_registered_stations_is_said_to_have_none():
    reason = _hint(["李渡街道职工帮扶站"], "03_涪陵区救助发放花名册202605.xlsx")
    assert "涪陵区还没有已登记的帮扶站点" in reason and "万州区" not in reason
    assert "帮扶站点名录" in reason


@pytest.mark.parametrize(("cells", "example", "absent"), [
    # a 新疆 trial's province-wide roster: 伊宁市解放路帮扶站 (its row in 伊宁市) was told to
    # write 652901001 阿克苏市英巴扎街道帮扶站, the file's stations spanning five counties
    (["解放碑街道职工帮扶站", "万州区双河口街道帮扶站"], "500101001 或 万州区困难职工帮扶中心", "解放碑"),
    (["万州区困难职工帮扶中心", "渝中区大坪街道职工帮扶站"], "500103001 或 解放碑街道职工帮扶站", "万州区"),
    (["解放碑街道职工帮扶站", "涪陵区李渡街道职工帮扶站"], "涪陵区还没有已登记的帮扶站点", "解放碑"),
])
def test_a_station_named_after_its_county_takes_that_countys_example(cells, example, absent):
    reason = _hint(cells, "全市救助发放花名册.xlsx")
    assert example in reason and absent not in reason
