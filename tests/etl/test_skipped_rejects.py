"""A file loaded before with rows rejected, uploaded again unchanged: skipped (its good rows
are in), but still said to have those rows out. A 佛山市 roster with 4 bad rows, sent a second
time, read "1 个文件，载入 0 行，拒绝 0 行" with exit 0, and the upload page's banner said
全部文件已载入 while the 4 rows were still missing."""

from __future__ import annotations

from etl import load
from tests.deployment_files import guangzhou
from tests.messy_files import make_id


def _roster_with_a_bad_id(path):
    good, bad = make_id("44010619800101101"), make_id("44010619810101102")
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")  # check digit mistyped
    path.write_text("序号,姓名,身份证号码,帮扶站点,帮扶类型,资金来源,金额（元）,发放日期\n"
                    f"1,张一,{good},天河区五山街道帮扶站,两节慰问,工会自筹,500,2026-01-20\n"
                    f"2,张二,{bad},天河区五山街道帮扶站,两节慰问,工会自筹,600,2026-01-21\n",
                    encoding="utf-8")
    return path


def test_an_unchanged_file_still_says_its_rejected_rows(tmp_path):
    db, report = guangzhou(tmp_path)
    assert report.exit_code == 0
    f = _roster_with_a_bad_id(tmp_path / "roster.csv")
    first = load.load_files([f], db, rejects_dir=tmp_path / "rej")
    assert first.exit_code == 3 and first.files[0].rows_rejected == 1

    again = load.load_files([f], db, rejects_dir=tmp_path / "rej")
    result = again.files[0]
    assert result.status == "skipped"
    assert result.rows_loaded == 0
    assert result.rows_rejected == 1
    assert again.exit_code == 3
    assert "1 行未通过校验" in result.message_zh, result.message_zh
    assert "1 rows" in result.message_en, result.message_en
    assert again.rejects.is_empty()  # nothing recorded twice


def test_an_unchanged_clean_file_is_skipped_quietly(tmp_path):
    db, report = guangzhou(tmp_path)
    assert report.exit_code == 0
    from tests.deployment_files import roster
    f = roster(tmp_path / "again.csv", "天河区五山街道帮扶站", day="2026-03-1")
    assert load.load_files([f], db, rejects_dir=tmp_path / "rej").exit_code == 0
    again = load.load_files([f], db, rejects_dir=tmp_path / "rej")
    assert again.files[0].status == "skipped" and again.files[0].rows_rejected == 0
    assert again.exit_code == 0
    assert "未通过" not in again.files[0].message_zh
