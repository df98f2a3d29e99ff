"""零报告: an empty roster that names its station and month, the command and the upload
page's confirmation declare a month with nothing to report; completeness counts it as
reported, and 漏报 means neither rows nor a declaration."""

from __future__ import annotations

import datetime as dt
from datetime import date

import duckdb
import pytest

from etl import load, quality, withdraw, zero_reports
from etl.__main__ import main
from tests import trailer_files as tf
from tests.quality_fixtures import relief, rows, warehouse
from tests.registry import registered


def _load(tmp_path, *paths):
    return load.load_files(list(paths), registered(tmp_path / "w.duckdb"),
                           rejects_dir=tmp_path / "rej")


def _query(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _cli(tmp_path, capsys, *args) -> tuple[int, str]:
    registered(tmp_path / "w.duckdb")
    capsys.readouterr()
    code = main(["zero-report", *args, "--db", str(tmp_path / "w.duckdb"),
                 "--rejects", str(tmp_path / "rej"), "--user", "clerk"])
    return code, capsys.readouterr().err


def test_an_empty_roster_naming_station_and_month_is_a_zero_report(tmp_path):
    report = _load(tmp_path, tf.zero_csv(tmp_path))
    f = report.files[0]
    assert (f.status, f.kind, report.exit_code) == ("loaded", "relief", 0), f.line
    assert "零报告" in f.message_zh and "2012年3月" in f.message_zh
    assert [w for _, _, w, _ in f.skipped] == ["total", "signature"]
    db = tmp_path / "w.duckdb"
    assert _query(db, "SELECT station_code, county_code, month, kind, batch_id FROM "
                      "zero_reports") == [(tf.STATION, "150702", date(2012, 3, 1), "relief",
                                           f.batch_id)]
    assert _query(db, "SELECT table_name, file_name FROM load_batches WHERE batch_id = ?",
                  [f.batch_id]) == [("zero_reports", "正阳站零报告.csv")]
    assert _query(db, "SELECT count(*) FROM relief") == [(0,)]
    again = _load(tmp_path, tf.zero_csv(tmp_path))  # the same file: skipped, not twice
    assert again.files[0].status == "skipped" and again.exit_code == 0
    assert _query(db, "SELECT count(*) FROM zero_reports") == [(1,)]


@pytest.mark.parametrize("title, unit, missing", [
    ("困难职工救助发放花名册", f"填报单位：{tf.STATION_NAME}", "月份"),
    ("2012年3月困难职工救助发放花名册", "填报单位：海拉尔区总工会", "帮扶站点"),
    ("困难职工救助发放花名册", "填报单位：海拉尔区总工会  填报日期：2012年4月5日", "帮扶站点和月份"),
])
def test_an_empty_roster_without_station_or_month_says_what_is_missing(
        tmp_path, title, unit, missing):
    report = _load(tmp_path, tf.zero_csv(tmp_path, title=title, unit=unit, name="x.csv"))
    f = report.files[0]
    assert f.status == "failed" and report.exit_code == 2
    assert f"请在表头上方写明{missing}" in f.message_zh, f.message_zh
    assert "报表月份：2012年3月" in f.message_zh and "zero report" in f.message_en
    assert _query(tmp_path / "w.duckdb", "SELECT count(*) FROM zero_reports") == [(0,)]


@pytest.mark.parametrize("lines, month", [
    (["正阳站2012年3月救助花名册", "填报日期：2012年4月5日"], date(2012, 3, 1)),
    (["救助花名册", "报表月份：2012-03", "填报日期：2012年4月5日"], date(2012, 3, 1)),
    (["2012年度救助花名册", "报表月份：2012年12月"], date(2012, 12, 1)),
    (["救助花名册", "填报日期：2012年4月"], date(2012, 4, 1)),  # a month only: that month
    (["救助花名册", "填报日期：2012年4月5日"], None),  # a day: when it was filled in
    (["救助花名册（2012.11）"], date(2012, 11, 1)),
    (["报表月份：2012年3月    填报日期：2012年4月"], date(2012, 3, 1)),
    (["2012年1-3月救助花名册"], None),  # a quarter is not a month
    (["2012年3月至4月救助花名册", "2012年4月"], None),  # two months: not guessed
])
def test_the_month_an_empty_roster_says(lines, month):
    assert zero_reports._month(lines, []) == month


def test_the_command_declares_withdraws_and_refuses_a_month_with_rows(tmp_path, capsys):
    code, err = _cli(tmp_path, capsys, "--station", tf.STATION, "150702002",
                     "--month", "2012-03")
    assert code == 0, err
    db = tmp_path / "w.duckdb"
    assert _query(db, "SELECT station_code, month FROM zero_reports ORDER BY 1") == [
        (tf.STATION, date(2012, 3, 1)), ("150702002", date(2012, 3, 1))]
    batches = withdraw.batches(db)
    zero = batches.filter(batches["table_name"] == "zero_reports")
    assert zero.height == 2 and set(zero["kind_zh"]) == {"零报告"}
    assert zero["withdrawable"].all() and set(zero["loaded_by"]) == {"clerk"}
    code, err = _cli(tmp_path, capsys, "--station", tf.STATION, "--month", "2012年3月")
    assert code == 0 and "已跳过" in err  # declared before
    mine = zero.filter(zero["file_name"].str.contains(tf.STATION))["batch_id"][0]
    withdraw.withdraw(db, mine, user="clerk")
    assert _query(db, "SELECT station_code FROM zero_reports") == [("150702002",)]
    # April has rows: a declaration for it is refused, nothing written
    assert _load(tmp_path, tf.trailer_csv(tmp_path, rows=[
        [*r[:7], r[7].replace("-03-", "-04-"), r[8]] for r in tf.ROWS])).exit_code == 0
    code, err = _cli(tmp_path, capsys, "--station", tf.STATION, "--month", "2012-04")
    assert code == 2 and "已有 3 行数据" in err
    assert _query(db, "SELECT count(*) FROM zero_reports") == [(1,)]
    code, err = _cli(tmp_path, capsys, "--station", tf.STATION, "--month", "2012-13")
    assert code == 2 and "月份" in err


def test_the_declaration_file_is_the_same_for_the_same_declaration():
    a = zero_reports.declaration_file("150702001", date(2012, 3, 1))
    assert a == zero_reports.declaration_file("150702001", date(2012, 3, 1))
    assert a != zero_reports.declaration_file("150702001", date(2012, 4, 1))
    assert zero_reports.parse_month("201203") == zero_reports.parse_month("2012.3") == \
        date(2012, 3, 1)


def _statuses(con, station):
    return {m: s for m, s in rows(con, "SELECT month, status FROM dq_station_months "
                                             f"WHERE station_code = '{station}'")}


def test_a_declared_month_is_not_missing_and_an_undeclared_one_is():
    """Two stations paid in January and July only (festival relief, then 金秋助学 in
    August); one declared February-June and August as 零报告, the other did not."""
    a, b = "150702001", "150702002"
    paid = [relief(p, f"2012-{m:02d}-10", station=s) for s, p in ((a, "a"), (b, "b"))
            for m in (1, 7, 9)]
    con = warehouse(relief_rows=paid)
    con.executemany("INSERT INTO zero_reports VALUES (?, ?, ?, 'relief', 'z1')",
                    [(a, a[:6], date(2012, m, 1)) for m in (2, 3, 4, 5, 6, 8)])
    con.execute("INSERT INTO zero_reports VALUES (?, ?, ?, 'loan', 'z1')",
                [b, b[:6], date(2012, 3, 1)])  # another kind: not a relief report
    quality.refresh(con)
    got_a, got_b = _statuses(con, a), _statuses(con, b)
    assert [got_a[date(2012, m, 1)] for m in range(1, 10)] == [
        "reported", *["declared"] * 5, "reported", "declared", "reported"]
    assert [got_b[date(2012, m, 1)] for m in range(1, 10)] == [
        "reported", *["missing"] * 5, "reported", "empty", "reported"]
    summary = dict(rows(con, "SELECT code, findings FROM dq_summary"))
    assert summary["missing_report"] == 5


def test_a_declaration_breaks_a_run_of_silent_months():
    """Five silent months are 漏报; one declared in the middle leaves two runs of two,
    quiet months rather than missing reports."""
    a = "150702001"
    con = warehouse(relief_rows=[relief("a", d, station=a) for d in
                                 ("2012-01-10", "2012-07-10")])
    con.execute("INSERT INTO zero_reports VALUES (?, ?, ?, 'relief', 'z1')",
                [a, a[:6], date(2012, 4, 1)])
    quality.refresh(con)
    got = _statuses(con, a)
    assert [got[date(2012, m, 1)] for m in range(2, 7)] == [
        "empty", "empty", "declared", "empty", "empty"]


def test_a_station_with_only_declarations_is_on_the_grid():
    con = warehouse(relief_rows=[relief("a", "2012-05-10", station="150702001")])
    con.execute("INSERT INTO zero_reports VALUES ('150702002', '150702', ?, 'relief', 'z')",
                [dt.date(2012, 3, 1)])
    quality.refresh(con)
    got = _statuses(con, "150702002")
    assert got == {date(2012, 3, 1): "declared", date(2012, 4, 1): "empty",
                   date(2012, 5, 1): "empty"}


def test_a_closed_station_is_not_expected_after_its_closing_month():
    con = warehouse(relief_rows=[relief("a", "2012-01-10", station="150702001"),
                                 relief("b", "2012-01-10", station="150702002"),
                                 relief("b", "2012-09-10", station="150702002")])
    con.execute("INSERT INTO help_stations VALUES ('150702001', '正阳', '150702', NULL, NULL, "
                "DATE '2005-01-01', DATE '2012-03-15', 'r')")
    quality.refresh(con)
    closed, open_ = _statuses(con, "150702001"), _statuses(con, "150702002")
    assert sorted(closed) == [date(2012, m, 1) for m in (1, 2, 3)]  # to March, not September
    assert [open_[date(2012, m, 1)] for m in range(2, 9)] == ["missing"] * 7


def test_an_empty_xlsx_roster_with_its_trailers_is_a_zero_report(tmp_path):
    """The workbook as the station keeps it, merged title and notes, 合计 0, no rows."""
    report = _load(tmp_path, tf.trailer_xlsx(tmp_path, rows=[], total="0"))
    f = report.files[0]
    assert (f.status, f.rows_read, report.exit_code) == ("loaded", 0, 0), f.line
    assert f.warnings == [] and "2012年3月" in f.message_zh
    assert [w for _, _, w, _ in f.skipped] == ["total", "signature", "note", "note", "note",
                                               "note", "note"]
    assert _query(tmp_path / "w.duckdb", "SELECT station_code, month FROM zero_reports") == [
        (tf.STATION, date(2012, 3, 1))]


def test_a_user_bound_to_a_region_declares_for_its_stations_only(tmp_path):
    db = registered(tmp_path / "w.duckdb")
    other = load.load_bytes([zero_reports.declaration_file(tf.STATION, date(2012, 3, 1))], db,
                            rejects_dir=tmp_path / "rej", region="150703")
    assert other.files[0].status == "failed" and "权限范围" in other.files[0].message_zh
    own = load.load_bytes([zero_reports.declaration_file(tf.STATION, date(2012, 3, 1))], db,
                          rejects_dir=tmp_path / "rej", region="150702")
    assert own.files[0].status == "loaded" and own.exit_code == 0
