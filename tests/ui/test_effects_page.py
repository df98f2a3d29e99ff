"""The 干预评估 page through AppTest on the sample warehouse, once per method, and in English."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "effects.py")
GROUPS = {
    "event_study": "npc_deputy|NPC deputies' voter reception days",
    "did": "finance_policy|Inner Mongolia opinion No. 30 (2010) supporting union hardship relief",
    "its": "union_measure|Partner hospital discounts for hardship workers",
}


@pytest.fixture
def page(sample_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))

    def run(group: str | None = None, lang: str = "zh") -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=180)
        at.session_state["_inside_frame"] = True  # what the frame (dashboard.py) marks
        at.session_state["lang"] = lang
        if group:
            at.session_state["ef_group"] = group
        return at.run()

    return run


def _figure(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def _values(trace_axis) -> np.ndarray:
    if isinstance(trace_axis, dict):  # numeric arrays arrive base64-encoded
        return np.frombuffer(base64.b64decode(trace_axis["bdata"]), trace_axis["dtype"])
    return np.asarray(trace_axis, dtype=float)


def _card(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def _metric(at: AppTest, label: str) -> str:
    return _card(at, label).value


def test_default_is_the_staggered_event_study(page):
    at = page()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[0].value == GROUPS["event_study"]
    assert at.radio[0].value == "event_study"
    assert "建议：事件研究" in " ".join(c.value for c in at.caption)
    # the sentence with its interval, as a plain statement (diagnostics pass on the sample)
    text = at.success[0].value
    assert text.startswith("实施后每月越级信访件数下降约") and "95%置信区间" in text
    counterfactual, event = _figure(at, 0), _figure(at, 1)
    assert "反事实（无干预）" in [t.get("name") for t in counterfactual["data"]]
    x = _values(event["data"][0]["x"])
    assert x.min() == -4 and x.max() == 8 and -1 in x
    assert "每期3个月" in event["layout"]["xaxis"]["title"]["text"]


@pytest.mark.parametrize("method", ["did", "its"])
def test_suggested_method_runs_and_draws_the_counterfactual(page, method):
    at = page(GROUPS[method])
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio[0].value == method
    assert _metric(at, "变化（率比）").endswith("%")
    names = [t.get("name") for t in _figure(at)["data"]]
    assert "反事实（无干预）" in names and "反事实95%置信带" in names
    # a DiD also shows its effects by period (the event-study plot); a time series does not
    assert len(at.get("plotly_chart")) == (2 if method == "did" else 1)
    assert at.warning or at.success or at.info  # the sentence is always shown


def test_comparison_regions_are_editable(page):
    at = page(GROUPS["did"])
    comparison = at.multiselect(key=f"ef_comparison_{GROUPS['did']}")
    assert len(comparison.value) == 12  # Guangxi's counties
    before = _card(at, "变化（率比）").delta
    assert before.startswith("95%置信区间 +") and "～" in before
    comparison.set_value(comparison.value[:4]).run()
    assert not at.exception
    assert _card(at, "变化（率比）").delta != before


def test_switching_method_on_the_same_measure(page):
    at = page(GROUPS["did"])
    at.radio(key=f"ef_method_{GROUPS['did']}").set_value("its").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "变化（率比）")
    # a time series of the treated regions: no comparison to edit
    assert not [m for m in at.multiselect if m.key.startswith("ef_comparison")]


def test_impossible_design_says_why(page):
    # Only Hailar records medical discounts: a DiD has no comparison data to work with.
    at = page(GROUPS["its"])
    at.radio(key=f"ef_method_{GROUPS['its']}").set_value("did").run()
    assert not at.exception
    assert at.error[0].value.startswith("无法估计") and "comparison" in at.error[0].value


def test_english(page):
    at = page(GROUPS["event_study"], lang="en")
    assert not at.exception
    assert at.title[0].value == "Intervention effects"
    assert at.success[0].value.startswith("After the start, Skip-level petitions per month: about")


def test_empty_registry_says_so(tmp_path, monkeypatch):
    import duckdb

    from core.schema import ddl
    from sample.regions import all_regions
    from tests import golden_warehouse

    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    for statement in ddl():
        con.execute(statement)
    golden_warehouse.add_rows(con, "regions",
                              [(r.region_code, r.parent_code, r.level, r.name_zh, r.name_en)
                               for r in all_regions()],
                              ["region_code", "parent_code", "level", "name_zh", "name_en"])
    con.close()
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["_inside_frame"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "干预措施登记表为空" in at.info[0].value
