"""Disclosure control: small cells suppressed, and nothing suppressed can be recovered.

The checks below rebuild the table's equations from the exported long table on their own
(independently of analytics.privacy) and verify, on random tables:
  * every count of 1..k-1 (cell or total) is suppressed, every published value is true;
  * in every line through a suppressed cell, the total is suppressed or >= 2 cells are;
  * no suppressed cell is determined by the linear system of published cells and totals;
  * no small cell is pinned to a single value even with "counts are never negative" (LP).
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analytics.privacy import (
    SUPPRESSED_COLUMN,
    TOTAL_LABEL,
    DisclosureError,
    TableSpec,
    infer_spec,
    protect,
    protect_for_role,
)

TOTAL = TOTAL_LABEL


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


def _cells(df: pl.DataFrame, dims: list[str]) -> dict[tuple, float]:
    """True value of every cell and total (TOTAL in a summed dimension), absent cells as 0."""
    levels = [sorted(set(df[d].cast(pl.String))) for d in dims]
    inner = {tuple(str(v) for v in r[:-1]): float(r[-1])
             for r in df.select(*dims, "persons").iter_rows()}
    out = {}
    for combo in itertools.product(*[[*lv, TOTAL] for lv in levels]):
        out[combo] = sum(v for c, v in inner.items()
                         if all(a == TOTAL or a == b for a, b in zip(combo, c, strict=True)))
    return out


def _published(table: pl.DataFrame, dims: list[str]) -> dict[tuple, float | None]:
    return {tuple(str(v) for v in r[:-2]): (None if r[-1] else r[-2])
            for r in table.select(*dims, "persons", SUPPRESSED_COLUMN).iter_rows()}


def _inner_of(total: tuple, cells: dict[tuple, float]) -> list[tuple]:
    return [c for c in cells if TOTAL not in c
            and all(a == TOTAL or a == b for a, b in zip(total, c, strict=True))]


def _lines(cells: dict[tuple, float], ndim: int) -> list[tuple[list[tuple], tuple]]:
    """(inner cells, total cell) of every 1-D slice."""
    out = []
    for axis in range(ndim):
        for cell in cells:
            if cell[axis] == TOTAL:
                members = [c for c in cells if c[axis] != TOTAL
                           and all(c[a] == cell[a] for a in range(ndim) if a != axis)]
                out.append((members, cell))
    return out


def _equations(cells, known, lines):
    hidden = [c for c in cells if c not in known]
    col = {c: j for j, c in enumerate(hidden)}
    a, b = [], []
    for members, total in lines:
        row, rhs = np.zeros(len(hidden)), 0.0
        for c, sign in [*((m, 1.0) for m in members), (total, -1.0)]:
            if c in col:
                row[col[c]] += sign
            else:
                rhs -= sign * known[c]
        a.append(row)
        b.append(rhs)
    return hidden, np.array(a), np.array(b)


def _check_unrecoverable(df, dims, k, table, *, small_totals_hidden: bool = True) -> None:
    cells = _cells(df, dims)
    published = _published(table, dims)
    known = {}
    for cell, true in cells.items():
        shown = published.get(cell, "absent")
        if shown == "absent":  # a missing row reads as nobody there, and so do sums of them
            assert TOTAL in cell or true == 0
            if all(c not in published for c in _inner_of(cell, cells)):
                known[cell] = true
        elif shown is not None:
            assert shown == true
            known[cell] = true
        if 0 < true < k and (TOTAL not in cell or small_totals_hidden):
            assert shown in (None, "absent"), f"small cell {cell}={true} published"
    lines = _lines(cells, len(dims))
    hidden, a, b = _equations(cells, known, lines)
    if not hidden:
        return
    # each line through a suppressed cell: total suppressed, or two or more cells suppressed
    for members, total in lines:
        n_hidden = sum(m not in known for m in members)
        assert n_hidden != 1 or total not in known, f"lone suppressed cell in line {total}"
    # linear: a hidden cell is determined iff its unit vector lies in the row space of `a`
    rank = np.linalg.matrix_rank(a) if a.size else 0
    suppressed = [j for j, cell in enumerate(hidden) if published.get(cell) is None
                  and cell in published]
    for j in suppressed:
        cell = hidden[j]
        e = np.zeros((1, len(hidden)))
        e[0, j] = 1.0
        assert np.linalg.matrix_rank(np.vstack([a, e])) > rank, f"{cell} is determined"
    # non-negativity too: a small cell keeps a range of at least one person
    for j in suppressed:
        cell = hidden[j]
        if 0 < cells[cell] < k:
            c = np.zeros(len(hidden))
            c[j] = 1.0
            lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            assert lo.status == 0 and lo.fun <= cells[cell]
            if hi.status == 3:  # unbounded above: as wide as can be
                continue
            assert hi.status == 0 and cells[cell] <= -hi.fun
            assert -hi.fun - lo.fun >= 1 - 1e-6, f"{cell} pinned to {lo.fun}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_exported_margins_never_reveal_a_suppressed_cell(case) -> None:
    df, dims, k = case
    result = protect(df, k=k, margins=True)
    table = result.table
    assert table.filter(pl.col(SUPPRESSED_COLUMN))["amount_yuan"].null_count() == \
        table[SUPPRESSED_COLUMN].sum(), "amounts of suppressed cells must be suppressed"
    _check_unrecoverable(df, dims, k, table)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_public_totals_never_reveal_a_suppressed_cell(case) -> None:
    """Without exported totals, the totals are assumed public (the dashboard shows them)."""
    _check_public_totals(*case)


def _check_public_totals(df: pl.DataFrame, dims: list[str], k: int) -> None:
    try:
        table = protect(df, k=k, margins=False).table
    except DisclosureError:
        return  # a public total below k already tells the small count: nothing to export
    cells = _cells(df, dims)
    varying = [df[d].n_unique() > 1 for d in dims]  # a total over one level is the cell itself
    totals = pl.DataFrame([dict(zip(dims, c, strict=True)) | {"persons": v,
                                                              SUPPRESSED_COLUMN: False}
                           for c, v in cells.items() if TOTAL in c and all(
                               var for var, x in zip(varying, c, strict=True) if x == TOTAL)],
                          schema={**dict.fromkeys(dims, pl.String), "persons": pl.Float64,
                                  SUPPRESSED_COLUMN: pl.Boolean})
    full = pl.concat([table.with_columns(pl.col(d).cast(pl.String) for d in dims), totals],
                     how="diagonal_relaxed")
    _check_unrecoverable(df, dims, k, full, small_totals_hidden=False)


def test_real_dimensions_that_determine_each_other_are_both_audited() -> None:
    """Found by hypothesis: each region has data in one year only, so `year` looked like a
    label of `region`, and region1's public total (1 person) went unaudited."""
    df = pl.DataFrame({"region": ["region0", "region1"], "year": ["year0", "year1"],
                       "persons": [0, 1], "amount_yuan": [0.0, 500.0]})
    with pytest.raises(DisclosureError):
        protect(df, k=2)
    _check_public_totals(df, ["region", "year"], 2)


