"""预警 with AppTest: the firings with their deliveries and failures, the link to the view,
English, a leader without the editor, a region-bound user who sees only their region, and a
rule added through the form (and one refused, with the field named)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from alerts import deliver, engine, rules
from alerts.model import Finding, Rule
from tests.alert_servers import free_port
from tests.quality_fixtures import allocation, hardship, relief, warehouse
from ui import auth

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("alerts_page")
    warehouse(path=str(root / "w.duckdb"),
              relief_rows=[relief("a", "2012-01-10"),
                           relief("d", "2012-05-01", station="150422000", amount=3000)],
              files=[hardship("a", "2010-01-01"), hardship("d", "2008-01-01", county="150422")],
              allocations=[allocation("150422", 2012, "local_matching", 50000, 0)]).close()
    return root


@pytest.fixture
def env(small, tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(small / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(tmp_path / "alerts.sqlite"))
    monkeypatch.setenv("UNION_DASH_AUDIT", str(tmp_path / "audit.sqlite"))
    channels = tmp_path / "channels.toml"
    channels.write_text(f"""
[channels."停机群"]
kind = "wecom"
webhook = "http://127.0.0.1:{free_port()}/send?key=hushhush"
retries = 1
timeout = 1
""", encoding="utf-8")
    monkeypatch.setenv("UNION_DASH_CHANNELS", str(channels))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")  # the local staff user
    rule = rules.save(Rule("", "配套资金未到位", "", "matching_arrears", {"by": "06-30"},
                           region="150400", recipients=("停机群",)), check_known=False)
    found = Finding(rule.rule_id, "150422", "巴林左旗", "2012", "", 0.0, 50000.0,
                    "matching_arrears", link="/funds?region=150422&from=2012-01&to=2012-12")
    engine.run_rules(datetime(2012, 7, 1), evaluate=lambda *a: [found],
                     render=lambda f, lang: f"{f.region_name} {f.period} {lang}",
                     send=lambda *a, **kw: deliver.send(*a, sleep=lambda s: None, **kw))
    yield tmp_path
    st_config.set_option("server.address", before)


def open_page(lang: str = "zh", user: auth.User | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "alert_list.py"), default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["_inside_frame"] = True  # as if the frame ran it (ui/frame.py)
    if user is not None:
        at.session_state["union_dash_user"] = user
    return at.run()


def test_staff_see_firings_deliveries_failures_and_the_editor(env):
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "预警"
    firings = at.dataframe[0].value
    row = firings.iloc[0]
    assert row["地区"] == "巴林左旗" and row["状态"] == "未解除" and row["期间"] == "2012"
    assert row["发送"] == "停机群 ✗ 2次"
    assert row["查看"] == "/funds?region=150422&from=2012-01&to=2012-12"
    failed = [w.value for w in at.warning if "发送失败" in w.value]
    assert failed and "停机群" in failed[0] and "ConnectionError" in failed[0]
    assert "hushhush" not in failed[0]
    assert at.dataframe[1].value.iloc[0]["名称"] == "配套资金未到位"  # the rules table
    assert any(b.label == "保存规则" for b in at.button)
    channels = at.dataframe[2].value  # firings, rules, channels
    assert channels.iloc[0].to_dict() == {"渠道": "停机群", "类型": "企业微信",
                                          "发往": channels.iloc[0]["发往"], "语言": "随规则",
                                          "重试次数": "1"}
    assert channels.iloc[0]["发往"].startswith("127.0.0.1:")
    assert "hushhush" not in str(at)  # the robot's key: nowhere on the page


def test_in_english(env):
    at = open_page("en")
    assert not at.exception
    assert at.title[0].value == "Alerts"
    row = at.dataframe[0].value.iloc[0]
    assert row["status"] == "open" and row["deliveries"] == "停机群 ✗ 2×"
    assert row["region"] == "Bairin Left Banner"  # the page's language, not the rule's
    assert row["view"] == "/funds?region=150422&from=2012-01&to=2012-12&lang=en"  # opens in English
    failed = [w.value for w in at.warning if "not delivered" in w.value]
    assert failed and "Bairin Left Banner" in failed[0]  # the regions table's name_en
    assert "巴林左旗" not in failed[0]  # the rule's (Chinese) name the firing recorded


def test_a_leader_sees_the_alerts_not_the_editor(env):
    at = open_page(user=auth.User("boss", "leader"))
    assert not at.exception
    assert len(at.dataframe) == 1 and at.dataframe[0].value.iloc[0]["地区"] == "巴林左旗"
    assert not any(b.label == "保存规则" for b in at.button)


def test_a_region_bound_user_sees_only_their_region(env):
    at = open_page(user=auth.User("hlr", "staff", region="150700"))
    assert not at.exception
    assert any("没有预警记录" in i.value for i in at.info)
    assert any("尚无规则" in i.value for i in at.info)  # the Chifeng rule is not theirs


def test_a_rule_added_through_the_form_and_one_refused(env):
    at = open_page()
    at.selectbox(key="alerts_condition").select("petitions_above").run()
    at.text_input(key="alerts_name").input("集体访增多")
    at.selectbox(key="alerts_region").select("150702")
    at.multiselect(key="alerts_recipients").select("停机群")
    next(b for b in at.button if b.label == "保存规则").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已保存规则" in s.value for s in at.success)
    added = [r for r in rules.all_rules() if r.name == "集体访增多"]
    assert added and added[0].params == {"kind": "collective", "n": 3}
    assert added[0].region == "150702" and added[0].recipients == ("停机群",)

    at.text_input(key="alerts_name").input("")
    next(b for b in at.button if b.label == "保存规则").click().run()
    assert any("规则名称为空" in e.value for e in at.error)
    assert len(rules.all_rules()) == 2


def test_a_deployment_without_rules_reads_without_writing(small, tmp_path, monkeypatch):
    """No rule ever saved: the page says so and leaves no state file behind."""
    monkeypatch.setenv("UNION_DASH_DB", str(small / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(tmp_path / "never.sqlite"))
    monkeypatch.setenv("UNION_DASH_CHANNELS", str(tmp_path / "no-channels.toml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    try:
        at = open_page("en")
    finally:
        st_config.set_option("server.address", before)
    assert not at.exception, [e.value for e in at.exception]
    assert {"No alerts.", "No rules yet."} <= {i.value for i in at.info}
    assert not (tmp_path / "never.sqlite").exists()
