"""The map of a 四川省 deployment in a real Chromium: province, city and county on a phone
(390) and a desktop (1280); the sample's are in test_map_browser.py. Its own module, so that
the two run on two workers at once. One page view (tests/browser/map_views.py): the province
narrowed to a phone, then on a desktop the city and the county chosen in the filter bar."""

from __future__ import annotations

import pytest

from tests.browser.map_views import choose_region, new_page, open_view, screenshot
from tests.served import dashboard

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="module")
def sichuan_server(sichuan):
    with dashboard(sichuan) as url:
        yield url


def test_sichuan_map_screenshot(sichuan_server, browser):
    """The province's map on a phone, the city's map and the county's table on a desktop, on
    帮扶救助 (the sample's are on the overview), the region picked as a user would."""
    page = new_page(browser)
    open_view(page, sichuan_server, "relief", "510000", "from=2026-01&to=2026-12")
    screenshot(page, "sichuan", "relief", "province", "510000", 390)
    page.set_viewport_size({"width": 1280, "height": 900})  # the sidebar's boxes shown again
    choose_region(page, "市（州）", "德阳市")
    screenshot(page, "sichuan", "relief", "city", "510600", 1280)
    choose_region(page, "区（市）县", "旌阳区")
    screenshot(page, "sichuan", "relief", "county", "510603", 1280)
    page.close()
