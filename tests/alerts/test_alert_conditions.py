"""What fires: each alert condition on the sample where it holds and not where it does not,
its figures against SQL written here, not by analytics; the messages and links it carries."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from alerts import conditions, messages
from alerts.model import CONDITIONS, Rule
from analytics.filters import Filters
from etl import load, warehouse
from tests.deployment_files import PLACES, station_files
from ui.pages_registry import HOME, PAGES

CHIFENG = "150400"


def _sql(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _rule(condition: str, params: dict, indicator: str = "", region: str = CHIFENG,
          depth: int = 1, name: str = "测试规则") -> Rule:
    return Rule("r1", name, indicator, condition, params, region, depth)


def _counties(db: Path, parent: str) -> set[str]:
    return {c for (c,) in _sql(db, "SELECT region_code FROM regions WHERE parent_code = ? "
                                   "AND level = 'county'", [parent])}


def _relieved(db: Path, start: date, end: date) -> dict[str, int]:
    return dict(_sql(db, "SELECT county_code, count(DISTINCT person_key) FROM relief "
                         "WHERE relief_date BETWEEN ? AND ? GROUP BY 1", [start, end]))


# ---------------------------------------------------------------- threshold and change

def test_threshold_fires_for_the_counties_below_it_and_no_other(on_sample) -> None:
    counted = _relieved(on_sample, date(2012, 1, 1), date(2012, 12, 31))
    mine = {c: n for c, n in counted.items() if c in _counties(on_sample, CHIFENG)}
    limit = sorted(mine.values())[len(mine) // 2]  # the median: some below, some not
    rule = _rule("threshold", {"op": "<", "value": limit, "period": "year"}, "relieved")
    found = conditions.evaluate(rule, None, date(2013, 1, 15))
    assert {f.region: f.value for f in found} == {c: n for c, n in mine.items() if n < limit}
    assert {f.period for f in found} == {"2012"} and all(f.reference == limit for f in found)
    none = _rule("threshold", {"op": "<", "value": 0, "period": "year"}, "relieved")
    assert conditions.evaluate(none, None, date(2013, 1, 15)) == []


def test_the_last_complete_month_is_read_by_default(on_sample) -> None:
    rule = _rule("threshold", {"op": ">=", "value": 0}, "relieved")
    found = conditions.evaluate(rule, None, date(2012, 6, 3))
    assert {f.period for f in found} == {"2012-05"}
    assert {f.region for f in found} == _counties(on_sample, CHIFENG)  # every county, 0 or more


def test_change_year_on_year_against_sql(on_sample) -> None:
    now = _relieved(on_sample, date(2012, 5, 1), date(2012, 5, 31))
    before = _relieved(on_sample, date(2011, 5, 1), date(2011, 5, 31))
    counties = _counties(on_sample, CHIFENG)
    expected = {c for c in counties if before.get(c)
                and (now.get(c, 0) - before[c]) / before[c] * 100 < -20}
    assert expected  # the sample has falls of more than a fifth in May 2012
    rule = _rule("change", {"basis": "yoy", "op": "<", "pct": -20}, "relieved")
    found = conditions.evaluate(rule, None, date(2012, 6, 10))
    assert {f.region for f in found} == expected
    for f in found:
        assert (f.value, f.reference) == (now.get(f.region, 0), before[f.region])
        assert f.params["change"] == pytest.approx((f.value - f.reference) / f.reference * 100)
    impossible = _rule("change", {"basis": "yoy", "op": "<", "pct": -100}, "relieved")
    assert conditions.evaluate(impossible, None, date(2012, 6, 10)) == []


def test_change_on_the_month_before(on_sample) -> None:
    now = _relieved(on_sample, date(2012, 5, 1), date(2012, 5, 31))
    april = _relieved(on_sample, date(2012, 4, 1), date(2012, 4, 30))
    expected = {c for c in _counties(on_sample, CHIFENG)
                if april.get(c) and (now.get(c, 0) - april[c]) / april[c] * 100 > 30}
    rule = _rule("change", {"basis": "mom", "op": ">", "pct": 30}, "relieved")
    assert {f.region for f in conditions.evaluate(rule, None, date(2012, 6, 10))} == expected


# ---------------------------------------------------------------- stations, funds, petitions

def test_a_silent_station_fires_after_day_n_and_a_zero_report_keeps_one_quiet(on_sample) -> None:
    rule = _rule("silent_station", {"day": 5}, region="150000", depth=2)
    silent = "150423001"  # no rows and no 零报告 for April–July 2017 in the sample
    assert _sql(on_sample, "SELECT count(*) FROM relief WHERE station_code = ? AND relief_date "
                        "BETWEEN '2017-05-01' AND '2017-05-31'", [silent]) == [(0,)]
    found = conditions.evaluate(rule, None, date(2017, 6, 10))
    assert [(f.region, f.period, f.params["stations"]) for f in found] == \
        [("150423", "2017-05", [silent])]
    # before day 5 of June, May is not due yet: April is read, and it is silent too
    assert [f.period for f in conditions.evaluate(rule, None, date(2017, 6, 3))] == ["2017-04"]
    # March 2017 was reported
    assert conditions.evaluate(rule, None, date(2017, 4, 10)) == []
    # 150430002 sent no rows for May 2012 but declared a 零报告: not silent
    declared = "150430002"
    assert _sql(on_sample, "SELECT count(*) FROM relief WHERE station_code = ? AND relief_date "
                        "BETWEEN '2012-05-01' AND '2012-05-31'", [declared]) == [(0,)]
    assert _sql(on_sample, "SELECT count(*) FROM zero_reports WHERE station_code = ? AND "
                        "month = '2012-05-01'", [declared]) == [(1,)]
    assert conditions.evaluate(rule, None, date(2012, 6, 10)) == []


def test_matching_arrears_by_the_date_with_amounts(on_sample) -> None:
    rule = _rule("matching_arrears", {"by": "09-30"})
    due = dict(((c, y), (float(a), float(r))) for c, y, a, r in _sql(
        on_sample, "SELECT county_code, year, sum(allocated_yuan), sum(received_yuan) "
                "FROM fund_allocations WHERE fund_source = 'local_matching' GROUP BY 1, 2"))
    for as_of, year in ((date(2012, 10, 1), 2012), (date(2012, 9, 29), 2011)):
        found = {f.region: f for f in conditions.evaluate(rule, None, as_of)}
        expected = {c for c in _counties(on_sample, CHIFENG)
                    if (c, year) in due and due[(c, year)][1] < due[(c, year)][0]}
        assert set(found) == expected and "150422" in expected
        f = found["150422"]  # 巴林左旗: nothing of its matching funds arrived until 2013
        allocated, received = due[("150422", year)]
        assert (f.period, f.params["allocated"], f.params["received"], f.params["gap"]) == \
            (str(year), allocated, received, allocated - received)
        assert received == 0 and f.params["deadline"] == f"{year}-09-30"


@pytest.mark.parametrize("kind", ["collective", "skip_level", "all"])
def test_petitions_above_n(on_sample, kind) -> None:
    column = {"collective": "count(*) FILTER (WHERE collective)",
              "skip_level": "count(*) FILTER (WHERE skip_level)", "all": "count(*)"}[kind]
    counts = dict(_sql(on_sample, f"SELECT county_code, {column} FROM petitions WHERE "
                               "received_on BETWEEN '2012-01-01' AND '2012-12-31' GROUP BY 1"))
    mine = {c: counts.get(c, 0) for c in _counties(on_sample, CHIFENG)}
    n = sorted(mine.values())[len(mine) // 2]
    rule = _rule("petitions_above", {"kind": kind, "n": n, "period": "year"})
    found = conditions.evaluate(rule, None, date(2013, 2, 1))
    assert {f.region: f.value for f in found} == {c: v for c, v in mine.items() if v > n}
    assert found
    above_all = _rule("petitions_above", {"kind": kind, "n": max(mine.values()),
                                          "period": "year"})
    assert conditions.evaluate(above_all, None, date(2013, 2, 1)) == []


# ---------------------------------------------------------------- behind 序时进度

@pytest.fixture(scope="module")
def with_targets(sample_db, tmp_path_factory):
    """A copy of the sample with 2012 targets for persons relieved in two banners."""
    db = tmp_path_factory.mktemp("targets") / "w.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE TABLE IF NOT EXISTS targets (year SMALLINT NOT NULL, "
                    "region_code VARCHAR NOT NULL, indicator VARCHAR NOT NULL, "
                    "target DOUBLE NOT NULL, season SMALLINT, batch_id VARCHAR NOT NULL)")
        con.execute("INSERT INTO targets VALUES (2012, '150422', 'relieved', 1000, NULL, 't'), "
                    "(2012, '150421', 'relieved', 100, NULL, 't')")
    finally:
        con.close()
    return db


def test_behind_schedule_fires_where_completion_lags_the_year(with_targets, sample_db) -> None:
    relieved = _relieved(sample_db, date(2012, 1, 1), date(2012, 12, 31))
    rule = _rule("behind_schedule", {"pp": 10}, "relieved")
    found = conditions.evaluate(rule, with_targets, date(2012, 12, 31))
    # 巴林左旗: far below its 1,000 at the year's end; 阿鲁科尔沁旗 above its 100
    assert [(f.region, f.value, f.reference) for f in found] == \
        [("150422", relieved["150422"], 1000.0)]
    assert found[0].params["behind_pp"] == pytest.approx(100 - relieved["150422"] / 10)
    assert "落后序时进度" in messages.render(found[0])
    assert conditions.evaluate(rule, sample_db, date(2012, 12, 31)) == []  # no targets


# ---------------------------------------------------------------- a synthetic deployment

@pytest.fixture(scope="module")
def deyang(tmp_path_factory):
    """德阳市 with 旌阳区's matching funds for 2026 due 30万, 20万 arrived."""
    where = tmp_path_factory.mktemp("deyang_alerts")
    p = PLACES["deyang"]
    db = where / "w.duckdb"
    warehouse.init(db, [p.scope])
    funds = where / "帮扶资金下拨到位表.csv"
    funds.write_text(f"年度,{p.header},资金来源,下拨金额（元）,到位金额（元）\n"
                     f"2026,{p.county_name},地方财政配套,300000,200000\n"
                     f"2025,{p.county_name},地方财政配套,100000,100000\n", encoding="utf-8")
    report = load.load_files([*station_files(where, p), funds], db, rejects_dir=where / "rej")
    assert report.exit_code == 0
    return db


