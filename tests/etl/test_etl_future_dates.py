"""Planned dates (a loan's due date) may lie ahead, up to the column's max_future_years in
etl/mappings/columns.csv; dates of things that happened (issue, relief) may not."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl import load, mappings, parse
from tests import messy_files as mf
from tests.registry import registered

TODAY = dt.date.today()
LOAN_HEADER = ["身份证号码", "所属旗县区", "借款日期", "借款金额（元）", "约定还款日期"]


def _ahead(years: int) -> str:
    return parse.latest_date(years).replace(day=1).isoformat()


def test_planned_columns_allow_thirty_years_and_targets_next_year():
    allowed = {(c.kind, c.name): c.max_future_years
               for k in mappings.kinds() for c in mappings.columns(k) if c.max_future_years}
    assert allowed == {("loan", "due_on"): 30, ("training", "end_on"): 30,
                       ("intervention", "end_on"): 30,
                       # a 目标任务表 is set before its year begins (etl/mappings/columns.csv)
                       ("target", "year"): 1, ("target", "season"): 1}


@pytest.mark.parametrize(("today", "years", "expected"), [
    (dt.date(2026, 11, 23), 0, dt.date(2026, 11, 23)),
    (dt.date(2026, 11, 23), 30, dt.date(2056, 11, 23)),
    (dt.date(2028, 2, 29), 30, dt.date(2058, 2, 28)),
])
def test_latest_date(today, years, expected):
    assert parse.latest_date(years, today) == expected


def test_future_due_date_loads_and_too_far_or_past_issue_is_rejected(tmp_path):
    rows = [
        [mf.ID_A, "150702", "2012-03-01", "20000", _ahead(10)],  # due in 10 years: fine
        [mf.ID_B, "150702", "2012-03-01", "20000", _ahead(31)],  # 31 years: typing error
        [mf.ID_C, "150422", (TODAY + dt.timedelta(days=40)).isoformat(), "20000",
         _ahead(1)],  # issued in the future: rejected
    ]
    path = mf.write_csv(tmp_path / "loans.csv", rows, title=False, header=LOAN_HEADER)
    db = tmp_path / "w.duckdb"
    report = load.load_files([path], registered(db), rejects_dir=tmp_path / "rej")
    result = report.files[0]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("partial", 1, 2)
    assert sorted(report.rejects["column"].to_list()) == ["借款日期", "约定还款日期"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        due = con.sql("SELECT due_on FROM loans").fetchall()
    finally:
        con.close()
    assert due == [(dt.date.fromisoformat(_ahead(10)),)]
