"""The line under the top of every page saying which region and period it shows (on a phone
the sidebar that says so is folded away)."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics.filters import COUNTRY, Filters
from ui.filters import scope_line

REGIONS = pl.DataFrame({"region_code": ["150702"], "name_zh": ["海拉尔区"],
                        "name_en": ["Hailar"]})


def test_the_region_and_period_of_the_filters():
    f = Filters(region="150702", start=date(2012, 1, 1), end=date(2012, 12, 1))
    assert scope_line(f, REGIONS, "zh") == "海拉尔区 · 2012年1月至2012年12月"
    assert scope_line(f, REGIONS, "en").startswith("Hailar · ")


def test_one_month_and_a_deployment_without_a_top_region():
    f = Filters(region=COUNTRY, start=date(2012, 5, 1), end=date(2012, 5, 1))
    assert scope_line(f, REGIONS, "zh") == "全部地区 · 2012年5月"
