"""The map in a real Chromium: drawn without the internet, and a click on a county drills the
filter bar down to it, as its own boxes would."""

from __future__ import annotations

import pytest

from tests.served import IDLE, SHOTS, dashboard

pytestmark = pytest.mark.browser
MAP = ".js-plotly-plot:has(path.choroplethlocation)"
# A point inside the region's drawn shape (not its box's centre, which may lie outside a
# concave county), in page coordinates.
INSIDE = """([code]) => {
  for (const el of document.querySelectorAll('path.choroplethlocation')) {
    if (!el.__data__ || el.__data__.loc !== code) continue;
    const box = el.getBBox(), ctm = el.getScreenCTM(), svg = el.ownerSVGElement;
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
      const p = svg.createSVGPoint();
      p.x = box.x + box.width * i / 20; p.y = box.y + box.height * j / 20;
      if (el.isPointInFill(p)) { const s = p.matrixTransform(ctm); return [s.x, s.y]; }
    }
  }
  return null;
}"""


def _region_boxes(page) -> list[str]:
    bar = page.locator('[data-testid="stSidebar"]')
    return bar.locator('[data-testid="stSelectbox"] input').evaluate_all(
        "els => els.map(e => e.value)")


def test_a_click_on_a_county_sets_the_filter_bar_to_it(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    # Nothing leaves the machine for the map: any request off the loopback is refused.
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:")) else (
        outside.append(route.request.url), route.abort()))
    page.goto(f"{server}/?region=150700&from=2012-01&to=2012-12")  # 呼伦贝尔市: its counties
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_selector(f"{MAP} path.choroplethlocation", timeout=60_000)
    page.locator(MAP).first.scroll_into_view_if_needed()
    drawn = page.locator("path.choroplethlocation").evaluate_all(
        "els => els.map(e => e.__data__ && e.__data__.loc)")
    assert "150702" in drawn and len(drawn) >= 5  # 海拉尔区 among the city's counties
    assert _region_boxes(page)[:2] == ["内蒙古自治区", "呼伦贝尔市"]
    xy = page.evaluate(INSIDE, ["150702"])
    assert xy, "海拉尔区 is drawn with an inside to click"
    page.mouse.move(*xy)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    assert "同比" in page.locator(".hovertext").first.text_content()  # value and its 同比
    page.mouse.click(*xy)
    page.wait_for_url("**region=150702**", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stSidebar\"] "
        "[data-testid=\"stSelectbox\"] input')].some(e => e.value === '海拉尔区')",
        timeout=30_000)
    assert _region_boxes(page)[:3] == ["内蒙古自治区", "呼伦贝尔市", "海拉尔区"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not [u for u in outside if "plot.ly" in u or "tile" in u]
    page.close()


# --- screenshots: the sample and a 四川省 deployment, province, city and county, two widths ----

SICHUAN = [("510603", "旌阳区", "旌阳街道"), ("510681", "广汉市", "雒城街道"),
           ("510623", "中江县", "凯江镇"), ("510604", "罗江区", "万安街道"),
           ("510107", "武侯区", "浆洗街街道"), ("510116", "双流区", "东升街道"),
           ("510703", "涪城区", "城厢街道")]


@pytest.fixture(scope="module")
def sichuan(tmp_path_factory):
    """四川省's federation (scope 510000): two stations in each of seven counties of three
    cities, a hardship register and 两节 relief in 2025 and 2026 (so 同比), the rest of the
    province without data (grey on the map)."""
    from etl import load
    from etl import warehouse as wh
    from tests.messy_files import make_id

    out = tmp_path_factory.mktemp("sichuan")
    db = out / "w.duckdb"
    wh.init(db, ["510000"])
    stations = ["站点名称,所属区（市）县,所属乡镇街道,成立日期"]
    register = ["序号,姓名,身份证号码,性别,帮扶站点,所属区（市）县,困难类别,建档日期"]
    relief = ["序号,姓名,身份证号码,性别,帮扶站点,所属区（市）县,困难类别,帮扶类型,救助对象类别,"
              "资金来源,金额,发放日期"]
    for k, (code, name, town) in enumerate(SICHUAN):
        stations += [f"{name}{town}帮扶站,{name},{town},2018-03-01",
                     f"{name}第二帮扶站,{name},{town},2019-03-01"]
        for i in range(30 + 25 * k):
            n = len(register)
            pid = make_id(f"{code}19{60 + i % 30}0{1 + i % 9}1{i % 9}{100 + i:03d}")
            station = f"{name}{town}帮扶站" if i % 2 else f"{name}第二帮扶站"
            register.append(f"{n},张{n},{pid},男,{station},{name},低收入,2020-01-0{1 + i % 8}")
            for year, every in ((2025, 2 + k % 3), (2026, 3 - k % 2)):
                if i % every == 0:
                    relief.append(f"{len(relief)},张{n},{pid},男,{station},{name},低收入,"
                                  f"两节慰问,困难职工,工会自筹,{300 + 100 * (i % 5)},"
                                  f"{year}-01-1{i % 9}")
    files = []
    for name, lines in (("帮扶站点名录", stations), ("困难职工建档花名册", register),
                        ("救助发放花名册", relief)):
        files.append(out / f"{name}.csv")
        files[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load.load_files(files, db, rejects_dir=out / "rej").exit_code == 0
    return db


SCOPES = {"sample": [("province", "150000"), ("city", "150700"), ("county", "150702")],
          "sichuan": [("province", "510000"), ("city", "510600"), ("county", "510603")]}
PERIOD = {"sample": "from=2012-01&to=2012-12", "sichuan": "from=2026-01&to=2026-12"}


@pytest.fixture(scope="module")
def sichuan_server(sichuan):
    with dashboard(sichuan) as url:
        yield url


# (deployment, page, scope, width): each scope and width once, on both deployments. The
# screenshots of every combination were looked at when the map was built
# (screenshots/map_*.png); the suite keeps what each shows: a map at a province and a city,
# a table at a county, on a desktop and on a phone.
SHOTS_TAKEN = [("sample", "overview", "province", 1280), ("sample", "relief", "city", 390),
               ("sample", "overview", "county", 390), ("sichuan", "relief", "province", 390),
               ("sichuan", "overview", "city", 1280), ("sichuan", "relief", "county", 1280)]
# The regions a scope's map draws: its children, whose codes begin with its own code's.
PREFIX = {"province": 2, "city": 4}


@pytest.mark.parametrize(("where", "name", "scope", "width"), SHOTS_TAKEN)
def test_map_screenshot(where, name, scope, width, request, browser):
    """screenshots/map_<where>_<page>_<scope>_<width>.png: at the province and the city the
    map of the scope's children, within the window's width; at the county the sub-regions'
    table instead (no boundaries below the county)."""
    SHOTS.mkdir(exist_ok=True)
    # the sample's view on the module's server (the click test's, already warm)
    url = request.getfixturevalue("server" if where == "sample" else "sichuan_server")
    code = dict(SCOPES[where])[scope]
    page = browser.new_page(viewport={"width": width, "height": 900 if width > 400 else 844},
                            locale="zh-CN")
    path = "" if name == "overview" else name
    page.goto(f"{url}/{path}?region={code}&{PERIOD[where]}")
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
        assert all(loc and loc != code and loc[:PREFIX[scope]] == code[:PREFIX[scope]]
                   for loc in drawn), (code, drawn)
    target.scroll_into_view_if_needed()
    assert target.bounding_box()["width"] <= width  # fits the window: no sideways scrolling
    page.screenshot(path=str(SHOTS / f"map_{where}_{name}_{scope}_{width}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
