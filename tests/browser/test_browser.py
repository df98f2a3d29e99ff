"""Every page in a real Chromium: charts drawn, no exception, the sample's banner, screenshots
in screenshots/; one of them opened by an English link to a county, whose state the URL keeps.
(That a copied URL opens the same filters: test_browser_url.py, run by another worker.)"""

from __future__ import annotations

import pytest

from tests.served import DONE, SHOTS, charts_drawn

pytestmark = pytest.mark.browser

# (page, its link's query beyond the period, its title, the sample banner's words): relief in
# English at 海拉尔区 (an English link is drawn as the Chinese ones are, and keeps its state),
# the others in Chinese at the default region. The default page lives at the root.
VIEWS = [("overview", "", "总览", "示例数据"),
         ("relief", "&region=150702&lang=en", "Relief and coverage", "synthetic sample data"),
         ("funds", "", "资金使用", "示例数据"), ("training", "", "培训就业", "示例数据"),
         ("petitions", "", "维权诉求", "示例数据")]


@pytest.fixture(scope="module")
def page(server, browser):
    """One tab for the module: each view is a new page load (a new session) in it. A tab that
    has shown a page already draws the next with ~1/3 less CPU than a new one (its renderer
    keeps the compiled scripts: 4 views with charts, 14 against 21 CPU-s)."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield pg
    pg.close()


@pytest.mark.parametrize(("name", "query", "title", "banner"), VIEWS, ids=[v[0] for v in VIEWS])
def test_page_draws_charts_without_errors(server, page, name, query, title, banner):
    path = "" if name == "overview" else name
    page.goto(f"{server}/{path}?from=2012-01&to=2012-12{query}")
    page.wait_for_selector(DONE, timeout=60_000)
    charts_drawn(page)
    SHOTS.mkdir(exist_ok=True)
    shot = f"{name}_en" if "lang=en" in query else name
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert title in page.inner_text("h1")
    assert banner in page.inner_text('[data-testid="stMain"]')
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1
    for part in query.split("&")[1:]:
        assert part in page.url, (part, page.url)  # the link's state kept