def test_another_province_in_its_own_words(deyang) -> None:
    county = _sql(deyang, "SELECT DISTINCT county_code FROM relief")[0][0]
    rule = _rule("matching_arrears", {"by": "12-31"}, region="510600", name="配套资金")
    found = conditions.evaluate(rule, deyang, date(2027, 1, 1))
    assert [(f.region, f.region_name, f.params["gap"]) for f in found] == \
        [(county, "旌阳区", 100_000.0)]
    text = messages.render(found[0])
    assert text.startswith("【配套资金】旌阳区2026年地方财政配套资金应到位30.0万元，实际到位20.0万元，"
                           "尚有10.0万元未到位（截至2026年12月31日）。")
    assert "旗" not in text and "自治区" not in text
    assert conditions.evaluate(rule, deyang, date(2026, 12, 30)) == []  # 2025: all arrived
    silent = _rule("silent_station", {"day": 10}, region="510600", depth=1)
    found = conditions.evaluate(silent, deyang, date(2026, 2, 11))  # January reported
    assert found == []
    found = conditions.evaluate(silent, deyang, date(2026, 3, 11))  # February: nothing
    assert [(f.region, f.period, f.value) for f in found] == [(county, "2026-02", 1.0)]
    en = messages.render(found[0], "en", "https://dash.example")  # names carried: no reads
    assert "Jingyang" in en and "Feb 2026" in en
    assert "https://dash.example/quality?region=" in en


