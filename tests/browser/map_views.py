"""The map's screenshot of one view, shared by the sample's and 四川省's map tests: at a
province and a city the map of the scope's children, within the window's width; at a county
the sub-regions' table instead (no boundaries below the county).

A page view costs Chromium a few CPU-seconds (Streamlit's bundle, every chart drawn), so one
page serves several views: the window narrowed from a desktop's 1280 px to a phone's 390 px
lays the page out as one opened at 390 px (the sidebar folds away, the map re-drawn to the
width: screenshots compared when this was written), and another region chosen in the filter
bar's boxes is a rerun of the same page."""

from __future__ import annotations

from tests.served import IDLE, POLL, SHOTS

MAP = ".js-plotly-plot:has(path.choroplethlocation)"
# The regions a scope's map draws: its children, whose codes begin with its own code's.
PREFIX = {"province": 2, "city": 4}
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# The map drawn for `code`'s children only (a rerun to another region re-draws it), at most
# as wide as the window (no sideways scrolling) and re-drawn to its container's width.
_MAP_OF = """([code, n]) => {
  const map = document.querySelector('.js-plotly-plot:has(path.choroplethlocation)');
  if (!map || map.getBoundingClientRect().width > innerWidth) return false;
  const svg = map.querySelector('.main-svg');
  if (Math.abs(svg.getBoundingClientRect().width - map.getBoundingClientRect().width) > 1)
    return false;
  const locs = [...map.querySelectorAll('path.choroplethlocation')].map(
    e => e.__data__ && e.__data__.loc);
  return new Set(locs).size >= 2
    && locs.every(loc => loc && loc !== code && loc.slice(0, n) === code.slice(0, n));
}"""


def new_page(browser):
    """A desktop-wide page (a new session): narrowed later for a phone's view."""
    return browser.new_page(viewport=DESKTOP, locale="zh-CN")


def open_view(page, url: str, page_name: str, code: str, period: str) -> None:
    """Open `page_name` at the region `code` and wait for its run to end."""
    path = "" if page_name == "overview" else page_name
    page.goto(f"{url}/{path}?region={code}&{period}")
    page.wait_for_selector(IDLE, timeout=90_000)


def choose_region(page, label: str, name: str) -> None:
    """Pick `name` in the filter bar's region box labelled `label` (the deployment's word for
    the level), as a user would on a desktop: a rerun of the page to that region."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True))
    box.click()
    page.keyboard.type(name)  # the list shows a few options at a time: filtered to this one
    page.get_by_role("option", name=name, exact=True).first.click()
    page.wait_for_function("([el, name]) => el.value === name",
                           arg=[box.locator("input").element_handle(), name], timeout=30_000,
                           polling=POLL)


def map_drawn(page, code: str, scope: str) -> list[str]:
    """The codes the map draws, once it draws `code`'s children (a rerun from another region
    has re-drawn it) at the window's width."""
    page.wait_for_function(_MAP_OF, arg=[code, PREFIX[scope]], timeout=60_000, polling=POLL)
    return page.locator(MAP).first.locator("path.choroplethlocation").evaluate_all(
        "els => els.map(e => e.__data__ && e.__data__.loc)")


def screenshot(page, view: str, page_name: str, scope: str, code: str, width: int) -> None:
    """screenshots/map_<view>_<page>_<scope>_<width>.png of the open page at `code`, the
    window set to `width`, asserting what it shows."""
    SHOTS.mkdir(exist_ok=True)
    if page.viewport_size["width"] != width:
        page.set_viewport_size(PHONE if width == PHONE["width"] else DESKTOP)
    page.mouse.move(0, 0)  # no hover label left over from a test's mouse
    if scope == "county":  # a tab away from the bars: the sub-regions' table
        page.get_by_role("tab", name="表格").first.click()
        panel = page.get_by_role("tabpanel").filter(has_text="没有行政边界").first
        target = panel.locator('[data-testid="stDataFrame"]').first
        target.wait_for(timeout=60_000)
        assert page.locator(f"{MAP}:visible").count() == 0
    else:
        n = PREFIX[scope]
        drawn = map_drawn(page, code, scope)
        target = page.locator(MAP).first
        assert len(set(drawn)) >= 2, drawn
        assert all(loc and loc != code and loc[:n] == code[:n] for loc in drawn), (code, drawn)
    page.wait_for_selector(IDLE, timeout=90_000)
    target.evaluate("e => e.scrollIntoView({block: 'center'})")  # clear of the page's header
    assert target.bounding_box()["width"] <= width  # fits the window: no sideways scrolling
    page.screenshot(path=str(SHOTS / f"map_{view}_{page_name}_{scope}_{width}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
