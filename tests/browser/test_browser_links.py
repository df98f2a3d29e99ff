"""Links that always open their view: three deep links in three sequential browser sessions
(fresh contexts, no shared cookie) on one server, without and with a login (nothing shown
before it, a wrong password refused, the role's menu after it), each landing on
its page with its filters; the overview's own path and an unknown path open the overview
with a message in the interface's language, never Streamlit's English "Page not found".
On the login's server, a county's user: the filter bar starts inside the county, a link to a
wider region is refused, and a CSV export holds the county's rows only.

Before this, only the first session a server saw honoured a link: in later ones the login
form's cookie component asked for a rerun before the first run reached st.navigation, and
Streamlit fell back to the default page.

Views that read no chart are drawn without Plotly (tests/served.py `without_charts`):
test_browser.py checks every page's charts, and its screenshots show them (funds.png and
overview.png: the pages of link_funds.png and link_unknown.png, whose subject is the filter
bar and the message). The login's views whose screenshots are looked at for their charts and
cards draw them."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.served import (
    IDLE,
    POLL,
    SHOTS,
    charts_drawn,
    dashboard,
    log_in,
    with_charts,
    without_charts,
)

pytestmark = pytest.mark.browser

# path and query, the page's title, the region widgets' values, the period and granularity shown
LINKS = [
    ("/funds?region=150400&from=2012-02&to=2012-11&gran=quarter", "资金使用",
     ["内蒙古自治区", "赤峰市"], ("2012年2月", "2012年11月"), "季度"),
    ("/relief?region=150702&from=2011-01&to=2011-12&gran=month", "帮扶救助",
     ["内蒙古自治区", "呼伦贝尔市", "海拉尔区"], ("2011年1月", "2011年12月"), "月"),
    ("/petitions?region=150000&from=2010-01&to=2010-06&gran=year", "维权诉求",
     ["内蒙古自治区"], ("2010年1月", "2010年6月"), "年"),
]


def _session(browser, charts: bool = False):
    """A new browser context: no cookie, no tab, no state shared with earlier sessions; its
    charts drawn only when asked (a screenshot looked at for them)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                              accept_downloads=True)
    if not charts:
        without_charts(ctx)
    return ctx


def _settled(page, polling: float | str = POLL) -> None:
    """The run has ended and the sidebar's filters are drawn (they can follow the run's end);
    `polling`: how often the conditions below are tested (ms, or "raf": every frame)."""
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stSlider"]', timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'[data-testid=\"stSidebar\"] [role=\"radio\"][aria-checked=\"true\"]').length >= 2",
        timeout=30_000, polling=polling)
    # and the region boxes hold their values: read at once after a page switch (the role's
    # refusal below), they were once all empty (a clean-clone CI run)
    page.wait_for_function(
        "() => [...document.querySelectorAll("
        "'[data-testid=\"stSidebar\"] [data-testid=\"stSelectbox\"] input')]"
        ".some(e => e.value)", timeout=30_000, polling=polling)
    page.wait_for_selector(IDLE, timeout=60_000)


def _shown(page) -> tuple[str, list[str], tuple[str, str], list[str]]:
    """(page title, region widgets' chosen values, the period's two ends, checked radios)."""
    bar = page.locator('[data-testid="stSidebar"]')
    values = bar.locator('[data-testid="stSelectbox"] input').evaluate_all(
        "els => els.map(e => e.value)")
    period = bar.locator('[data-testid="stSlider"]').inner_text().split("\n")
    ends = [p for p in period if p.strip()][1:3]
    return (page.inner_text("h1"), [v for v in values if v], tuple(ends),
            bar.get_by_role("radio", checked=True).all_inner_texts())


def _check(page, link: tuple, server: str) -> None:
    path, title, regions, period, gran = link
    got_title, got_regions, got_period, radios = _shown(page)
    assert title in got_title, (path, got_title)
    assert got_regions == regions, (path, got_regions)
    assert got_period == period, (path, got_period)
    assert gran in radios, (path, radios)
    assert page.url.startswith(server + path.split("?")[0] + "?"), page.url
    for part in path.split("?")[1].split("&"):
        assert part in page.url, (part, page.url)
    assert page.get_by_text("Page not found").count() == 0


def _cookie_stored(page) -> None:
    """The re-login cookie reached the browser. Its setter once ran in the login's run only,
    and the link's page switch that follows removed it before it loaded on a busy machine:
    a new tab then asked for the password again."""
    page.wait_for_function("() => document.cookie.includes('union_dash_auth=')", timeout=60_000,
                           polling=POLL)


def test_three_links_in_three_sessions_without_login(sample_server, browser):
    """On the worker's dashboard over the sample (no login configured: the local staff user);
    the sessions the server saw before (other modules') are earlier sessions too. No view
    draws charts: a chart view costs Chromium ~2.5 CPU-s more."""
    server = sample_server
    for i, link in enumerate(LINKS):
        ctx = _session(browser)
        page = ctx.new_page()
        page.goto(server + link[0], timeout=60_000)
        _settled(page)
        _check(page, link, server)
        if i == 0:
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / "link_funds.png"))
        ctx.close()
    unknown = "/no-such-page?region=150400"
    # The paths in one tab, each a new page load (a new session): a tab that has shown a page
    # draws the next with less CPU than a new tab (its renderer keeps the compiled scripts).
    ctx = _session(browser)
    page = ctx.new_page()
    for path, said in (("/overview?region=150400", None),
                       (unknown, "没有“/no-such-page”这个页面，已打开总览。"),
                       # the local user is staff: the audit page is admin's
                       ("/audit?region=150400", "您的角色无权打开“/audit”，已打开总览。")):
        page.goto(server + path, timeout=60_000)
        _settled(page)
        title, regions, *_ = _shown(page)
        assert "总览" in title and regions == ["内蒙古自治区", "赤峰市"], (path, title, regions)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator('[role="dialog"]').count() == 0  # one message: ours
        main = page.inner_text('[data-testid="stMain"]')
        assert (said in main) if said else "这个页面" not in main, main[:300]
        if path == unknown:
            page.screenshot(path=str(SHOTS / "link_unknown.png"))
    ctx.close()


