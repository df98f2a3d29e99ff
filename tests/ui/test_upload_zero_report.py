"""数据导入 with AppTest: a file with 合计, signature and 注： lines loads whole and lists them;
the 零报告 section declares a month with nothing to report behind one confirmation, as a
batch the warehouse records and completeness counts."""

from __future__ import annotations

from datetime import date

import duckdb

from tests import trailer_files as tf
from tests.apptest_pages import summary, upload, upload_page
from ui import zero_report_view as zv


def _rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_trailers_load_whole_and_are_listed(upload_db, tmp_path):
    at = upload_page().run()
    upload(at, ("正阳站.csv", tf.trailer_csv(tmp_path).read_bytes()))
    assert not at.exception
    (row,) = summary(at)
    assert (row["状态"], row["载入行数"], row["拒绝行数"]) == ("已载入", 3, 0)
    assert at.success  # all loaded: no 部分载入
    skipped = at.dataframe[1].value
    assert list(skipped["行号"]) == [r for r, _ in tf.SKIPPED]
    assert skipped["内容"].str.startswith("注：本表一式三份").any()


def test_a_zero_report_behind_one_confirmation(upload_db):
    at = upload_page().run()
    at.multiselect(key="zero_stations").set_value([tf.STATION, "150702002"])
    at.selectbox(key="zero_year").set_value(2012)
    at.selectbox(key="zero_month").set_value(3).run()
    assert at.button(key="zero_go").disabled  # not before the confirmation is ticked
    at.checkbox(key="zero_sure").check().run()
    at.button(key="zero_go").click().run()
    assert not at.exception
    assert [r["状态"] for r in summary(at)] == ["已载入", "已载入"]
    assert all("零报告" in r["说明"] for r in summary(at))
    assert _rows(upload_db, "SELECT station_code, month, kind FROM zero_reports ORDER BY 1") == [
        (tf.STATION, date(2012, 3, 1), "relief"), ("150702002", date(2012, 3, 1), "relief")]
    assert _rows(upload_db, "SELECT count(*) FROM load_batches WHERE table_name = "
                           "'zero_reports'") == [(2,)]


def test_last_month_is_the_default():
    assert zv.last_month(date(2013, 1, 15)) == date(2012, 12, 1)
    assert zv.last_month(date(2012, 4, 1)) == date(2012, 3, 1)
