"""A copied URL opens the same filters in a real Chromium: the sidebar's choices go into the
URL, and a new session opened on it shows them again. (Apart from test_browser.py, so that two
workers share the pages.)"""

from __future__ import annotations

import pytest

from tests.served import DONE, POLL, without_charts

pytestmark = pytest.mark.browser


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    without_charts(page)  # it reads the filter bar only
    page.goto(url)
    page.wait_for_selector(DONE, timeout=60_000)
    return page


def _filters_shown(page) -> tuple[list[str], list[str]]:
    """(value of each sidebar selectbox, checked options of the sidebar's segmented controls)."""
    bar = page.locator('[data-testid="stSidebar"]')
    boxes = bar.locator('[data-testid="stSelectbox"] input').evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label') + '=' + e.value)")
    return boxes, bar.get_by_role("radio", checked=True).all_inner_texts()


def test_a_copied_url_opens_the_same_filters(server, browser):
    # Opened at the province by its link (a run fewer than choosing it too: the city's box is
    # the same kind of widget).
    page = _open(browser, f"{server}/funds?region=150000")
    bar = page.locator('[data-testid="stSidebar"]')
    # The region boxes by position (province, then city): their labels are the deployment's
    # words (自治区, 省, 市（州）…), not fixed.
    bar.locator('[data-testid="stSelectbox"]').nth(1).wait_for(timeout=60_000)
    bar.locator('[data-testid="stSelectbox"]').nth(1).click()
    page.get_by_role("option", name="赤峰市").click()
    page.wait_for_url("**region=150400**", timeout=30_000)
    page.wait_for_selector(DONE, timeout=60_000)
    bar.get_by_role("radiogroup", name="时间粒度").get_by_role("radio", name="季度").click()
    page.wait_for_url("**gran=quarter**", timeout=30_000)
    page.wait_for_selector(DONE, timeout=60_000)
    shown = _filters_shown(page)
    assert [box.split("=", 1)[1] for box in shown[0][:2]] == ["内蒙古自治区", "赤峰市"]
    assert "季度" in shown[1]

    copy = _open(browser, page.url)  # a new tab, a new session: only the URL carries the view
    assert copy.url == page.url
    # The sidebar can still be drawing after the run ends: wait for its filters to appear.
    copy.wait_for_selector('[data-testid="stSidebar"] [data-testid="stSelectbox"] input',
                           timeout=60_000)
    # ...and its segmented controls (drawn after the selectboxes; CI once read them empty).
    copy.wait_for_function(
        "([boxes, radios]) => {"
        " const bar = document.querySelector('[data-testid=\"stSidebar\"]');"
        " return bar.querySelectorAll('[data-testid=\"stSelectbox\"] input').length >= boxes"
        " && bar.querySelectorAll('[role=\"radio\"][aria-checked=\"true\"]').length >= radios; }",
        arg=[len(shown[0]), len(shown[1])], timeout=30_000, polling=POLL)
    assert _filters_shown(copy) == shown
    assert "资金使用" in copy.inner_text("h1")
    page.close()
    copy.close()
