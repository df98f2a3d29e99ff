"""Every page on an empty warehouse and on one holding a single relief roster (or a single
hardship register): no exception, one empty state per section naming the file kind to load,
and no 0 or 0.0% card that is really no data.

The warehouses are built here in seconds (`ensure_warehouse`, then `load_bytes` of one small
CSV), not from the sample.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_bytes
from etl.parse import make_id
from etl.warehouse import init
from sample import regions as sample_regions
from tests.apptest_pages import ALL_PAGES, open_dashboard
from tests.registry import registered

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard.py")

PERSONS = [make_id(f"150702198001010{i:02d}") for i in range(1, 9)]
MONTHS = (1, 3, 6, 9)  # 2023: the roster spans 2023-01..2023-09, no full year
RELIEF_HEAD = "序号,姓名,身份证号码,帮扶站点,帮扶类型,救助对象类别,资金来源,金额（元）,发放日期\n"
HARDSHIP_HEAD = "序号,姓名,身份证号码,帮扶站点,困难类别,建档日期\n"


def _relief_roster() -> bytes:
    """8 persons of 海拉尔区, each relieved in four months of 2023 (2.72万元 in all)."""
    rows = [f"{pid},15070200{1 + i % 3},{'两节慰问' if m == 1 else '临时救助'},困难职工,"
            f"{'中央专项' if i % 2 else '工会自筹'},{500 + 100 * i},2023-{m:02d}-1{i}"
            for i, pid in enumerate(PERSONS) for m in MONTHS]
    return (RELIEF_HEAD + "".join(f"{n},张{n},{r}\n" for n, r in enumerate(rows, 1))).encode()


def _hardship_register() -> bytes:
    """5 of those persons registered on 2023-02-01, none relieved (no roster loaded)."""
    rows = [f"{pid},150702001,低收入,2023-02-01" for pid in PERSONS[:5]]
    return (HARDSHIP_HEAD + "".join(f"{n},张{n},{r}\n" for n, r in enumerate(rows, 1))).encode()


def _build(root: Path, files: list[tuple[str, bytes]]) -> Path:
    db = root / "warehouse.duckdb"
    if not files:  # as `etl init` leaves it: the scope's regions, no station, no row
        init(db, sample_regions.SCOPE)
        return db
    registered(db)  # the sample's stations registered; no fact rows
    if files:
        report = load_bytes(files, db, rejects_dir=root / "rejects")
        assert report.exit_code == 0, [f.line for f in report.files]
    return db


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("empty"), [])


@pytest.fixture(scope="module")
def relief_db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("relief_only"), [("救助花名册.csv", _relief_roster())])


@pytest.fixture(scope="module")
def hardship_db(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("hardship_only"),
                  [("建档花名册.csv", _hardship_register())])


def _infos(at: AppTest) -> str:
    return "\n".join(i.value for i in at.info)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _links_to_upload(at: AppTest) -> bool:
    return any(link.proto.page == "upload" for link in at.get("page_link"))


# What each page's empty state names on an empty warehouse.
EMPTY_SAYS = {
    "pages/overview.py": "数据仓库中还没有数据", "pages/relief.py": "救助发放花名册",
    "pages/funds.py": "帮扶资金下拨到位表", "pages/training.py": "技能培训花名册",
    "pages/petitions.py": "信访登记表", "pages/effects.py": "干预措施登记表",
    "pages/upload.py": "数据仓库中还没有数据", "pages/quality.py": "尚未导入任何数据",
    "pages/compliance.py": "尚未导入任何数据", "pages/briefing.py": "无法生成汇报材料",
}


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_on_an_empty_warehouse(empty_db, local_staff, page):
    at = open_dashboard(empty_db, local_staff, page)
    assert EMPTY_SAYS[page] in _infos(at)
    assert not at.get("plotly_chart"), "no chart of nothing"
    assert not at.metric, "no cards of nothing"
    if page != "pages/upload.py":  # the upload page is where the link would lead
        assert _links_to_upload(at)


def test_empty_overview_in_english_and_without_the_sample_banner(empty_db, local_staff):
    at = open_dashboard(empty_db, local_staff, lang="en")
    assert "The warehouse holds no data yet" in _infos(at)
    assert not any("sample" in w.value.lower() or "示例数据" in w.value for w in at.warning)


def test_empty_warehouse_offers_the_current_year(empty_db, local_staff):
    at = open_dashboard(empty_db, local_staff)
    year = date.today().year
    assert at.select_slider(key="f_period").value == (date(year, 1, 1), date(year, 12, 1))


def test_briefing_button_is_disabled_without_data(empty_db, local_staff):
    at = open_dashboard(empty_db, local_staff, "pages/briefing.py")
    assert at.button(key="bf_make").disabled


# --- one relief roster loaded --------------------------------------------------------------

def test_relief_only_overview(relief_db, local_staff):
    at = open_dashboard(relief_db, local_staff)
    m = _metrics(at)
    assert m["救助人数"] == "8人" and m["救助金额(万元)"] == "2.7"
    # Coverage = relieved ÷ registered: no register loaded, so no rate (not 0.0%, not ∞).
    assert m["救助覆盖率"] == "—" and m["在档困难职工"] == "—"
    assert m["受理诉求件数"] == "—" and m["资金执行率"] == "—"
    assert "困难职工建档花名册" in _infos(at) and "信访登记表" in _infos(at)
    assert at.get("plotly_chart"), "the relief trend and regions are drawn"
    assert at.selectbox(key="ov_trend").options == ["救助人数", "救助金额"]


@pytest.mark.parametrize("page, drawn, says", [
    ("pages/relief.py", True, ["困难职工建档花名册", "无息借款台账", "医疗优惠卡发放登记表"]),
    ("pages/funds.py", False, ["帮扶资金下拨到位表"]),
    ("pages/training.py", False, ["技能培训花名册", "就业安置登记表"]),
    ("pages/petitions.py", False, ["信访登记表", "三个普遍统计表", "人大代表履职活动统计表"]),
    ("pages/effects.py", False, ["干预措施登记表"]),
])
def test_relief_only_pages(relief_db, local_staff, page, drawn, says):
    at = open_dashboard(relief_db, local_staff, page)
    assert bool(at.get("plotly_chart")) is drawn
    for kind in says:
        assert kind in _infos(at)
    assert "0.0%" not in _metrics(at).values()


def test_relief_only_sections_of_the_relief_page(relief_db, local_staff):
    at = open_dashboard(relief_db, local_staff, "pages/relief.py")
    m = _metrics(at)
    assert m["救助人数"] == "8人" and m["两节慰问人数"] == "8人"
    assert m["救助覆盖率"] == "—"
    assert "借款还款率" not in m, "the loans section is an empty state, not four dashes"


def test_relief_only_funds_shows_spending_but_no_allocations(relief_db, local_staff):
    m = _metrics(open_dashboard(relief_db, local_staff, "pages/funds.py"))
    assert m["资金支出(万元)"] == "2.7"
    assert m["资金下拨(万元)"] == m["资金执行率"] == m["配套资金到位率"] == "—"


def test_relief_only_checks_that_need_other_tables_say_so(relief_db, local_staff):
    """Without a register every special-fund payment is "not on file", and without
    allocation tables all spending is "above received": dashes, not those counts."""
    quality = open_dashboard(relief_db, local_staff, "pages/quality.py")
    m = _metrics(quality)
    assert m["未建档人员使用专项资金"] == m["脱困后仍救助"] == "—"
    assert m["跨站点重复救助"] == "0"  # relief alone decides this one
    assert "困难职工建档花名册" in _infos(quality)
    compliance = _metrics(open_dashboard(relief_db, local_staff, "pages/compliance.py"))
    assert compliance["支出超过到位资金"] == compliance["配套资金未到位"] == "—"


def test_relief_only_upload_page_lists_what_is_loaded(relief_db, local_staff):
    at = open_dashboard(relief_db, local_staff, "pages/upload.py")
    held = next(d.value for d in at.dataframe if "文件类型" in d.value.columns)  # what it holds
    rows = dict(zip(held["文件类型"], held["已导入行数"], strict=True))
    assert rows["救助发放花名册"] == len(PERSONS) * len(MONTHS) and rows["信访登记表"] == 0
    assert "数据仓库中还没有数据" not in _infos(at)


def test_relief_only_briefing_can_be_written(relief_db, local_staff):
    """The page run on its own (as tests/analytics/test_briefing.py does): a button click under
    AppTest's frame run would land on the default page."""
    from analytics.filters import Filters

    assert not open_dashboard(relief_db, local_staff, "pages/briefing.py").button(key="bf_make").disabled
    at = AppTest.from_file(str(ROOT / "pages" / "briefing.py"), default_timeout=120)
    at.session_state["_inside_frame"] = True
    at.session_state["filters"] = Filters(region="150702", start=date(2023, 1, 1),
                                          end=date(2023, 9, 1))
    at.run()
    at.button(key="bf_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, "the briefing was written"
    assert any("救助" in md.value for md in at.markdown)


def test_relief_only_period_is_the_months_with_data(relief_db, local_staff):
    """No full year yet: the default view is every month the roster holds."""
    at = open_dashboard(relief_db, local_staff)
    assert at.select_slider(key="f_period").value == (date(2023, 1, 1), date(2023, 9, 1))


def test_a_link_outside_the_data_is_clamped_and_says_so(relief_db, local_staff):
    at = open_dashboard(relief_db, local_staff, **{"from": "2010-01", "to": "2030-12"})
    assert at.select_slider(key="f_period").value == (date(2023, 1, 1), date(2023, 9, 1))
    assert any("超出现有数据" in c.value for c in at.sidebar.caption)
    assert _metrics(at)["救助人数"] == "8人"


def test_a_period_with_no_relief_says_where_the_data_are(relief_db, local_staff):
    # On the first page: AppTest hands a switched-to page the slider's default view.
    at = open_dashboard(relief_db, local_staff, **{"from": "2023-02", "to": "2023-02"})
    assert "0人" not in _metrics(at).values()  # no payment that month: no card of zeros
    assert "所选地区和时间范围内没有救助发放数据" in _infos(at)
    assert "2023年1月至2023年9月" in _infos(at)


def test_the_first_load_moves_the_period_to_the_new_data(relief_db, local_staff):
    """A session seeded on the empty warehouse (its period: the current year) sees the
    roster's months once a load swapped the file in, instead of a slider value the new range
    does not offer. (AppTest reruns only the page, not the frame, so the session is set up
    as the empty warehouse left it and run once over the loaded one.)"""
    year = date.today().year
    local_staff.setenv("UNION_DASH_DB", str(relief_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_seeded"] = True
    at.session_state["f_period"] = (date(year, 1, 1), date(year, 12, 1))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.select_slider(key="f_period").value == (date(2023, 1, 1), date(2023, 9, 1))
    assert _metrics(at)["救助人数"] == "8人"


# --- one hardship register loaded: the numerator of coverage is missing --------------------

def test_register_only_coverage_is_a_dash_not_zero_percent(hardship_db, local_staff):
    """On file 5, relieved: no roster loaded. The catalogue's ratio would be 0 ÷ 5 = 0.0%,
    which would claim nobody was helped; no station reported relief, so the value is
    unknown, and the card shows "—" and says which file is missing."""
    from analytics import queries
    from analytics.filters import Filters

    local_staff.setenv("UNION_DASH_DB", str(hardship_db))
    f = Filters(start=date(2023, 2, 1), end=date(2023, 2, 1))
    assert queries.kpis(["coverage"], f)["value"][0] is None  # no month of relief reported
    at = open_dashboard(hardship_db, local_staff, "pages/relief.py")
    m = _metrics(at)
    assert m["在档困难职工"] == "5人"
    assert m["救助覆盖率"] == m["救助人数"] == "—"
    card = next(c for c in at.metric if c.label == "救助覆盖率")
    assert "救助发放花名册" in card.help


def test_default_view_is_the_last_full_year_or_every_month():
    from analytics.coverage import months_between
    from ui.filters import default_filters

    sample = default_filters(months_between(date(1997, 1, 1), date(2024, 12, 1)))
    assert (sample.start, sample.end) == (date(2024, 1, 1), date(2024, 12, 1))  # as before
    mid_year = default_filters(months_between(date(2005, 1, 1), date(2025, 3, 1)))
    assert (mid_year.start, mid_year.end) == (date(2024, 1, 1), date(2024, 12, 1))
    first_load = default_filters(months_between(date(2025, 2, 1), date(2025, 5, 1)))
    assert (first_load.start, first_load.end) == (date(2025, 2, 1), date(2025, 5, 1))


# --- the coverage query itself ---------------------------------------------------------------

def test_coverage_of_the_warehouses(empty_db, relief_db, monkeypatch):
    from analytics import coverage
    from analytics.filters import Filters

    monkeypatch.setenv("UNION_DASH_DB", str(empty_db))
    c = coverage.coverage()
    assert c.empty and c.span() is None and set(c.rows) == set(coverage.FACT_TABLES)
    assert coverage.data_months(date(2031, 5, 6)) == (date(2031, 1, 1), date(2031, 12, 1))

    monkeypatch.setenv("UNION_DASH_DB", str(relief_db))
    c = coverage.coverage()
    assert c.loaded == {"relief"} and c.span() == (date(2023, 1, 1), date(2023, 9, 1))
    f = Filters(start=date(2023, 1, 1), end=date(2023, 9, 1))
    assert coverage.in_view(f, ("relief", "petitions")) == {"relief": "rows",
                                                            "petitions": "empty"}
    assert coverage.in_view(Filters(start=date(2023, 2, 1), end=date(2023, 2, 1)),
                            ("relief",)) == {"relief": "none"}
    assert coverage.in_view(Filters(region="150421", start=date(2023, 1, 1),
                                    end=date(2023, 9, 1)), ("relief",)) == {"relief": "none"}
    station = Filters(region="150702001", start=date(2023, 1, 1), end=date(2023, 9, 1))
    assert coverage.in_view(station, ("relief",)) == {"relief": "rows"}
