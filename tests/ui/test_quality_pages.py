"""数据质量 and 资金合规 with AppTest over a small warehouse with known problems."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from tests.quality_fixtures import allocation, hardship, masked, relief, warehouse
from ui import auth

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dq_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("dq_pages")
    warehouse(
        path=str(root / "w.duckdb"),
        relief_rows=[
            relief("a", "2012-01-10", type="festival_condolence"),
            relief("a", "2012-01-12", type="festival_condolence", station="150702002"),
            relief("m", "2012-03-01", fund="central_special", group="model_worker", amount=800),
            relief("d", "2013-05-01", station="150422000", fund="central_special", amount=3000),
        ],
        files=[hardship("a", "2010-01-01"), hardship("m", "2010-01-01"),
               hardship("d", "2008-01-01", "2012-12-31", county="150422")],
        allocations=[allocation("150422", 2013, "central_special", 2000, 2000),
                     allocation("150422", 2012, "local_matching", 50000, 0)],
        rejects=[{"batch_id": "b1", "file_name": "x.xlsx", "sheet": "1月", "excel_row": 5,
                  "column_name": "金额", "value": "abc", "reason_zh": "无法识别的金额“abc”",
                  "reason_en": "Unreadable amount 'abc'", "station_code": "150702001",
                  "loaded_at": datetime(2024, 3, 2)}]).close()
    return root


@pytest.fixture
def page(dq_env, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(dq_env / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUTH", str(dq_env / "none.yaml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")  # the local staff user

    def run(name: str, lang: str = "zh") -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=90)
        at.session_state["lang"] = lang
        at.session_state["_inside_frame"] = True  # as if the frame ran it (ui/frame.py)
        return at.run()

    yield run
    st_config.set_option("server.address", before)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quality_page(page, lang):
    at = page("quality.py", lang)
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    dup, after = ("跨站点重复救助", "脱困后仍救助") if lang == "zh" else (
        "same person relieved by two stations", "relief after leaving the hardship file")
    assert (m[dup], m[after]) == ("1", "1")
    assert len(at.tabs) == 6
    assert at.get("plotly_chart")  # the completeness heatmap and the rejects chart


def test_quality_page_shows_the_rows_behind_a_duplicate(page):
    at = page("quality.py")
    pick = at.selectbox(key="duplicate_relief_pick")
    assert pick.options == [f"#1 {masked('a')} · 2012两节"]
    tables = [t.value for t in at.dataframe]
    rows = [t for t in tables if "身份证号（脱敏）" in t.columns and len(t) == 2]
    assert rows and set(rows[0]["身份证号（脱敏）"]) == {masked("a")}
    assert all("person_key" not in t.columns for t in tables)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compliance_page(page, lang):
    at = page("compliance.py", lang)
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    keys = (["专项资金超范围使用", "支出超过到位资金", "配套资金未到位"] if lang == "zh" else
            ["special funds used outside their scope", "disbursed more than received",
             "matching funds not arrived"])
    assert [m[k] for k in keys] == ["1", "2", "1"]
    overspend = at.selectbox(key="overspend_pick")
    assert len(overspend.options) == 2
    assert at.get("download_button")  # staff may export flagged rows


def test_pages_refuse_a_researcher(page, dq_env, monkeypatch):
    auth.add_user("res", "researcher", "Passwort-123", dq_env / "auth.yaml")
    monkeypatch.setenv("UNION_DASH_AUTH", str(dq_env / "auth.yaml"))
    for name in ("quality.py", "compliance.py"):
        at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=90)
        at.session_state["union_dash_user"] = auth.User("res", "researcher")
        at.session_state["_inside_frame"] = True
        at.run()
        assert not at.metric and any("无权" in e.value for e in at.error)