def test_a_cell_narrowed_to_less_than_one_person_counts_as_revealed() -> None:
    """Found by hypothesis: with the public totals of a 3-D table, (region1, year1, kind0)
    could only lie in [1, 1.5], so it was known to be 1; the audit took < 0.5 as pinned."""
    rows = [("region0", "year0", "kind0", 0), ("region0", "year1", "kind1", 2),
            ("region0", "year2", "kind0", 1), ("region1", "year0", "kind0", 1),
            ("region1", "year1", "kind0", 1), ("region1", "year1", "kind2", 1),
            ("region1", "year2", "kind1", 1), ("region2", "year0", "kind1", 1),
            ("region2", "year1", "kind0", 1), ("region2", "year2", "kind2", 1)]
    df = pl.DataFrame(rows, schema=["region", "year", "kind", "persons"], orient="row")
    df = df.with_columns(amount_yuan=pl.col("persons") * 500.0)
    _check_public_totals(df, ["region", "year", "kind"], 2)


def test_golden_two_by_two() -> None:
    df = pl.DataFrame({"year": ["2011", "2012", "2011", "2012"],
                       "region": ["海拉尔区", "海拉尔区", "巴林左旗", "巴林左旗"],
                       "persons": [3, 10, 7, 8], "amount_yuan": [100.0, 200, 300, 400]})
    result = protect(df, k=5)
    assert (result.primary, result.secondary) == (1, 3)
    assert result.table["persons"].null_count() == 4
    assert result.table["amount_yuan"].null_count() == 4


def test_zero_cells_are_complements_of_last_resort() -> None:
    df = pl.DataFrame({"region": ["a", "b", "c", "d"], "persons": [2, 0, 9, 30]})
    table = protect(df, k=5).table
    assert table["suppressed"].to_list() == [True, False, True, False]


def test_person_level_frames_are_refused() -> None:
    rows = pl.DataFrame({"person_key": ["x"], "region": ["a"], "amount_yuan": [1.0]})
    with pytest.raises(DisclosureError):
        protect(rows)
    assert protect_for_role(rows, "staff") is rows


def test_k_is_configurable() -> None:
    df = pl.DataFrame({"region": ["a", "b", "c"], "persons": [6, 8, 20]})
    assert protect(df, k=5).table["suppressed"].sum() == 0
    assert protect(df, k=10).table["suppressed"].sum() == 2


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
    """A chart table (period, its label, indicator columns) is one-dimensional."""
    df = pl.DataFrame({"period": ["2010", "2011", "2012"], "label": ["2010年", "2011年", "2012年"],
                       "relieved": [3.0, 50.0, 60.0], "relief_amount": [900.0, 2e4, 3e4]})
    ind = [{"code": "relieved", "unit": "persons"}, {"code": "relief_amount", "unit": "yuan"}]
    table = protect(df, indicators=ind).table
    assert table.height == 3
    assert table["suppressed"].to_list() == [True, True, False]
    assert table["relief_amount"].to_list() == [None, None, 3e4]
