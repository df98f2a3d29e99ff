"""A new, empty warehouse in a real Chromium: the overview's empty state, then a first relief
roster uploaded through 数据导入, after which the filter bar offers the roster's months.

The warehouse has the sample's stations registered and no rows (tests/registry.py). Its
charts are not drawn (tests/served.py `without_charts`): no check reads one, and the
screenshots are of the empty state and the first roster's cards and filter bar (a view with
charts costs Chromium ~2.5 CPU-s more; test_browser.py checks every page's charts).
"""

from __future__ import annotations

import time

import pytest

from etl.parse import make_id
from tests.registry import registered
from tests.served import IDLE, ROOT, dashboard, without_charts

pytestmark = pytest.mark.browser
SHOTS = ROOT / "screenshots"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser_empty")
    db = root / "warehouse.duckdb"
    registered(db)
    with dashboard(db, UNION_DASH_REJECTS_DIR=str(root / "rejects")) as url:
        yield url


@pytest.fixture(scope="module")
def page(empty_server, browser):
    """One tab for the module: the second test goes on from where the first left it."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    without_charts(pg)
    yield pg
    pg.close()


def _period(page, showing: str = "") -> str:
    """The filter bar's period, once it shows `showing` (the run that draws it may follow
    the text the test waited for)."""
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]')
    (slider.filter(has_text=showing) if showing else slider).wait_for(timeout=60_000)
    return slider.inner_text()


def test_empty_overview(empty_server, page):
    page.goto(empty_server)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("数据仓库中还没有数据").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "empty_overview.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "示例数据" not in main.inner_text(), "nothing in an empty warehouse is sample data"
    main.get_by_role("link", name="前往数据导入").wait_for(timeout=30_000)  # drawn after the text
    assert main.get_by_role("link", name="前往数据导入").count() == 1
    assert str(time.localtime().tm_year) in _period(page)  # the current year


def test_first_roster_through_the_upload_page(empty_server, page, tmp_path):
    a, b = make_id("15070219800101001"), make_id("15070219800101002")
    roster = tmp_path / "海拉尔区2023年救助花名册.csv"
    roster.write_bytes(("序号,姓名,身份证号码,帮扶站点,帮扶类型,救助对象类别,资金来源,金额（元）,发放日期\n"
                        f"1,张一,{a},150702001,临时救助,困难职工,工会自筹,800,2023-03-05\n"
                        f"2,张二,{b},150702002,临时救助,困难职工,工会自筹,600,2023-05-06\n"
                        ).encode("gb18030"))
    page.locator('[data-testid="stMain"]').get_by_role("link", name="前往数据导入").click()
    page.get_by_role("heading", name="数据导入").wait_for(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(roster))
    page.locator('[data-testid="stFileChip"]').first.wait_for(timeout=30_000)
    # The button is enabled by the run that sees the file: the click waits for that.
    page.get_by_role("button", name="导入", exact=True).click(timeout=60_000)
    page.get_by_text("全部文件已载入").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    period = _period(page, showing="2023年5月")
    assert "2023年3月" in period and "2023年5月" in period
    page.get_by_role("link", name="总览").click()
    page.get_by_text("关键指标").wait_for(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.screenshot(path=str(SHOTS / "first_roster_overview.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "2人" in page.locator('[data-testid="stMetric"]').all_inner_texts()[1]
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Overview").wait_for(timeout=30_000)
    period = _period(page, showing="May 2023")
    assert "Mar 2023" in period and "May 2023" in period
