"""A quarter's or month's briefing states the money its own months paid out. 资金支出
(fund_disbursed) counts whole years, to meet the allocation tables; a 佛山市 briefing for
2025年第一季度 said "发放各类救助金3.4万余元" and, two paragraphs on, "发放救助资金9.8万余元" (the
year's, June and September included), and its table compared 2026Q1's 3.7万 with all of 2025
as 上年同期 (下降61.4%)."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.briefing import parse_period
from analytics.briefing.content import gather
from analytics.briefing.text import funds
from etl import load
from tests.deployment_files import guangzhou, roster


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A fresh 广州市 deployment with one station's January 2026 roster, made once for the
    module (~0.7 CPU-s): the definitions' test reads it as made, then the funds' test loads
    June into it."""
    db, report = guangzhou(tmp_path_factory.mktemp("gz_quarter"))
    assert report.exit_code == 0
    return db


def test_a_quarters_definition_says_its_months(deployment, monkeypatch):
    import io

    import docx

    from analytics.briefing.document import write_docx
    monkeypatch.setenv("UNION_DASH_DB", str(deployment))
    for period, said in (("2026Q1", "计本期各月"), ("2026", "按整年计")):
        b = gather("440100", parse_period(period))
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(write_docx(b, [], []))).paragraphs)
        line = next(t for t in text.splitlines() if t.startswith("资金支出："))
        assert said in line, line


# Last: it loads June into the module's deployment.
def test_a_quarters_funds_are_the_quarters(deployment, tmp_path, monkeypatch):
    db = deployment  # 5 rows of 工会自筹 in January 2026: 3,500 yuan
    june = roster(tmp_path / "june.csv", "天河区五山街道帮扶站", day="2026-06-1")  # 3,500 more
    assert load.load_files([june], db, rejects_dir=tmp_path / "rej").exit_code == 0
    monkeypatch.setenv("UNION_DASH_DB", str(db))

    q1 = gather("440100", parse_period("2026Q1"))
    assert q1.value("relief_amount") == 3500
    assert q1.value("fund_disbursed") == 3500
    paid = q1.funds.filter(pl.col("code") == "fund_disbursed")
    assert paid["value"].sum() == 3500, paid
    assert "3500元" in funds(q1, "zh"), funds(q1, "zh")

    year = gather("440100", parse_period("2026"))  # a year's briefing: the whole year, as before
    assert year.value("fund_disbursed") == 7000
