"""Filters' URL form, Chinese/English number and date formats, Spring Festival seasons."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import fmt
from analytics.filters import Filters
from core.festival import spring_festivals


@pytest.mark.parametrize(("value", "unit", "lang", "text"), [
    (612345, "yuan", "zh", "61.2万元"),
    (6800, "yuan", "zh", "6,800元"),
    (27_147_000, "yuan", "zh", "2,715万元"),
    (3.2e8, "yuan", "zh", "3.20亿元"),
    (612345, "yuan", "en", "¥612,345"),
    (2.5e6, "yuan", "en", "¥2.50m"),
    (0.12345, "ratio", "zh", "12.3%"),
    (886, "persons", "zh", "886人"),
    (886, "persons", "en", "886"),
    (20, "days", "zh", "20天"),
    (4.16, "per_loan", "zh", "4.2人次/笔"),
    (None, "yuan", "zh", "—"),
])
def test_number(value, unit, lang, text):
    assert fmt.number(value, unit, lang) == text


@pytest.mark.parametrize(("value", "unit", "lang", "text"), [
    (1766.4, "yuan_per_person", "zh", "1,766元"),
    (4.16, "per_loan", "zh", "4.2人次"),
    (1766.4, "yuan_per_person", "en", "¥1,766"),  # money as on the cards beside it
    (886, "persons", "zh", "886人"),
])
def test_compact_number_drops_the_per_part(value, unit, lang, text):
    assert fmt.number(value, unit, lang, compact=True) == text


@pytest.mark.parametrize(("d", "gran", "lang", "text"), [
    (date(2012, 5, 1), "month", "zh", "2012年5月"),
    (date(2012, 7, 1), "quarter", "zh", "2012年第3季度"),
    (date(2012, 1, 1), "year", "zh", "2012年"),
    (date(2012, 1, 23), "season", "zh", "2012年春节"),
    (date(2012, 5, 1), "month", "en", "May 2012"),
    (date(2012, 7, 1), "quarter", "en", "2012 Q3"),
])
def test_period(d, gran, lang, text):
    assert fmt.period(d, gran, lang) == text


def test_delta_is_points_for_rates_and_relative_otherwise():
    assert fmt.delta(0.55, 0.50, "ratio") == "+5.0个百分点"
    assert fmt.delta(0.55, 0.50, "ratio", compact=True) == "+5.0百分点"
    assert fmt.delta(0.55, 0.50, "ratio", "en") == "+5.0 pp"
    assert fmt.delta(110, 100, "persons") == "+10.0%"
    assert fmt.delta(110, 0, "persons") is None


def test_a_change_that_rounds_to_nothing_is_flat():
    """'+0.0百分点' with an up arrow read as a rise; the briefing says 持平 for the same."""
    assert fmt.delta(0.9234, 0.9230, "ratio", compact=True) == "持平"
    assert fmt.delta(0.9226, 0.9230, "ratio") == "持平"
    assert fmt.delta(0.9234, 0.9230, "ratio", "en") == "unchanged"
    assert fmt.delta(100_040, 100_000, "persons") == "持平"
    assert fmt.delta(0.9240, 0.9230, "ratio") == "+0.1个百分点"
    assert fmt.is_flat("持平") and fmt.is_flat("unchanged", "en") and not fmt.is_flat("+0.1%")
    assert not fmt.is_flat(None)


def test_filters_round_trip_through_the_url():
    f = Filters(region="150702", start=date(2012, 1, 1), end=date(2012, 6, 1),
                granularity="quarter", fund_source="local_matching", category="laid_off")
    assert Filters.from_query(f.to_query()) == f


@pytest.mark.parametrize("query", [
    {"region": "1; DROP TABLE relief", "from": "2012-13", "gran": "week"},
    {"from": "2013-01", "to": "2012-01"},
])
def test_bad_url_values_fall_back_to_defaults(query):
    f = Filters.from_query(query)
    assert f.region == "000000" and f.granularity == "year" and f.start <= f.end


def test_year_ago_and_previous():
    f = Filters(start=date(2012, 4, 1), end=date(2012, 6, 1))
    assert (f.year_ago().start, f.year_ago().end) == (date(2011, 4, 1), date(2011, 6, 1))
    assert (f.previous().start, f.previous().end) == (date(2012, 1, 1), date(2012, 3, 1))
    assert f.end_day == date(2012, 6, 30)


@pytest.mark.parametrize(("start", "end", "base"), [
    ((2025, 1), (2025, 12), ((2024, 1), (2024, 12))),  # a year: one year earlier
    ((2025, 1), (2026, 12), ((2023, 1), (2024, 12))),  # two years: the two years before
    ((2025, 6), (2026, 6), ((2023, 6), (2024, 6))),    # 13 months: the same months, apart
])
def test_year_ago_of_a_long_range_does_not_overlap_it(start, end, base):
    """同比 of 2025年1月至2026年12月 was 2024-2025: half the range itself, so a steady count
    read +95%. The same calendar months, whole years earlier, clear of the range."""
    f = Filters(start=date(*start, 1), end=date(*end, 1))
    ago = f.year_ago()
    assert (ago.start, ago.end) == (date(*base[0], 1), date(*base[1], 1))
    assert ago.end < f.start


def test_festival_seasons_cover_time_without_gaps():
    seasons = spring_festivals()
    assert dict((y, d) for y, d, _, _ in seasons)[2012] == date(2012, 1, 23)
    assert dict((y, d) for y, d, _, _ in seasons)[2013] == date(2013, 2, 10)
    for (_, d, start, end), nxt in zip(seasons, seasons[1:], strict=False):
        assert start < d < end == nxt[2]


def test_long_view_widens_to_ten_whole_years_within_the_data():
    from analytics.filters import long_view

    f = Filters(start=date(2024, 1, 1), end=date(2024, 12, 1), granularity="month")
    g = long_view(f)
    assert (g.start, g.end, g.granularity) == (date(2015, 1, 1), date(2024, 12, 1), "year")
    assert long_view(f, first=date(2019, 3, 1)).start == date(2019, 1, 1)
    wide = Filters(start=date(2005, 3, 1), end=date(2024, 12, 1))
    assert long_view(wide).start == date(2005, 1, 1)
