"""Disclosure control (analytics/privacy.py): the cell-key method on random tables.

Checked independently of the implementation's internals, on random long tables:
  * every published count lies within ±min(D, n) of the truth, true zeros stay zero;
  * no published count is 1..k-1: such rows are withheld, with every measure of the row;
  * amounts keep their per-person value; the same cell is published alike every time, in
    every period's table and in either language;
  * totals (margins) are cells of their own, within ±D of the true total.
The differencing attack on the sample is tests/analytics/test_differencing.py.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.privacy import (
    MAX_NOISE,
    SUPPRESSED_COLUMN,
    TOTAL_LABEL,
    DisclosureError,
    TableSpec,
    axes,
    infer_spec,
    perturbation,
    protect,
    protect_for_role,
)

SECRET = b"test-secret"


@st.composite
def tables(draw) -> tuple[pl.DataFrame, list[str], int]:
    """A random long table of person counts (with gaps) over 1-3 dimensions, and k."""
    ndim = draw(st.integers(1, 3))
    sizes = [draw(st.integers(2, 5 if ndim < 3 else 3)) for _ in range(ndim)]
    dims = ["region", "year", "kind"][:ndim]
    levels = [[f"{d}{i}" for i in range(n)] for d, n in zip(dims, sizes, strict=True)]
    rows = []
    for combo in itertools.product(*levels):
        if draw(st.integers(0, 9)) == 0:  # an absent cell (nobody there)
            continue
        persons = draw(st.one_of(st.integers(0, 6), st.integers(5, 60)))
        rows.append({**dict(zip(dims, combo, strict=True)), "persons": persons,
                     "amount_yuan": persons * 500.0 + draw(st.integers(0, 99))})
    if not rows:
        rows.append({**{d: lv[0] for d, lv in zip(dims, levels, strict=True)},
                     "persons": 3, "amount_yuan": 1500.0})
    return pl.DataFrame(rows), dims, draw(st.integers(2, 6))


def _check(true: pl.DataFrame, published: pl.DataFrame, k: int) -> None:
    for (n, amount), (p, p_amount, withheld) in zip(
            true.select("persons", "amount_yuan").iter_rows(),
            published.select("persons", "amount_yuan", SUPPRESSED_COLUMN).iter_rows(),
            strict=True):
        if withheld:
            assert p is None and p_amount is None
            continue
        assert not 1 <= p < k, f"published {p} under k={k}"
        assert abs(p - n) <= min(MAX_NOISE, n), f"{n} published as {p}"
        if n > 0:
            assert p_amount == pytest.approx(amount * p / n, abs=0.01)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_published_counts_stay_near_the_truth_and_never_small(case) -> None:
    df, dims, k = case
    result = protect(df, k=k, secret=SECRET)
    _check(df, result.table, k)
    assert result.suppressed == int(result.table[SUPPRESSED_COLUMN].sum())
    assert result.counts == ("persons",)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_margins_are_cells_of_their_own(case) -> None:
    df, dims, k = case
    table = protect(df, k=k, margins=True, secret=SECRET).table
    spanned = axes(df, tuple(dims))
    grand = table.filter(pl.all_horizontal(pl.col(d).cast(pl.String) == TOTAL_LABEL
                                           for d in spanned)) if spanned else table.head(0)
    if spanned:
        [(p, withheld)] = grand.select("persons", SUPPRESSED_COLUMN).iter_rows()
        n = int(df["persons"].sum())
        assert withheld or abs(p - n) <= min(MAX_NOISE, n)


def test_the_same_cell_is_published_alike_in_any_period_and_language() -> None:
    """The cell key leaves time and labels out: March in a trend and March's own table, the
    Chinese and the English export, all get the same value (no averaging of draws)."""
    trend = pl.DataFrame({"period": ["2012-01", "2012-02", "2012-03"],
                          "label": ["2012年1月", "2012年2月", "2012年3月"],
                          "persons": [40, 41, 42]})
    march = pl.DataFrame({"period": ["2012-03"], "label": ["Mar 2012"], "persons": [42]})
    where = {"region": "150702 海拉尔区"}
    a = protect(trend, filters=where, secret=SECRET).table["persons"].to_list()
    b = protect(march, filters={"region": "150702 Hailar District"},
                secret=SECRET).table["persons"].to_list()
    assert a[2] == b[0]
    again = protect(trend, filters=where, secret=SECRET).table["persons"].to_list()
    assert again == a


def test_the_key_depends_on_the_secret_and_the_place() -> None:
    df = pl.DataFrame({"region": [f"r{i}" for i in range(40)], "persons": [50] * 40})
    one = protect(df, secret=SECRET).table["persons"].to_list()
    assert len(set(one)) > 1, "cells in different places get different noise"
    other = protect(df, secret=b"another").table["persons"].to_list()
    assert one != other


def test_the_perturbation_table_is_symmetric_and_bounded() -> None:
    for n in range(0, 12):
        draws = [perturbation(n, (i + 0.5) / 700) for i in range(700)]
        assert max(map(abs, draws)) == min(MAX_NOISE, n)
        assert sum(draws) == 0, f"mean perturbation of {n} is not zero"


def test_golden_small_row_withheld_with_its_amount() -> None:
    df = pl.DataFrame({"region": ["海拉尔区", "巴林左旗"], "persons": [2, 0],
                       "amount_yuan": [100.0, 0.0]})
    table = protect(df, k=5, secret=SECRET).table
    assert table["persons"][1] == 0 and table["amount_yuan"][1] == 0  # zeros stay zeros
    assert table["persons"][0] in (None, 0.0, 4.0) or table["persons"][0] >= 5
    assert table[SUPPRESSED_COLUMN][0] == (table["persons"][0] is None)


def test_person_level_frames_are_refused() -> None:
    rows = pl.DataFrame({"person_key": ["x"], "region": ["a"], "amount_yuan": [1.0]})
    with pytest.raises(DisclosureError):
        protect(rows)
    assert protect_for_role(rows, "staff") is rows


def test_k_is_configurable() -> None:
    df = pl.DataFrame({"region": ["a", "b", "c"], "persons": [16, 18, 40]})
    assert protect(df, k=5, secret=SECRET).table["suppressed"].sum() == 0
    assert protect(df, k=30, secret=SECRET).table["suppressed"].sum() == 2


@pytest.mark.parametrize(("frame", "indicators", "expected"), [
    (pl.DataFrame({"year": [2012], "region_code": ["150702"], "persons": [3],
                   "amount_yuan": [1.0], "coverage": [0.5]}), None,
     TableSpec(("year", "region_code"), ("persons",), ("amount_yuan", "coverage"))),
    (pl.DataFrame({"month": ["2012-01"], "relief_recipients": [3], "amount_yuan": [1.0]}), None,
     TableSpec(("month",), ("relief_recipients",), ("amount_yuan",))),
    (pl.DataFrame({"year": [2012], "x": [4]}),
     [{"code": "x", "unit": "人"}], TableSpec(("year",), ("x",), ())),
])
def test_infer_spec(frame, indicators, expected) -> None:
    assert infer_spec(frame, indicators) == expected


def test_label_columns_are_no_axis_of_their_own() -> None:
    """A chart table (period, its label, indicator columns) is one-dimensional: its totals
    row sums the periods, and the label reads 合计 with it."""
    df = pl.DataFrame({"period": ["2010", "2011", "2012"], "label": ["2010年", "2011年", "2012年"],
                       "relieved": [3.0, 50.0, 60.0], "relief_amount": [900.0, 2e4, 3e4]})
    ind = [{"code": "relieved", "unit": "persons"}, {"code": "relief_amount", "unit": "yuan"}]
    assert axes(df, ("period", "label")) == ("period",)
    table = protect(df, indicators=ind, margins=True, secret=SECRET).table
    assert table.height == 4
    assert table.row(3, named=True)["label"] == TOTAL_LABEL
    assert abs(table["relieved"][3] - 113) <= MAX_NOISE
