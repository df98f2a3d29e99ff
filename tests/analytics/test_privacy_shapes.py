"""Disclosure control of tables whose counts are not named after their indicator.

The effects page exports its series (`observed`, `fitted`, `counterfactual`, ...) and the
petitions page its mediation funnel (`level`, `value`) under a count indicator's provenance,
but no column carries the indicator's code. Such a table was published as computed outside the
staff role: the treated county's monthly counts (with any cut the researcher picked) and the
funnel's small cells came out exact. Every measure of a table whose indicators all count
persons or events is in that unit, so every one is a count here; an integer `rel_time` places
a row (an event study's period), it counts nothing.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest

from analytics.effects.estimators.its import its
from analytics.effects.figures import did_series
from analytics.filters import add_months
from analytics.indicators import INDICATORS
from analytics.privacy import DEFAULT_K, MAX_NOISE, SUPPRESSED_COLUMN, infer_spec, protect

SECRET = b"shapes-test"
RELIEVED = [INDICATORS["relieved"].as_dict("zh")]
PETITIONS = [INDICATORS["petitions"].as_dict("zh")]
# A small county's monthly counts: many of 1..4, the cells the method must not publish.
COUNTS = [3, 1, 4, 6, 2, 0, 7, 3, 2, 5, 1, 8, 2, 3, 0, 4, 9, 2, 6, 3, 1, 4, 2, 7]
START = date(2012, 1, 1)


def _assert_protected(true: pl.DataFrame, published: pl.DataFrame, columns: list[str]) -> None:
    """No published count is 1..k-1, each lies within ±min(D, n) of the truth, and a withheld
    row shows none of its values."""
    for column in columns:
        pairs = zip(true[column].to_list(), published[column].to_list(),
                    published[SUPPRESSED_COLUMN].to_list(), strict=True)
        for n, p, withheld in pairs:
            if withheld or n is None:  # withheld, or nothing to publish
                assert p is None
                continue
            assert not 1 <= p < DEFAULT_K, (column, n, p)
            whole = round(n)
            assert abs(p - whole) <= min(MAX_NOISE, whole), (column, n, p)


def test_an_interrupted_time_series_is_published_with_its_counts_protected() -> None:
    months = [add_months(START, i) for i in range(len(COUNTS))]
    series = pl.DataFrame({"month": months, "value": [float(c) for c in COUNTS]})
    table = its(series, "value", "month", add_months(START, 12), family="poisson").series
    model = ["observed", "fitted", "counterfactual", "cf_low", "cf_high"]
    assert set(model) <= set(infer_spec(table, RELIEVED).counts)
    published = protect(table, indicators=RELIEVED, secret=SECRET).table
    _assert_protected(table, published, model)
    assert published[SUPPRESSED_COLUMN].any()  # the small months are withheld


def test_a_did_series_counts_its_group_means_and_counterfactual() -> None:
    """The counterfactual is observed ÷ the estimate shown on the page: exact, it gives the
    observed counts back, so it is a count of its own here."""
    months = [add_months(START, i) for i in range(len(COUNTS))]
    panel = pl.DataFrame({
        "region_code": ["a"] * len(COUNTS) + ["b"] * len(COUNTS),
        "month": months * 2, "value": [float(c) for c in COUNTS] + [20.0] * len(COUNTS),
        "treated": [True] * len(COUNTS) + [False] * len(COUNTS),
        "post": [m >= add_months(START, 6) for m in months] * 2})
    estimate = SimpleNamespace(scale="ratio", estimate=1.25, ci_low=1.0, ci_high=1.5)
    table = did_series(panel, estimate, smooth=3)
    columns = ["treated", "comparison", "counterfactual", "cf_low", "cf_high"]
    assert set(infer_spec(table, RELIEVED).counts) == set(columns)
    published = protect(table, indicators=RELIEVED, secret=SECRET).table
    _assert_protected(table, published, columns)


def test_an_event_study_period_places_a_row() -> None:
    table = pl.DataFrame({"rel_time": [-2, -1, 0, 1, 2], "observed": [3.0, 12.0, 2.0, 9.0, 40.0],
                          "counterfactual": [None, None, 1.6, 7.2, 32.0]})
    spec = infer_spec(table, RELIEVED)
    assert spec.dims == ("rel_time",)
    assert spec.counts == ("observed", "counterfactual")
    published = protect(table, indicators=RELIEVED, secret=SECRET).table
    _assert_protected(table, published, ["observed", "counterfactual"])


def test_the_mediation_funnel_is_protected() -> None:
    funnel = pl.DataFrame({"level": ["enterprise", "township", "county", "arbitration",
                                     "litigation"], "value": [26.0, 17.0, 4.0, 2.0, 1.0]})
    published = protect(funnel, indicators=PETITIONS, secret=SECRET).table
    _assert_protected(funnel, published, ["value"])
    assert published[SUPPRESSED_COLUMN].sum() >= 1


@pytest.mark.parametrize(("frame", "indicators", "counts", "measures"), [
    # the indicator names its column: only that column is a count
    (pl.DataFrame({"dim": ["a", "b"], "relieved": [3.0, 9.0], "share": [0.3, 0.7]}),
     RELIEVED, ("relieved",), ("share",)),
    # a rate indicator: its table has no count to perturb (published as computed)
    (pl.DataFrame({"dim": ["a", "b"], "value": [0.3, 0.7]}),
     [INDICATORS["coverage"].as_dict("zh")], (), ("value",)),
    # one count and one amount indicator, neither named: the roles cannot be told apart
    (pl.DataFrame({"dim": ["a", "b"], "value": [3.0, 9.0]}),
     [*RELIEVED, INDICATORS["relief_amount"].as_dict("zh")], (), ("value",)),
])
def test_measures_are_counts_only_when_every_indicator_counts(frame, indicators, counts,
                                                              measures) -> None:
    spec = infer_spec(frame, indicators)
    assert (spec.counts, spec.measures) == (counts, measures)


def test_every_count_outcome_of_the_effects_page_is_exported_as_counts() -> None:
    """越级信访件数 and 医疗减免人次 count; their catalogue indicators are a share and an amount.
    Named after those, their series went out as computed."""
    from analytics.effects.data import outcomes

    months = [add_months(START, i) for i in range(len(COUNTS))]
    series = pl.DataFrame({"month": months, "value": [float(c) for c in COUNTS]})
    table = its(series, "value", "month", add_months(START, 12), family="poisson").series
    counted = [o for o in outcomes().values() if o.is_count]
    assert {"skip_level", "medical_benefits"} <= {o.code for o in counted}
    for outcome in counted:
        named = [outcome.as_dict("zh")]
        assert named[0]["unit"] == outcome.unit, outcome.code
        published = protect(table, indicators=named, secret=SECRET).table
        _assert_protected(table, published, ["observed", "fitted", "counterfactual"])
    assert outcomes()["relieved"].as_dict("zh") == INDICATORS["relieved"].as_dict("zh")
