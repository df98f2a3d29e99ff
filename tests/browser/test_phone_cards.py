"""KPI cards on a 360-px phone, one page view: two cards a row, nothing in them cut off.

Streamlit ends a metric's label and its delta's description with "…" when they do not fit,
and the cards' fixed 170-px width left one card a row on a 360-px screen (328 px inside) with
"两节慰问金额(万…" and "+13.2百分点 同…" cut (ui/sections.KPI_CSS)."""

from __future__ import annotations

import pytest

from tests.served import DONE, without_charts

pytestmark = pytest.mark.browser

# Each text of a card that Streamlit would cut: [part, its text, the widest overflow of the part or
# an element in it (the ellipsis sits on a div around the text, not on the text's <p>)]
_CUT = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].flatMap(m =>
  ['stMetricLabel', 'stMetricValue', 'stMetricDeltaDescription'].map(part => {
     const e = m.querySelector(`[data-testid="${part}"]`);
     if (!e) return null;
     const over = Math.max(...[e, ...e.querySelectorAll('*')].map(x => x.scrollWidth - x.clientWidth));
     return [part, e.innerText.trim(), over]; }).filter(Boolean))"""
_TOPS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
  .map(m => Math.round(m.getBoundingClientRect().top))"""


def test_cards_sit_two_a_row_uncut_on_a_360_px_phone(server, browser):
    page = browser.new_page(viewport={"width": 360, "height": 780}, locale="zh-CN")
    without_charts(page)
    page.goto(f"{server}/relief?from=2012-01&to=2012-12")
    page.wait_for_selector(DONE, timeout=60_000)
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    texts = page.evaluate(_CUT)
    labels = [t[1] for t in texts if t[0] == "stMetricLabel"]
    assert "两节慰问金额(万元)" in labels and len(labels) >= 7, labels
    assert [t for t in texts if t[2] > 1] == []  # nothing cut off
    tops = page.evaluate(_TOPS)
    assert tops[0] == tops[1] and tops[2] > tops[1], tops  # two cards, then the next row
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
