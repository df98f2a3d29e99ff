"""Files as stations keep them: 合计, signature and footnote lines (注：…, 说明：1. … over
several lines) below the table are not data rows; they are listed as skipped, and a file
with nothing else wrong loads whole with exit 0."""

from __future__ import annotations

import duckdb
import pytest

from etl import extract, load
from etl.__main__ import main
from tests import trailer_files as tf
from tests.registry import registered


def _load(tmp_path, *paths):
    return load.load_files(list(paths), registered(tmp_path / "w.duckdb"),
                           rejects_dir=tmp_path / "rej")


@pytest.mark.parametrize("builder, skipped", [(tf.trailer_csv, tf.SKIPPED),
                                              (tf.trailer_xlsx, tf.XLSX_SKIPPED)])
def test_trailers_are_skipped_not_rejected(tmp_path, builder, skipped):
    report = _load(tmp_path, builder(tmp_path))
    f = report.files[0]
    assert (f.status, f.kind, f.rows_read, f.rows_loaded, f.rows_rejected) == (
        "loaded", "relief", 3, 3, 0), f.line
    assert f.rejects.is_empty() and f.warnings == []  # the 合计 row (2000) adds up
    assert report.exit_code == 0
    assert [(row, what) for _, row, what, _ in f.skipped] == skipped
    texts = dict(((row, text) for _, row, _, text in f.skipped))
    assert texts[8].startswith("合计") and "2000" in texts[8]
    assert "经办人：王某" in texts[10] and "单位负责人：赵某" in texts[10]
    assert texts[11] == tf.NOTE and texts[13] == tf.EXPLAIN[0] and texts[15] == tf.EXPLAIN[2]
    frame = report.skipped
    assert frame.columns == ["file", "sheet", "row", "what_zh", "what_en", "text"]
    assert frame.height == len(skipped) and set(frame["what_zh"]) == {"合计行", "签名行", "表注说明"}
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.sql("SELECT count(*), sum(amount_yuan)::INT FROM relief").fetchall() == [
            (3, 2000)]
    finally:
        con.close()


def test_the_command_exits_0_and_lists_the_skipped_lines(tmp_path, capsys):
    paths = [tf.trailer_csv(tmp_path), tf.trailer_xlsx(tmp_path, name="正阳站.xlsx")]
    registered(tmp_path / "w.duckdb")
    code = main(["load", *map(str, paths), "--db", str(tmp_path / "w.duckdb"),
                 "--rejects", str(tmp_path / "rej")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "第 11 行（表注说明）“注：本表一式三份" in err and "row 11 (note)" in err
    assert "第 8 行（合计行）" in err and "第 10 行（签名行）" in err


def test_a_one_text_row_between_data_rows_is_still_checked(tmp_path):
    """Only lines after a footnote continue it: a stray one-cell line amid the rows is a
    bad row (rejected with its reasons), not silently dropped."""
    rows = [*tf.ROWS[:2], ["", "", "", "", "", "", "", "", "见附件"], tf.ROWS[2]]
    report = _load(tmp_path, tf.trailer_csv(tmp_path, rows=rows))
    f = report.files[0]
    assert (f.status, f.rows_loaded, f.rows_rejected) == ("partial", 3, 1)
    assert 7 in f.rejects["row"].to_list()
    assert [what for _, _, what, _ in f.skipped].count("note") == 4


@pytest.mark.parametrize("line, note", [
    ("注：本表一式三份", True), ("注:金额单位为元", True), ("注 ：各站于次月5日前报送", True),
    ("说明：1.金额单位为元", True), ("填表说明", True), ("填表说明：见背面", True),
    ("备注：无", True), ("附注", True), ("注1：旧身份证号可填15位", True),
    ("注意事项：请用黑色签字笔", True), ("注册会计师审核", False), ("说明书", False),
    ("合计", False)])
def test_which_lines_start_a_note(line, note):
    import polars as pl

    whole = pl.DataFrame({"_row": [5, 6], "c0": ["1", line], "c1": ["x", None],
                          "c2": ["y", None]}, schema_overrides={"_row": pl.UInt32})
    flags = extract._flags(whole)
    assert flags["_note"].to_list() == [False, note]
