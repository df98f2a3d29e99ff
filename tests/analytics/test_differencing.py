"""The differencing attack on published exports, run on the sample for every count indicator.

A researcher exports an indicator by sub-region for January–m and for January–(m-1) and
subtracts (across periods), or takes a region's published value from its parent's table and
subtracts its other sub-regions (across the hierarchy). Before the cell-key method 26 of 27
small differences came back exactly. Each published table here goes through the same release
as a download button (ui.downloads.release, role researcher).

For every small target (a true difference of 1..k-1), the attack counts as certain only when
the published values leave a single possible true difference, given everything the method's
documentation says (noise within ±D, zeros stay zero, cumulative counts never fall); and the
share of targets whose difference happens to equal the true value must be far below 26/27.
"""

from __future__ import annotations

import functools
from datetime import date

import polars as pl
import pytest

from analytics import export, queries
from analytics.filters import Filters
from analytics.indicators import INDICATORS
from analytics.privacy import DEFAULT_K, MAX_NOISE, SUPPRESSED_COLUMN
from ui.downloads import release

COUNTS = [c for c, i in INDICATORS.items() if i.unit in ("persons", "count")]
# Regions whose sub-regions are small: a county's stations, cities' counties.
PARENTS = {"150702": "150700", "150422": "150400", "451030": "451000"}
# Across the hierarchy: a region's value in its parent's table minus its other sub-regions.
UP = {**PARENTS, "150700": "150000", "150400": "150000", "451000": "450000"}
YEAR = 2012


@pytest.fixture(scope="module", autouse=True)
def _sample(sample_db, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(sample_db))
    mp.setenv("UNION_DASH_CELL_KEY", "differencing-test")
    yield
    mp.undo()