# ---------------------------------------------------------------- plumbing

def test_every_condition_is_evaluated_and_disabled_rules_are_quiet(on_sample) -> None:
    assert set(conditions._CHECKS) == set(CONDITIONS)
    off = Rule("r", "x", "relieved", "threshold", {"op": ">=", "value": 0}, CHIFENG,
               enabled=False)
    assert conditions.evaluate(off, None, date(2012, 6, 3)) == []


def test_links_open_the_filtered_view_of_a_registered_page(on_sample) -> None:
    urls = {p.url for p in PAGES} | {""}
    assert set(conditions.PAGES.values()) <= urls and HOME.url not in conditions.PAGES.values()
    rule = _rule("matching_arrears", {"by": "09-30"})
    f = next(f for f in conditions.evaluate(rule, None, date(2012, 10, 1))
             if f.region == "150422")
    parts = urlsplit(f.link)
    assert parts.path == "/funds"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert Filters.from_query(q) == Filters(region="150422", start=date(2012, 1, 1),
                                            end=date(2012, 12, 1), granularity="year")


def test_messages_in_either_language(on_sample) -> None:
    rule = _rule("matching_arrears", {"by": "09-30"}, name="配套资金未到位")
    f = next(f for f in conditions.evaluate(rule, None, date(2012, 10, 1))
             if f.region == "150422")
    zh = messages.render(f)
    assert zh == ("【配套资金未到位】巴林左旗2012年地方财政配套资金应到位22.0万元，实际到位0元，"
                  "尚有22.0万元未到位（截至2012年9月30日）。查看：" + f.link)
    en = messages.render(f, "en", "https://dash.example")
    assert "Bairin Left Banner, 2012: local matching funds due ¥220,000, received ¥0" in en
    assert en.endswith(f"View: https://dash.example{f.link}&lang=en")  # opens in English
    assert "lang=" not in zh  # Chinese is the dashboard's default
    rule = _rule("change", {"basis": "yoy", "op": "<", "pct": -10, "period": "year"},
                 "coverage", name="覆盖率")
    found = conditions.evaluate(rule, None, date(2013, 1, 5))
    assert found
    for f in found:
        text = messages.render(f)
        assert text.startswith(f"【覆盖率】{f.region_name}2012年救助覆盖率为") and "同比下降" in text
        assert f"{f.value * 100:.1f}%" in text


