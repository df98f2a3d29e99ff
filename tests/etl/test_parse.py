"""The cell parsers: table-driven examples of station typing, and property tests (round trips)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import parse
from etl.parse import ParseError

TODAY = dt.date.today()


@pytest.mark.parametrize("raw, expected", [
    ("2012-05-04", dt.date(2012, 5, 4)),
    ("2012/5/4", dt.date(2012, 5, 4)),
    ("2012.5.4", dt.date(2012, 5, 4)),
    ("2012年5月4日", dt.date(2012, 5, 4)),
    ("２０１２年５月４日 ", dt.date(2012, 5, 4)),
    ("20120504", dt.date(2012, 5, 4)),
    ("41033", dt.date(2012, 5, 4)),  # Excel serial
    ("41033.0", dt.date(2012, 5, 4)),
    ("2012-05-04 00:00:00", dt.date(2012, 5, 4)),  # datetime cell read as text
    ("2012年5月", dt.date(2012, 5, 1)),
])
def test_dates(raw, expected):
    assert parse.parse_date(raw) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("", "empty"), ("2012-02-30", "Unreadable"), ("next week", "Unreadable"),
    ("1989-12-31", "outside the plausible range"),
    # Two days ahead: the date is fixed when tests are collected, which may be before midnight.
    ((TODAY + dt.timedelta(days=2)).isoformat(), "outside the plausible range"),
])
def test_bad_dates(raw, fragment):
    with pytest.raises(ParseError) as e:
        parse.parse_date(raw)
    assert fragment in e.value.en and e.value.zh


@pytest.mark.parametrize("raw, expected", [
    ("1200", "1200.00"), ("1,200.00元", "1200.00"), ("￥1200", "1200.00"), ("¥ 1200.5", "1200.50"),
    ("１２００", "1200.00"), (" 800 ", "800.00"), ("1.2万", "12000.00"), ("1000000", "1000000.00"),
    ("33.335", "33.34"),
])
def test_amounts(raw, expected):
    assert parse.parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw, fragment", [
    ("-50", "negative"), ("1000000.01", "exceeds"), ("1,200元/人?", "Unreadable"), ("", "Unreadable"),
])
def test_bad_amounts(raw, fragment):
    with pytest.raises(ParseError) as e:
        parse.parse_amount(raw)
    assert fragment in e.value.en


@pytest.mark.parametrize("raw, expected", [
    ("150702198001011239", "150702198001011239"),
    ("11010519491231002x", "11010519491231002X"),  # lower-case x
    ("11010519491231002X  ", "11010519491231002X"),  # trailing spaces
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
    ("150702800101123", "150702198001011239"),  # old 15-digit form
    ("150702800101123.0", "150702198001011239"),  # 15 digits as a number keep every digit
])
def test_ids(raw, expected):
    assert parse.parse_id(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("1.50702E+17", "scientific"), ("1.50702198001012E+17", "scientific"),
    ("150702198001011000.0", "float"), ("150702198001011238", "check_digit"),
    ("150702198013011235", "birth_date"), ("15070219800101123", "format"),
    ("15070219800101123Y", "format"), ("", "missing"), (None, "missing"),
])
def test_bad_ids(raw, reason):
    with pytest.raises(ParseError) as e:
        parse.parse_id(raw)
    assert (e.value.zh, e.value.en) == parse.ID_REASONS[reason]


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), ("Y", True), ("0", False),
                                           ("√", True), (" 是 ", True)])
def test_bools(raw, expected):
    assert parse.parse_bool(raw) is expected


@pytest.mark.parametrize("raw, expected", [("12", 12), ("12人", 12), ("１２", 12), ("1,200", 1200),
                                           ("12.0", 12)])
def test_ints(raw, expected):
    assert parse.parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["-3", "1.5", "many"])
def test_bad_ints(raw):
    with pytest.raises(ParseError):
        parse.parse_int(raw)


@pytest.mark.parametrize("raw, expected", [("2012", 2012), ("2012年", 2012), ("2012.0", 2012)])
def test_years(raw, expected):
    assert parse.parse_year(raw) == expected


# ---------------------------------------------------------------- properties

dates = st.dates(min_value=parse.EARLIEST_DATE, max_value=TODAY)
amounts = st.decimals(min_value=0, max_value=parse.MAX_AMOUNT_YUAN, places=2)


def valid_ids():
    """18-digit IDs with a real birth date and a correct check digit."""
    return st.builds(
        lambda region, birth, seq: parse.make_id(f"{region}{birth:%Y%m%d}{seq:03d}"),
        st.integers(110000, 659999), st.dates(dt.date(1920, 1, 1), TODAY),
        st.integers(0, 999))


@settings(deadline=None)  # a busy shared machine must not fail a correct parser
@given(dates, st.sampled_from(parse.DATE_STYLES))
def test_date_round_trip(value, style):
    assert parse.parse_date(parse.format_date(value, style)) == value


@settings(deadline=None)
@given(amounts, st.sampled_from(parse.AMOUNT_STYLES))
def test_amount_round_trip(value, style):
    assert parse.parse_amount(parse.format_amount(value, style)) == value


@settings(max_examples=60, deadline=None)
@given(valid_ids(), st.sampled_from(["plain", "lower", "spaces", "fullwidth"]))
def test_valid_ids_pass(id18, style):
    raw = {"plain": id18, "lower": id18.lower(), "spaces": f" {id18} ",
           "fullwidth": parse.to_fullwidth(id18)}[style]
    assert parse.parse_id(raw) == id18


@settings(max_examples=60, deadline=None)
@given(valid_ids(), st.integers(0, 17), st.integers(1, 10))
def test_any_single_digit_change_fails(id18, position, shift):
    chars = "0123456789X" if position == 17 else "0123456789"
    old = chars.index(id18[position])
    changed = id18[:position] + chars[(old + shift) % len(chars)] + id18[position + 1:]
    if changed == id18:
        return
    with pytest.raises(ParseError):
        parse.parse_id(changed)


@settings(max_examples=40, deadline=None)
@given(st.dates(dt.date(1920, 1, 1), dt.date(1999, 12, 31)), st.integers(0, 999),
       st.integers(110000, 659999))
def test_old_ids_convert(birth, seq, region):
    old = f"{region}{birth:%y%m%d}{seq:03d}"
    assert parse.parse_id(old) == parse.make_id(f"{region}19{birth:%y%m%d}{seq:03d}")
