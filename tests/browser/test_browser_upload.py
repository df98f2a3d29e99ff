"""A real browser uploads a station file on 数据导入 and sees the result; then 数据质量 shows it.

Runs the dashboard with Streamlit on a free port over a copy of the sample warehouse, drives
Debian's Chromium with Playwright, and saves screenshots to screenshots/ for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.parse import make_id
from tests.served import IDLE, ROOT, dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def login_server(sample_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    db = root / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    with dashboard(db, UNION_DASH_REJECTS_DIR=str(root / "rejects")) as url:
        yield url, db


def _roster(tmp: Path) -> Path:
    a, b = make_id("15070219800101001"), make_id("15070219800101002")
    text = ("序号,姓名,身份证号码,帮扶站点,帮扶类型,救助对象类别,资金来源,金额（元）,发放日期\n"
            f"1,张一,{a},150702001,临时救助,困难职工,工会自筹,800,2024-12-05\n"
            f"2,张二,{b},150702001,临时救助,困难职工,工会自筹,1千元,2024-12-06\n")
    path = tmp / "海拉尔区正阳街道2024年12月临时救助.csv"
    path.write_bytes(text.encode("gb18030"))
    return path


def test_upload_in_the_browser(login_server, browser, tmp_path):
    url, db = login_server
    shots = ROOT / "screenshots"
    shots.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/upload", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("heading", name="数据导入").wait_for(timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(_roster(tmp_path)))
    page.locator('[data-testid="stFileChip"]').first.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_text("被拒绝的行及原因").wait_for(timeout=90_000)
    page.get_by_role("button", name="下载拒绝清单（CSV）").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.screenshot(path=str(shots / "upload_result.png"), full_page=True)
    body = page.inner_text("body")
    assert "部分载入" in body or "部分文件或行未载入" in body

    # The same server shows the new data without a restart: its 数据质量 page, opened from the
    # menu (a run of the same session, where a new page view costs Chromium its start again).
    page.get_by_role("link", name="数据质量").click()
    page.wait_for_url("**/quality**", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("heading", name="数据质量").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="导入拒收").click()
    # the uploaded file's unreadable amount, counted with its kind in the chart's legend
    page.get_by_text("无法识别的金额…；请只填数字，如 …").first.wait_for(timeout=60_000)
    page.screenshot(path=str(shots / "quality_rejects.png"), full_page=True)
    page.close()
