"""A chart's exported caption names its filters in the caption's language: a 新疆 deployment's
PNG of 资金下拨、到位与支出 read 筛选：region=654000 伊犁哈萨克自治州，period=2025年1月至2025年12月，
granularity=month under a Chinese chart."""

from __future__ import annotations

import re

import pytest

from analytics.export import Provenance

FILTERS = {"region": "654000 伊犁哈萨克自治州", "period": "2025年1月至2025年12月",
           "granularity": "month", "fund_source": "provincial_special 自治区专项"}


def test_a_chinese_caption_has_no_english_filter_words():
    caption = Provenance(title="资金下拨、到位与支出", filters=FILTERS, lang="zh").caption()
    assert "地区=654000 伊犁哈萨克自治州" in caption
    assert "期间=2025年1月至2025年12月" in caption and "时间粒度=月" in caption
    assert "资金来源=provincial_special 自治区专项" in caption
    assert not re.search(r"region|period|granularity|month|fund_source", caption), caption


@pytest.mark.parametrize(("gran", "zh", "en"), [("quarter", "季度", "quarter"),
                                                ("year", "年", "year")])
def test_each_granularity_is_said(gran, zh, en):
    filters = {**FILTERS, "granularity": gran}
    assert f"时间粒度={zh}" in Provenance(title="t", filters=filters, lang="zh").caption()
    assert f"Granularity={en}" in Provenance(title="t", filters=filters, lang="en").caption()


def test_a_key_without_words_is_kept_as_it_is():
    caption = Provenance(title="t", filters={"地区": "海拉尔区 150702"}, lang="zh").caption()
    assert "地区=海拉尔区 150702" in caption
