"""The map's caption names the children it could not draw by name, in the interface's language,
even a child without a row in the view (a 重庆市 trial read "无边界、未画出:500157")."""

from __future__ import annotations

import polars as pl
import pytest

from ui.region_map import left_off

KIDS = pl.DataFrame({"region_code": ["500101", "500157"], "parent_code": ["500000"] * 2,
                     "level": ["county"] * 2, "name_zh": ["万州区", "两江新区"],
                     "name_en": ["Wanzhou District", "Liangjiang New Area"]})


@pytest.mark.parametrize(("lang", "name"), [("zh", "两江新区"), ("en", "Liangjiang New Area")])
def test_a_child_without_a_boundary_is_named(lang, name):
    note = left_off(["500157"], KIDS, lang)
    assert name in note and "500157" not in note and "万州" not in note and "Wanzhou" not in note


def test_nothing_said_when_every_child_is_drawn():
    assert left_off([], KIDS, "zh") == ""
