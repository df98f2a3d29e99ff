"""The map's screenshot of one view, shared by the sample's and 四川省's map tests: at a
province and a city the map of the scope's children, within the window's width; at a county
the sub-regions' table instead (no boundaries below the county)."""

from __future__ import annotations

from tests.served import IDLE, SHOTS

MAP = ".js-plotly-plot:has(path.choroplethlocation)"
# The regions a scope's map draws: its children, whose codes begin with its own code's.
PREFIX = {"province": 2, "city": 4}


def screenshot(browser, url: str, view: str, page_name: str, scope: str, code: str,
               width: int, period: str) -> None:
    """screenshots/map_<view>_<page>_<scope>_<width>.png, asserting what it shows."""
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900 if width > 400 else 844},
                            locale="zh-CN")
    path = "" if page_name == "overview" else page_name
    page.goto(f"{url}/{path}?region={code}&{period}")
    page.wait_for_selector(IDLE, timeout=90_000)
    if scope == "county":  # a tab away from the bars: the sub-regions' table
        page.get_by_role("tab", name="表格").first.click()
        panel = page.get_by_role("tabpanel").filter(has_text="没有行政边界").first
        target = panel.locator('[data-testid="stDataFrame"]').first
        target.wait_for(timeout=30_000)
        assert page.locator(f"{MAP}:visible").count() == 0
    else:
        page.wait_for_selector(f"{MAP} path.choroplethlocation", timeout=60_000)
        target = page.locator(MAP).first
        drawn = target.locator("path.choroplethlocation").evaluate_all(
            "els => els.map(e => e.__data__ && e.__data__.loc)")
        assert len(set(drawn)) >= 2, drawn
        n = PREFIX[scope]
        assert all(loc and loc != code and loc[:n] == code[:n] for loc in drawn), (code, drawn)
    target.scroll_into_view_if_needed()
    assert target.bounding_box()["width"] <= width  # fits the window: no sideways scrolling
    page.screenshot(path=str(SHOTS / f"map_{view}_{page_name}_{scope}_{width}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
