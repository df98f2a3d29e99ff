"""A rate cut by a dimension its rows never record is unknown, not 0%: relief rosters kept
without 困难类别 beside a register that has it showed 救助覆盖率 by hardship category as 0% for
every category (a 重庆市 trial); now the values are missing and the chart says why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics import queries
from analytics.filters import Filters
from etl import load
from tests.deployment_files import AMOUNTS, guangzhou
from tests.messy_files import make_id

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
    files = [where / "建档花名册.csv", where / "二月救助花名册.csv"]
    for path, lines in zip(files, (register, february), strict=True):
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
