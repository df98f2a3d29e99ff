"""A county written with its prefecture, as staff write it: 伊犁哈萨克自治州霍城县, 伊犁州霍城县,
乌鲁木齐市天山区. A 新疆 trial's roster had its rows with 伊犁州霍城县 rejected as 未知的县（市、区）,
and one with 阿克苏地区 (the prefecture, not a county) told it was unknown, though the
warehouse holds it: it is now told what it is and which of its counties to write."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from etl import national
from tests.deployment_files import county_roster, fresh

STATIONS = ("站点名称,所属县（市、区）,所属乡镇街道,成立日期\n"
            "霍城县清水河镇帮扶站,霍城县,清水河镇,2018年4月\n"
            "天山区燕儿窝街道帮扶站,天山区,燕儿窝街道,2016年3月\n"
            "阿克苏市英巴扎街道帮扶站,阿克苏市,英巴扎街道,2019年1月\n")


def _roster(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    return county_roster(path, "新疆维吾尔自治区总工会2025年1月困难职工救助发放花名册", [
        (station, county, area, "自治区专项", "800元", f"2025年1月1{i}日")
        for i, (station, county, area) in enumerate(rows)], f"{800 * len(rows)}元", born=70)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    where = tmp_path_factory.mktemp("xj")
    return fresh(where, "650000", STATIONS, _roster(where / "救助花名册_2025年1月.csv", [
        ("霍城县清水河镇帮扶站", "伊犁哈萨克自治州霍城县", "654023"),
        ("霍城县清水河镇帮扶站", "伊犁州霍城县", "654023"),
        ("天山区燕儿窝街道帮扶站", "乌鲁木齐市天山区", "650102"),
        ("天山区燕儿窝街道帮扶站", "天山区", "650102"),
        ("阿克苏市英巴扎街道帮扶站", "阿克苏地区", "652901"),
    ]))


def test_a_county_written_with_its_prefecture_loads(loaded):
    _, report = loaded
    rejects = report.rejects
    assert rejects.filter(pl.col("value").str.contains("霍城县|天山区")).is_empty(), \
        rejects["reason_zh"].to_list()
    assert report.files[-1].rows_loaded == 4


def test_a_prefecture_in_the_county_column_is_told_what_it_is(loaded):
    _, report = loaded
    (reason,) = report.rejects.filter(pl.col("value") == "阿克苏地区")["reason_zh"].to_list()
    assert "未知" not in reason
    assert "“阿克苏地区”是市（州、地区），不是县（市、区）" in reason
    assert "652901 阿克苏市" in reason  # one of its own counties as the example


@pytest.mark.parametrize(("name", "short"), [
    ("伊犁哈萨克自治州", "伊犁州"), ("昌吉回族自治州", "昌吉州"), ("巴音郭楞蒙古自治州", "巴音郭楞州"),
    ("克孜勒苏柯尔克孜自治州", "克孜勒苏州"), ("恩施土家族苗族自治州", "恩施州"),
    ("黔东南苗族侗族自治州", "黔东南州"), ("察布查尔锡伯自治县", "察布查尔县"),
    ("阿克苏地区", None), ("乌鲁木齐市", None),
])
def test_the_short_name_of_an_autonomous_division(name, short):
    assert national.short_name(name) == short
