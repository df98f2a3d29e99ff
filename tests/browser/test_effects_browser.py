"""The 干预评估 page in a real Chromium on the sample: charts drawn, no exception, and a
screenshot per method in screenshots/ to look at."""

from __future__ import annotations

import pytest

from tests.served import SHOTS, charts_drawn

pytestmark = pytest.mark.browser


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


def test_effects_page_for_each_method(sample_server, browser):
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2300}, locale="zh-CN")
    page.goto(f"{sample_server}/effects")
    _drawn(page)
    page.get_by_text("建议：事件研究").first.wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "effects_event_study.png"), full_page=True)

    _choose(page, "干预措施", "内政发[2010]30号", then_shows="建议：双重差分")
    page.screenshot(path=str(SHOTS / "effects_did.png"), full_page=True)

    _choose(page, "干预措施", "爱心医院", then_shows="建议：中断时间序列")
    page.screenshot(path=str(SHOTS / "effects_its.png"), full_page=True)
    page.close()