def _landed(page, link: tuple, server: str, polling: float | str = POLL) -> None:
    _settled(page, polling)
    _check(page, link, server)


def _slow_cpu(ctx, page, rate: int = 6):
    """The browser's CPU slowed `rate` times (Chrome's throttling), as on a loaded machine:
    the browser then skips the login's run, superseded by the cookie setter's rerun, and
    with it the link's values that run seeded. Before the widgets were drawn with their
    values as defaults (ui/filters.py) this landed on the default region and period in
    the first session of a fresh server (2 of 2 tries); after, 4 of 4 landed on the link.
    A throttled renderer keeps a core busy for as long as it is throttled (the session
    throttled from its first load to its last check: ~26 CPU-s, ~5 at full speed), so the
    caller slows it only from the login's submit until the link's view is checked (the race
    is between those two runs) and hands back the CDP session to end the throttling with
    `_full_speed`; the session draws no chart (the next one does, for its screenshot)."""
    cdp = ctx.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return cdp


def _full_speed(cdp) -> None:
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})


def _refused_before_login(page) -> None:
    """Before a login: no menu and no page, and a wrong password is refused."""
    page.get_by_label("密码").wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "资金使用" not in body and "总览" not in body, body[:300]
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码错误").wait_for(timeout=60_000)


@pytest.fixture(scope="module")
def login_server(sample_db, tmp_path_factory) -> Iterator[str]:
    """The sample served to a network (a login required) with two users: 王 (leader, every
    region) and 海拉尔区's researcher (their passwords hashed at bcrypt's cost 4, as every test
    hashes: tests/conftest.py; the server checks them at that cost)."""
    from ui import auth

    root = tmp_path_factory.mktemp("logins")
    cfg = root / "auth.yaml"
    auth.add_user("wang", "leader", "Passwort-123", cfg)
    auth.add_user("hailar", "researcher", "Passwort-123", cfg, region="150702")
    db = root / "warehouse.duckdb"
    shutil.copyfile(sample_db, db)
    with dashboard(db, address="0.0.0.0", UNION_DASH_AUTH=str(cfg)) as server:
        yield server


def test_three_links_in_three_sessions_with_a_login(login_server, browser):
    """Nothing before a login, a wrong password refused; each link opened before the login is
    its page after it, in every session, with the role's menu; a signed-in session's new tab
    (the login cookie) opens one too."""
    server = login_server
    ctx = None
    for link in LINKS:
        if ctx:
            ctx.close()
        ctx = _session(browser, charts=link is LINKS[1])
        page = ctx.new_page()
        page.goto(server + link[0], timeout=60_000)
        slowed = None
        if link is LINKS[0]:
            _refused_before_login(page)
            slowed = _slow_cpu(ctx, page)  # from the login's submit until the link's view
        log_in(page, "wang", "Passwort-123")
        page.get_by_text("已登录：wang").wait_for(timeout=60_000)
        # the throttled session's waits test their conditions on every frame, as when the
        # race was caught (a renderer busier in the window the race plays in)
        _landed(page, link, server, "raf" if slowed else POLL)
        if slowed:
            _full_speed(slowed)
        _cookie_stored(page)
        page.get_by_text("已登录：wang（领导）").wait_for(timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "总览" in nav and "数据导入" not in nav and "数据质量" not in nav, nav
        if link is LINKS[1]:  # drawn at full speed: the slowed session's charts cost ~9 CPU-s more
            charts_drawn(page)
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / "login_leader.png"))
    # After a login: a new tab of the last session signs in by its cookie, no form.
    tab = ctx.new_page()
    tab.goto(server + LINKS[0][0], timeout=60_000)
    tab.get_by_text("已登录：wang").wait_for(timeout=60_000)
    _landed(tab, LINKS[0], server)
    # A page the role may not open: the overview, and it says why.
    tab.goto(server + "/upload?region=150400", timeout=60_000)
    tab.get_by_text("已登录：wang").wait_for(timeout=60_000)
    _settled(tab)
    assert "总览" in tab.inner_text("h1")
    assert "您的角色无权打开“/upload”" in tab.inner_text('[data-testid="stMain"]')
    ctx.close()


def test_a_county_user_sees_and_exports_only_their_county(login_server, browser):
    """Logged in as 海拉尔区's researcher: the filter bar starts inside 海拉尔区, a link to the
    whole country is refused, and a CSV export holds 海拉尔区's rows only."""
    url = login_server
    ctx = _session(browser)  # the overview of the login draws no chart; the link's view does
    page = ctx.new_page()
    page.goto(f"{url}/", timeout=60_000)
    log_in(page, "hailar", "Passwort-123")
    page.get_by_text("已登录：hailar（研究人员）").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    _cookie_stored(page)  # else the link below can open on the login form (a busy machine)
    with_charts(ctx)
    # A link to the whole country, opened in the signed-in browser (the login cookie).
    page.goto(f"{url}/relief?region=000000&from=2012-01&to=2012-12", timeout=60_000)
    page.get_by_text("已登录：hailar（研究人员）").wait_for(timeout=60_000)
    charts_drawn(page)
    page.screenshot(path=str(SHOTS / "county_user_relief.png"), full_page=True)
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
    ctx.close()
