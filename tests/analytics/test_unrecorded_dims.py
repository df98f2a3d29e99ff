"""A rate cut by a dimension its rows never record is unknown, not 0%: relief rosters kept
without 困难类别 beside a register that has it showed 救助覆盖率 by hardship category as 0% for
every category (a 重庆市 trial); now the values are missing and the chart says why. So does
the petitions page's funnel when the register leaves 调处层级 out (it said only 'no data')."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics import queries
from analytics.filters import Filters
from etl import load
from tests.deployment_files import AMOUNTS, guangzhou
from tests.messy_files import make_id
from tests.served import ROOT

JAN = Filters(region="440106", start=date(2026, 1, 1), end=date(2026, 1, 1))
FEB = Filters(region="440106", start=date(2026, 2, 1), end=date(2026, 2, 1))


def _ids() -> list[str]:
    return [make_id(f"44010619{80 + i}0101{100 + i:03d}") for i in range(len(AMOUNTS))]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Path:
    """广州市: January's roster without 困难类别 (tests/deployment_files.py), a register with
    it for the same persons, and February's roster with it for two of them."""
    where = tmp_path_factory.mktemp("unrecorded")
    db, report = guangzhou(where)
    assert report.exit_code == 0
    register = ["序号,姓名,身份证号码,性别,帮扶站点,困难类别,建档日期"]
    february = ["序号,姓名,身份证号码,帮扶站点,帮扶类型,困难类别,资金来源,金额（元）,发放日期"]
    for i, pid in enumerate(_ids()):
        kind = ("低收入", "因病")[i % 2]
        register.append(f"{i + 1},张{i},{pid},男,天河区五山街道帮扶站,{kind},2025-06-01")
        if i < 2:
            february.append(f"{i + 1},张{i},{pid},天河区五山街道帮扶站,临时救助,{kind},工会自筹,"
                            f"500,2026-02-1{i}")
    petitions = ["登记编号,所属区县,受理日期,来源渠道,诉求类别,涉及人数,是否群体性,是否越级,办理结果",
                 *(f"TH-{i},天河区,2026-01-0{i + 1},帮扶站,拖欠工资,1,否,否,已解决" for i in range(3))]
    files = [where / "建档花名册.csv", where / "二月救助花名册.csv", where / "信访登记表.csv"]
    for path, lines in zip(files, (register, february, petitions), strict=True):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load.load_files(files, db, rejects_dir=where / "rej").exit_code == 0
    return db


@pytest.fixture
def on_deployment(deployment, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(deployment))


def test_a_month_whose_rosters_leave_the_category_out_has_no_coverage_by_it(on_deployment):
    jan = queries.breakdown(["coverage"], JAN, "category")
    assert jan.height == 2 and jan["value"].null_count() == 2  # unknown, not 0%
    assert queries.dim_unrecorded("coverage", JAN, "category")
    assert queries.kpis(["coverage"], JAN)["value"][0] == pytest.approx(1.0)  # the total holds


def test_a_month_whose_rosters_record_it_is_cut_by_it(on_deployment):
    feb = queries.breakdown(["coverage"], FEB, "category")
    assert sorted(feb["value"].to_list()) == pytest.approx([1 / 3, 1 / 2])
    assert not queries.dim_unrecorded("coverage", FEB, "category")



def test_the_funnel_of_a_register_without_mediation_levels_says_why(on_deployment,
                                                                   local_staff):
    from streamlit.testing.v1 import AppTest

    assert queries.dim_unrecorded("petitions", JAN, "mediation_level")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/petitions.py").run()
    at.selectbox(key="f_county").select("440106").run()
    at.select_slider(key="f_period").set_range(date(2026, 1, 1), date(2026, 1, 1)).run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(i.value for i in at.info)
    assert "没有填写“调处层级”" in said, said