@functools.cache  # the two attacks share tables (January–June of a county, …)
def _table(region: str, first: date, last: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(exact, published) table of every count indicator by the region's sub-regions."""
    f = Filters(region=region, start=first, end=last)
    long = queries.breakdown(COUNTS, f, "region")
    exact = long.pivot(on="code", index="dim", values="value")
    prov = export.Provenance(
        title="differencing", filters={"region": region, "period": f"{first}..{last}"},
        indicators=[INDICATORS[c].as_dict("zh") for c in COUNTS if c in exact.columns])
    published = release(exact, prov, role="researcher").table
    return exact, published


def _values(frame: pl.DataFrame, code: str) -> dict[str, float | None]:
    if code not in frame.columns:
        return {}
    if SUPPRESSED_COLUMN in frame.columns:
        frame = frame.with_columns(pl.when(pl.col(SUPPRESSED_COLUMN)).then(None)
                                   .otherwise(pl.col(code)).alias(code))
    return dict(zip(frame["dim"].to_list(), frame[code].to_list(), strict=True))


def _possible(published: float) -> set[int]:
    """True counts that could be published as `published` (noise within ±min(D, n))."""
    p = round(published)
    return {n for n in range(max(0, p - MAX_NOISE), p + MAX_NOISE + 1)
            if abs(p - n) <= min(MAX_NOISE, n)}


class Tally:
    def __init__(self) -> None:
        self.tried = self.equal = self.certain = 0
        self.small_withheld = 0

    def attack(self, truth: float, published: list[float | None], signs: list[int],
               monotone: bool) -> None:
        if not 0 < truth < DEFAULT_K:
            return
        self.tried += 1
        if any(p is None for p in published):
            self.small_withheld += 1
        else:
            self.equal += sum(s * p for s, p in zip(signs, published, strict=True)) == truth
        if len(published) == 2 and all(p is not None for p in published):
            later, earlier = (_possible(p) for p in published)
            diffs = {a - b for a in later for b in earlier if a >= b or not monotone}
            self.certain += len(diffs) == 1


def _months(region: str) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    return [_table(region, date(YEAR, 1, 1), date(YEAR, m, 1)) for m in range(1, 13)]


def test_differencing_across_periods_recovers_no_small_cell() -> None:
    tally = Tally()
    for region in PARENTS:
        tables = _months(region)
        for (exact_a, pub_a), (exact_b, pub_b) in zip(tables[1:], tables[:-1], strict=True):
            for code in COUNTS:
                ta, tb = _values(exact_a, code), _values(exact_b, code)
                pa, pb = _values(pub_a, code), _values(pub_b, code)
                for dim, a in ta.items():
                    truth = (a or 0) - (tb.get(dim) or 0)
                    tally.attack(truth, [pa.get(dim), pb.get(dim, 0.0)], [1, -1],
                                 monotone=INDICATORS[code].numerator.kind == "flow")
    print(f"across periods: {tally.tried} small differences tried, {tally.equal} equal "
          f"({tally.equal / max(tally.tried, 1):.1%}), {tally.small_withheld} withheld, "
          f"{tally.certain} certain")
    assert tally.tried >= 50, "the sample must offer small differences to attack"
    assert tally.certain == 0
    assert tally.equal / tally.tried < 0.35


def test_differencing_across_the_hierarchy_recovers_no_small_cell() -> None:
    tally = Tally()
    periods = [(date(YEAR, 1, 1), date(YEAR, m, 1)) for m in (3, 6, 12)]
    for region, parent in UP.items():
        for first, last in periods:
            exact, published = _table(region, first, last)
            exact_up, published_up = _table(parent, first, last)
            for code in COUNTS:
                total_true = _values(exact_up, code).get(region)
                total_pub = _values(published_up, code).get(region)
                cells_true, cells_pub = _values(exact, code), _values(published, code)
                if total_true is None:
                    continue
                for dim in cells_true:
                    others = [d for d in cells_true if d != dim]
                    truth = total_true - sum(cells_true[d] or 0 for d in others)
                    if truth != (cells_true[dim] or 0):
                        continue  # persons in two sub-regions: not this cell's count
                    tally.attack(truth, [total_pub, *(cells_pub.get(d) for d in others)],
                                 [1, *([-1] * len(others))], monotone=False)
    computable = tally.tried - tally.small_withheld
    print(f"across the hierarchy: {tally.tried} small cells tried, {tally.small_withheld} with "
          f"a sub-region withheld, {tally.equal} of {computable} differences equal")
    assert tally.tried >= 20
    assert tally.equal <= 0.35 * computable


def test_the_same_cell_is_published_alike_in_every_export() -> None:
    """Consistency: asking again, or in English, gives the same values (no averaging)."""
    a = _table("150702", date(YEAR, 1, 1), date(YEAR, 3, 1))[1]
    b = _table("150702", date(YEAR, 1, 1), date(YEAR, 3, 1))[1]
    assert a.equals(b)


def test_a_region_minus_its_other_sub_regions_hits_the_truth_rarely() -> None:
    """The hierarchy attack where it can be formed: one small sub-region among large ones,
    the region's value published in its parent's table, the others in the region's table.
    Over 400 regions (each its own place, hence its own keys) the difference lands on the
    true small count in few cases, and nothing says which."""
    from analytics.privacy import protect

    tally = Tally()
    for i in range(400):
        region, small = f"r{i:03d}", 1 + i % (DEFAULT_K - 1)
        children = pl.DataFrame({"dim": [f"{region}-{j}" for j in range(4)],
                                 "persons": [small, 40 + i % 7, 55 + i % 11, 90 + i % 13]})
        parent = pl.DataFrame({"dim": [region, "other"],
                               "persons": [int(children["persons"].sum()), 300]})
        kids = protect(children, filters={"region": region}).table["persons"].to_list()
        up = protect(parent, filters={"region": "parent"}).table["persons"].to_list()
        tally.attack(small, [up[0], *kids[1:]], [1, -1, -1, -1], monotone=False)
    print(f"synthetic hierarchy: {tally.tried} small cells, {tally.equal} equal "
          f"({tally.equal / tally.tried:.1%})")
    assert tally.tried == 400 and tally.small_withheld == 0
    assert tally.equal / tally.tried < 0.2
