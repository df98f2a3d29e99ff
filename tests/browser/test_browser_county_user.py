"""A county's user in a real Chromium: the filter bar starts inside the county, a link to a
wider region is refused, and a CSV export holds the county's rows only. (Its own module, apart
from test_browser_upload, so that the two run on two workers at once.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.served import IDLE, ROOT, charts_drawn, dashboard, log_in

pytestmark = pytest.mark.browser


def test_a_county_user_sees_and_exports_only_their_county(sample_db, browser, tmp_path):
    """Logged in as 海拉尔区's researcher: the filter bar starts inside 海拉尔区, a link to the
    whole country is refused, and a CSV export holds 海拉尔区's rows only."""
    import csv
    import io

    from ui import auth

    cfg = tmp_path / "auth.yaml"
    auth.add_user("hailar", "researcher", "Passwort-123", cfg, region="150702")
    with dashboard(sample_db, UNION_DASH_AUTH=str(cfg)) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(f"{url}/", timeout=60_000)
        log_in(page, "hailar", "Passwort-123")
        page.get_by_text("已登录：hailar（研究人员）").wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        # A link to the whole country, opened in the signed-in browser (the login cookie).
        page.goto(f"{url}/relief?region=000000&from=2012-01&to=2012-12", timeout=60_000)
        page.get_by_text("已登录：hailar（研究人员）").wait_for(timeout=60_000)
        charts_drawn(page)
        page.screenshot(path=str(ROOT / "screenshots" / "county_user_relief.png"), full_page=True)
        bar = page.locator('[data-testid="stSidebar"]')
        labels = bar.locator('[data-testid="stSelectbox"] input').evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))")
        assert "旗县区" not in labels and "市" not in labels and "乡镇街道" in labels
        assert "不在您的权限范围内" in bar.inner_text()
        assert "region=150702" in page.url
        main = page.locator('[data-testid="stMain"]')
        with page.expect_download(timeout=60_000) as got:
            main.get_by_role("button", name="CSV").first.click()
        text = Path(got.value.path()).read_text(encoding="utf-8-sig")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        rows = list(csv.reader(io.StringIO(body)))
        assert len(rows) > 1, text[:500]
        for other in ("满洲里", "牙克石", "红山区", "百色", "全国", "呼伦贝尔市"):
            assert other not in text, other
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()

