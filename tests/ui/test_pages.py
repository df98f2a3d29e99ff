"""Every page through AppTest, against a warehouse the test checks with its own SQL.

Uses the sample (`pages_db`, tests/conftest.py), or with PAGES_ON_GOLDEN=1 set the golden one.
AppTest (1.67) keeps the frame's elements (sidebar, banner) only on the first run of a script
with st.navigation; later runs show the page alone. So frame widgets are set through session
state before a rerun, and the frame's own output is checked on first runs (and in the browser).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics import fmt

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGES = ["pages/overview.py", "pages/relief.py", "pages/funds.py", "pages/training.py",
         "pages/petitions.py"]




@pytest.fixture
def app(pages_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(pages_db))

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params.update(query)
        return at.run()

    return make


def sql_one(db: Path, q: str, params: list) -> float | None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(q, params).fetchone()[0]
    finally:
        con.close()


def relieved(db: Path, prefix: str, start: date, end: date) -> int:
    """Persons relieved: written here independently of analytics (region by code prefix)."""
    return sql_one(db, "SELECT COUNT(DISTINCT person_key) FROM relief WHERE relief_date "
                   "BETWEEN ? AND ? AND county_code LIKE ?", [start, end, prefix + "%"])


def amount(db: Path, prefix: str, start: date, end: date) -> float:
    return float(sql_one(db, "SELECT coalesce(SUM(amount_yuan), 0) FROM relief WHERE relief_date "
                         "BETWEEN ? AND ? AND county_code LIKE ?", [start, end, prefix + "%"]))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_errors(app, page):
    at = app()
    assert any("示例数据" in w.value for w in at.warning), "the frame shows the sample banner"
    if page != PAGES[0]:
        # AppTest keeps only the page's own elements after a switch (the frame's sidebar and
        # banner are checked above and, on every page, by the browser test).
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.metric, "every page shows KPI cards"


def test_kpis_equal_independent_sql(app, pages_db):
    at = app(region="150702", **{"from": "2012-01", "to": "2012-12"})
    start, end = date(2012, 1, 1), date(2012, 12, 31)
    assert metric(at, "救助人数") == fmt.number(relieved(pages_db, "150702", start, end),
                                               "persons")
    wan = float(metric(at, "救助金额(万元)").replace(",", ""))
    assert wan == pytest.approx(amount(pages_db, "150702", start, end) / 1e4, abs=0.05)


def test_a_card_whose_change_rounds_to_nothing_says_flat_without_an_arrow(app):
    """资金执行率 of 赤峰市 in 2012年2月至11月 changed by less than 0.05 points: the card said
    '↑ +0.0百分点' in green (screenshots/login_leader.png). Every card's arrow follows its
    change's sign, and a flat one has none."""
    from streamlit.proto.Metric_pb2 import Metric

    at = app(region="150400", **{"from": "2012-02", "to": "2012-11"}, gran="quarter")
    at.switch_page("pages/funds.py").run()
    cards = {m.label: m.proto for m in at.metric}
    for label, card in cards.items():
        if card.delta == "持平":
            assert (card.direction, card.color) == (Metric.NONE, Metric.GRAY), label
        elif card.delta:
            up = card.delta.startswith("+")
            assert card.direction == (Metric.UP if up else Metric.DOWN), (label, card.delta)
    if not os.environ.get("PAGES_ON_GOLDEN"):  # the sample's figures, as on the screenshot
        assert cards["资金执行率"].delta == "持平", cards["资金执行率"].delta


def test_query_params_restore_the_filters(app):
    at = app(region="150702", **{"from": "2012-01", "to": "2012-03"}, gran="quarter",
             source="central_special")
    assert at.selectbox(key="f_province").value == "150000"
    assert at.selectbox(key="f_city").value == "150700"
    assert at.selectbox(key="f_county").value == "150702"
    assert at.select_slider(key="f_period").value == (date(2012, 1, 1), date(2012, 3, 1))
    assert at.segmented_control(key="f_gran").value == "quarter"
    assert at.selectbox(key="f_source").value == "central_special"


def test_changing_a_filter_changes_values_and_the_url(app, pages_db):
    period = {"from": "2012-01", "to": "2012-12"}
    country, chifeng = app(**period), app(region="150400", **period)
    expected = relieved(pages_db, "1504", date(2012, 1, 1), date(2012, 12, 31))
    assert metric(chifeng, "救助人数") == fmt.number(expected, "persons")
    assert metric(chifeng, "救助人数") != metric(country, "救助人数")
    assert chifeng.selectbox(key="f_city").value == "150400"


def test_english_switch_changes_labels(app):
    zh, en = app(), app(lang="en")
    assert (zh.title[0].value, en.title[0].value) == ("总览", "Overview")
    assert "救助人数" in [m.label for m in zh.metric]
    assert "Persons relieved" in [m.label for m in en.metric]
    assert en.segmented_control(key="lang").value == "en"
    assert any("synthetic sample data" in w.value for w in en.warning)
    # the sample's provinces are both autonomous regions: its level words say so
    assert en.selectbox(key="f_province").label == "Autonomous region"
    assert zh.selectbox(key="f_province").label == "自治区"
    assert app(region="150702").selectbox(key="f_county").label == "旗县（市、区）"


def test_registered_stock_from_events_equals_distinct_persons_on_file(pages_db, monkeypatch):
    """`stock_events` counts entries minus exits: on the warehouse it must equal the
    distinct persons on file, as written here directly."""
    from analytics import queries
    from analytics.filters import Filters

    monkeypatch.setenv("UNION_DASH_DB", str(pages_db))
    for region, prefix, day in (("150400", "1504", date(2012, 12, 31)),
                                ("000000", "", date(2019, 6, 30))):
        f = Filters(region=region, start=day.replace(month=1, day=1), end=day.replace(day=1))
        want = sql_one(pages_db, "SELECT COUNT(DISTINCT person_key) FROM hardship_files WHERE "
                       "registered_on <= ? AND (exited_on IS NULL OR exited_on > ?) AND "
                       "county_code LIKE ?", [day, day, prefix + "%"])
        assert queries.kpis(["registered"], f)["value"][0] == want
