"""The 干预评估 page in a real Chromium on the sample, for each method the page suggests for one
of the sample's measures: the method chosen and suggested, the treated regions named, the
estimate's four cards with values (no pre-trend test for an ITS), the method's charts drawn
(ITS one, DiD and the event study the counterfactual and the effect by time since the start)
and its estimator named, no exception; and a screenshot per method in screenshots/ to look
at."""

from __future__ import annotations

import pytest

from tests.served import SHOTS, charts_drawn

pytestmark = pytest.mark.browser

CARDS = ["p值", "事前趋势检验 p", "安慰剂检验"]  # after the first: 效应, or 变化（率比） for a ratio
# The method's label, its charts' titles (after "<outcome>："), its estimator's words and
# whether it has a pre-trend test (a comparison group's: not an ITS).
COUNTERFACTUAL, EVENT = "实际值与反事实", "按相对实施时间的效应"
METHODS = {
    "event_study": ("事件研究（交错实施）", [COUNTERFACTUAL, EVENT], ("pyfixest", "window"), True),
    "did": ("双重差分", [COUNTERFACTUAL, EVENT], ("pyfixest", "TWFE"), True),
    "its": ("中断时间序列", [COUNTERFACTUAL], ("statsmodels GLM",), False),
}


def _drawn(page) -> None:
    charts_drawn(page, timeout=120_000)
    assert not page.query_selector('[data-testid="stException"]')


def _choose(page, label: str, option: str, then_shows: str) -> None:
    """Pick an option and wait for the text the rerun shows: the rerun starts some time
    after the click, and a fixed pause was too short on a busy machine."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.get_by_role("option", name=option).first.click()
    page.get_by_text(then_shows).first.wait_for(timeout=120_000)
    _drawn(page)


def _shows(page, method: str) -> None:
    """What the page shows for `method`, suggested and chosen, then its screenshot."""
    name, titles, words, pretrend = METHODS[method]
    assert page.get_by_text(f"建议：{name}").count() >= 1
    assert page.get_by_text("实施地区：").count() == 1  # the treated regions named
    checked = page.locator('[data-testid="stRadio"] label:has(input:checked)')
    assert checked.inner_text().strip() == name
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert [s.strip() for s in labels[1:4]] == CARDS and labels[0].strip() in ("效应", "变化（率比）")
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(values) == 4 and all(v.strip() for v in values), values
    assert (values[2].strip() != "不适用") == pretrend, values  # a p value, or none for an ITS
    # each chart's title is drawn by Streamlit above it (ui/charts.py)
    bold = page.locator('[data-testid="stMarkdownContainer"] strong').all_inner_texts()
    shown = [t.split("：")[-1] for t in bold if t.endswith((COUNTERFACTUAL, EVENT))]
    assert shown == titles, bold
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"]').count() == len(titles)
    estimator = page.get_by_text("估计方法：").first.inner_text()
    assert all(w in estimator for w in words), estimator
    page.screenshot(path=str(SHOTS / f"effects_{method}.png"), full_page=True)


def test_effects_page_for_each_method(sample_server, browser):
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2300}, locale="zh-CN")
    page.goto(f"{sample_server}/effects")
    _drawn(page)
    page.get_by_text("建议：事件研究").first.wait_for(timeout=60_000)
    _shows(page, "event_study")

    _choose(page, "干预措施", "内政发[2010]30号", then_shows="建议：双重差分")
    _shows(page, "did")

    _choose(page, "干预措施", "爱心医院", then_shows="建议：中断时间序列")
    _shows(page, "its")
    page.close()