def test_another_warehouse_is_read_and_the_environment_restored(sample_db, monkeypatch,
                                                                tmp_path) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(tmp_path / "none.duckdb"))
    rule = _rule("matching_arrears", {"by": "09-30"})
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        by_con = conditions.evaluate(rule, con, date(2012, 10, 1))
    finally:
        con.close()
    by_path = conditions.evaluate(rule, sample_db, date(2012, 10, 1))
    assert [f.key for f in by_con] == [f.key for f in by_path] and by_path
    assert os.environ["UNION_DASH_DB"] == str(tmp_path / "none.duckdb")


def test_a_named_year_is_checked_after_it_ended(with_targets, sample_db) -> None:
    """A behind-schedule rule that names its year (period 2012) checks that year's targets: it
    read the year of the run's date only, so a rule for 2012 saved and run in 2013 found
    nothing while its settings on the 预警 page said period=2012."""
    relieved = _relieved(sample_db, date(2012, 1, 1), date(2012, 12, 31))
    rule = _rule("behind_schedule", {"pp": 10, "period": "2012"}, "relieved")
    found = conditions.evaluate(rule, with_targets, date(2013, 2, 1))
    assert [(f.region, f.period, f.value, f.reference) for f in found] == \
        [("150422", "2012", relieved["150422"], 1000.0)]
    # without a named year, February 2013 looks at 2013, which has no targets
    assert conditions.evaluate(_rule("behind_schedule", {"pp": 10}, "relieved"), with_targets,
                               date(2013, 2, 1)) == []
    # a year not begun on the run's date: nothing yet
    later = _rule("behind_schedule", {"pp": 10, "period": "2014"}, "relieved")
    assert conditions.evaluate(later, with_targets, date(2013, 2, 1)) == []
