"""Method suggestion from an intervention's scope, and the plain-language sentence."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from analytics.effects import Diagnostics, EffectResult, sentence, suggest_design
from sample.regions import COUNTIES, all_regions

REGIONS = pl.DataFrame([dataclasses.asdict(r) for r in all_regions()])
D = dt.date


def scopes(*rows: tuple[str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["scope_code", "start_on"], orient="row")


@pytest.mark.parametrize(
    ("rows", "method", "n_treated", "first_comparison"),
    [
        # 内政发[2010]30号: all of Inner Mongolia from 2010-07 → DiD against Guangxi
        ([("150000", D(2010, 7, 1))], "did", 20, "451002"),
        # Hailar's partner hospital: one county → ITS; comparison offered from its own city
        ([("150702", D(2008, 7, 1))], "its", 1, "150703"),
        # a help station counts for its county
        ([("150702001", D(2008, 7, 1))], "its", 1, "150703"),
        # the national income-tax change: every county treated → ITS, no comparison
        ([("000000", D(2011, 9, 1))], "its", 32, None),
        # voter reception days starting at different dates → event study
        ([("150702", D(2008, 3, 1)), ("150402", D(2008, 7, 1)), ("451002", D(2008, 10, 1))],
         "event_study", 3, "150403"),
        # a city-wide measure with one start → DiD against the rest
        ([("451000", D(2012, 1, 1))], "did", 12, "150402"),
    ],
)
def test_suggest_design(rows, method, n_treated, first_comparison):
    design = suggest_design(scopes(*rows), REGIONS)
    assert design.method == method
    assert len(design.treated) == n_treated
    assert (design.comparison[0] if design.comparison else None) == first_comparison
    assert not set(design.comparison) & set(design.treated)
    assert set(design.comparison) <= set(COUNTIES)


def test_comparison_ranked_by_pre_trend_similarity():
    # Within Hailar's city, the county whose pre-period trend matches Hailar's comes first.
    months = [D(2005 + m // 12, m % 12 + 1, 1) for m in range(36)]
    slope = {"150702": 1.0, "150703": -2.0, "150721": 0.9, "150781": 0.0}
    panel = pl.DataFrame(
        [(c, m, 100 + s * i) for c, s in slope.items() for i, m in enumerate(months)],
        schema=["region_code", "month", "value"], orient="row",
    )
    design = suggest_design(scopes(("150702", D(2007, 7, 1))), REGIONS, panel=panel)
    assert design.comparison[:3] == ("150721", "150781", "150703")


def _result(**kw) -> EffectResult:
    base = dict(method="its", outcome="y", estimate=0.82, std_error=0.05, ci_low=0.74,
                ci_high=0.91, p_value=0.001, n_obs=240, scale="ratio")
    return EffectResult(**(base | kw))


def test_sentence_chinese_ratio():
    text = sentence(_result(), "越级信访", per="每月")
    assert text == "实施后每月越级信访下降约18%（95%置信区间：9%–26%）。"


def test_sentence_english_ratio():
    text = sentence(_result(), "skip-level petitions", lang="en", per="per month")
    assert text == ("After the start, skip-level petitions per month: about 18% lower "
                    "(95% CI: 9%–26%).")


def test_sentence_level_difference_and_no_effect():
    up = _result(scale="difference", estimate=12.34, ci_low=5.0, ci_high=19.68)
    assert sentence(up, "救助人次", per="每月") == "实施后每月救助人次增加约12.3（95%置信区间：5.0–19.7）。"
    null = _result(estimate=1.02, ci_low=0.95, ci_high=1.10, p_value=0.6)
    text = sentence(null, "临时救助人次")
    assert text.startswith("实施后临时救助人次未见明显变化") and "区间包含零变化" in text


def test_sentence_warns_instead_of_causal_wording():
    failed = _result(warnings=("pretrend_rejected",), diagnostics=Diagnostics(pretrend_p=0.003))
    text = sentence(failed, "越级信访", per="每月")
    assert text.startswith("注意：") and "p=0.003" in text and "不能作为措施效果的证据" in text
    english = sentence(failed, "skip-level petitions", lang="en")
    assert english.startswith("Caution:") and "not evidence" in english
    # a non-blocking warning keeps the plain sentence
    mild = _result(warnings=("overdispersion",), diagnostics=Diagnostics(dispersion=2.0))
    assert sentence(mild, "越级信访").startswith("实施后越级信访下降")
