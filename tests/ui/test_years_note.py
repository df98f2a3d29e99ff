"""A trend chart kept by season or year says its years once when there is one: the 帮扶救助
page of a 佛山市 deployment over 2025 titled its charts "两节慰问人数趋势(按春节季,2025–2025年)"."""

from __future__ import annotations

from datetime import date

from analytics.filters import Filters
from ui.sections import years_note


def _years(first: int, last: int) -> Filters:
    return Filters(start=date(first, 1, 1), end=date(last, 12, 1))


def test_one_year_is_said_once():
    assert years_note(["festival_persons"], _years(2025, 2025), "zh") == "按春节季,2025年"
    assert years_note(["fund_received"], _years(2025, 2025), "zh") == "按年度,2025年"
    assert years_note(["festival_persons"], _years(2025, 2025), "en") == \
        "by Spring Festival season, 2025"


def test_several_years_are_a_range():
    assert years_note(["festival_amount"], _years(2024, 2026), "zh") == "按春节季,2024–2026年"
    assert years_note(["fund_received"], _years(2017, 2026), "en") == "by year, 2017–2026"
