"""The 预警 page's tables read as the messages do: figures formatted by their unit, rules'
indicators by name and their settings in words, in either language."""

from __future__ import annotations

import json

import pytest

from alerts import listing
from alerts.model import Rule


@pytest.mark.parametrize(("condition", "params", "indicator", "zh", "en"), [
    ("threshold", {"op": "<", "value": 0.75, "period": "2012"}, "coverage",
     "低于75.0%（期间2012）", "below 75.0% (period 2012)"),
    ("change", {"basis": "yoy", "op": "<", "pct": -20}, "relieved", "同比低于-20%",
     "year on year below -20%"),
    ("behind_schedule", {"pp": 5}, "trained", "落后序时进度5个百分点及以上",
     "5 points or more behind schedule"),
    ("petitions_above", {"kind": "collective", "n": 3}, "", "群体性诉求超过3件",
     "collective petitions above 3"),
])
def test_settings_in_words(condition, params, indicator, zh, en):
    rule = Rule("r1", "规则", indicator, condition, params)
    assert (listing.describe_params(rule, "zh"), listing.describe_params(rule, "en")) == (zh, en)


def test_a_rule_missing_a_setting_shows_its_pairs_not_an_error():
    rule = Rule("r1", "规则", "", "petitions_above", {"kind": "collective"})
    assert listing.describe_params(rule) == "kind=collective"


def test_indicators_by_name_and_unknown_codes_as_written():
    assert listing._indicator("coverage", "zh") != "coverage"
    assert listing._indicator("no_such_code", "en") == "no_such_code"


@pytest.mark.parametrize(("unit", "value", "shown"), [
    ("ratio", 0.6271, "62.7%"), ("yuan", 58000.0, "5.8万元"), ("persons", 1234.0, "1,234人")])
def test_figures_formatted_by_their_unit(unit, value, shown):
    row = {"params": json.dumps({"unit": unit}), "value": value, "reference": None}
    assert listing._figures(row, "zh") == {"value": shown, "reference": ""}
