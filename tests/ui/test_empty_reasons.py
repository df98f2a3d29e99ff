"""Empty charts and "—" cards say their real reason, not advice that cannot help: a table that
does not record help stations cannot be cut below the county whatever the range; placement
within six months is "—" while no cohort has had its six months. On the golden warehouse
(tests/golden_warehouse.py), whose rows are worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import golden_warehouse

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> Path:
    return golden_warehouse.build(tmp_path_factory.mktemp("golden") / "w.duckdb")


def _training(db: Path, mp, chain: list[str], first: date, last: date) -> AppTest:
    """The training page with the region picked down `chain` (province, city, county) and
    the months first..last picked in the filter bar."""
    mp.setenv("UNION_DASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/training.py").run()
    for key, code in zip(("f_province", "f_city", "f_county"), chain, strict=False):
        at.selectbox(key=key).select(code).run()
    at.select_slider(key="f_period").set_range(first, last).run()
    f = at.session_state["filters"]
    assert (f.region, f.start, f.end) == (chain[-1], first, last)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _infos(at: AppTest) -> str:
    return "\n".join(i.value for i in at.info)


def test_training_by_sub_region_at_a_county_says_the_table_has_no_stations(golden, local_staff):
    # 海拉尔区 2012: training rows there, but the training table records no station
    at = _training(golden, local_staff, ["150000", "150700", "150702"],
                   date(2012, 1, 1), date(2012, 12, 1))
    infos = _infos(at)
    assert "按下级地区" in infos, infos
    assert "技能培训数据不记录帮扶站点和乡镇街道" in infos, infos
    assert "扩大时间范围" not in infos


def test_placement_card_dash_says_no_cohort_has_had_six_months(golden, local_staff):
    # 巴林左旗 2013-01..03 (the data's last month): t5 started 2013-03 and ended 2013-05, the last start on file is 2013-03:
    # nobody has had six months since completion, so the rate has no base.
    at = _training(golden, local_staff, ["150000", "150400", "150422"],
                   date(2013, 1, 1), date(2013, 3, 1))
    card = next(m for m in at.metric if m.label == "结业六个月内就业率")
    assert card.value == "—"
    assert "结业已满六个月" in card.proto.help and "2013年3月" in card.proto.help, card.proto.help


def test_a_rate_with_a_zero_base_says_so(golden, local_staff):
    # 2012 at 巴林左旗: t4 of 2011 and t5 of 2013 only: no enrolment in 2012 — the section's
    # empty state speaks; 2011: enrolled, completed → completion has its value.
    at = _training(golden, local_staff, ["150000", "150400", "150422"],
                   date(2011, 1, 1), date(2011, 12, 1))
    card = next(m for m in at.metric if m.label == "培训结业率")
    assert card.value == "100.0%"
