"""The median days to close says why it is empty: on a 新疆 deployment's petitions page
(petitions received January to March 2025, most closed a week later) the KPI read — and its
trend 当前筛选条件下没有数据。请扩大时间范围或选择上级地区, at the top region already. The
median counts only petitions received at least 180 days before the last one on file, and
none of this range's is; the page now says so, with that month."""

from __future__ import annotations

import pytest

from tests.deployment_files import fresh
from tests.served import ROOT


@pytest.fixture(scope="module")
def xinjiang(tmp_path_factory):
    where = tmp_path_factory.mktemp("xj")
    petitions = where / "信访登记表_2025年一季度.csv"
    petitions.write_text("\n".join([
        "2025年一季度职工信访登记表,,,,,,,,,,",
        "登记编号,所属县（市、区）,受理日期,来源渠道,诉求类别,涉及人数,是否群体性,是否越级,调处层级,"
        "办理结果,办结日期",
        *(f"XJ{m}{i},{county},2025年{m}月{5 + i}日,帮扶站,拖欠工资,2人,否,否,企业调解,已解决,"
          f"2025年{m}月{12 + i}日" for m in (1, 2, 3)
          for i, county in enumerate(("天山区", "伊宁市")))]) + "\n", encoding="utf-8")
    db, report = fresh(where, "650000", "站点名称,所属县（市、区）,所属乡镇街道,成立日期\n"
                       "伊宁市解放路街道帮扶站,伊宁市,解放路街道,2017年5月\n", petitions)
    assert report.exit_code == 0 and report.files[-1].rows_loaded == 6
    return db


def test_the_median_days_to_close_says_why_it_is_empty(xinjiang, local_staff):
    from streamlit.testing.v1 import AppTest

    local_staff.setenv("UNION_DASH_DB", str(xinjiang))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/petitions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(i.value for i in at.info if "办结天数中位数" in i.value)
    assert "180天" in said and "2025年3月" in said, said
    assert "选择上级地区" not in said, said
