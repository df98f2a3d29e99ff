"""Messy station files → what is loaded and what is rejected (input → expected output)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import polars as pl
import pytest

from core import engine
from etl import extract, load, warehouse
from tests import messy_files as mf
from tests.registry import registered


def _load(tmp_path, *paths):
    return load.load_files(list(paths), registered(tmp_path / "w.duckdb"), rejects_dir=tmp_path / "rej")


def _query(db, sql):
    with engine.attached(db) as con:  # ~5 ms of CPU a read, against ~20 for a connection
        return con.sql(sql).pl()


@pytest.mark.parametrize("builder", [mf.gb18030_csv, mf.bom_csv])
def test_csv_encodings_and_mess(tmp_path, builder):
    """GB18030 and UTF-8-BOM CSVs with title rows, totals, signatures, synonyms, full-width
    digits, "1,200.00元", Excel serials, 15-digit IDs and trailing spaces load the same."""
    report = _load(tmp_path, builder(tmp_path))
    f = report.files[0]
    assert (f.status, f.kind, f.rows_read, f.rows_loaded, f.rows_rejected) == (
        "loaded", "relief", 3, 3, 0)
    assert f.warnings == []  # the 合计 row matches the rows
    got = _query(tmp_path / "w.duckdb", """
        SELECT p.id_masked, station_code, county_code, relief_type, fund_source,
               amount_yuan, relief_date
        FROM relief r JOIN persons p USING (person_key) ORDER BY amount_yuan DESC, id_masked""")
    expected = sorted(
        [(pid[:6] + "********" + pid[-4:], *rest[:4], Decimal(rest[4]), rest[5])
         for pid, *rest in mf.EXPECTED_GOOD], key=lambda r: (-r[5], r[0]))
    assert got.rows() == expected
    assert report.exit_code == 0


def test_xlsx_roster(tmp_path):
    """Merged titles, unit/date line, date cells, serials, IDs as numbers, a totals row,
    signatures, two month sheets; hidden and empty sheets skipped, a notes sheet and the
    hidden roster sheet reported."""
    report = _load(tmp_path, mf.roster_xlsx(tmp_path))
    f = report.files[0]
    assert f.status == "partial" and report.exit_code == 3
    assert [(s.name, s.status) for s in f.sheets] == [
        ("1月", "loaded"), ("2月", "loaded"), ("旧表", "ignored"), ("说明", "ignored")]
    assert any("说明" in en for _, en in f.warnings)
    assert any("旧表" in en and "hidden" in en for _, en in f.warnings)
    got = _query(tmp_path / "w.duckdb",
                 "SELECT relief_type, amount_yuan::VARCHAR, relief_date FROM relief")
    assert sorted(got.rows()) == sorted(mf.EXPECTED_XLSX.values())
    rejects = f.rejects.select("sheet", "row", "column", "value", "reason_en").rows()
    assert len(rejects) == len(mf.EXPECTED_XLSX_REJECTS)
    for (sheet, row, column, value, fragment), got_row in zip(
            mf.EXPECTED_XLSX_REJECTS, rejects, strict=True):
        assert got_row[:4] == (sheet, row, column, value) and fragment in got_row[4]


def test_rejects_say_where_what_why(tmp_path):
    report = _load(tmp_path, mf.bad_rows_csv(tmp_path))
    f = report.files[0]
    assert (f.status, f.rows_loaded, f.rows_rejected) == ("partial", 2, 9)
    got = {(r["row"], r["column"]): r for r in f.rejects.iter_rows(named=True)}
    for row, column, value, fragment in mf.EXPECTED_BAD:
        r = got[(row, column)]
        assert r["file"] == "bad_rows.csv" and r["value"] == value
        assert fragment in r["reason_en"] and r["reason_zh"]
    assert len(got) == len(mf.EXPECTED_BAD)
    kept = _query(tmp_path / "w.duckdb", "SELECT amount_yuan::VARCHAR a FROM relief ORDER BY a")
    assert kept["a"].to_list() == ["500.00", "600.00"]  # the later duplicate row won
    # The report on disk (Excel-friendly) and the warehouse table hold the same rejects.
    on_disk = pl.read_csv(report.rejects_path, encoding="utf8-lossy")
    assert report.rejects_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert on_disk.columns == ["file", "sheet", "row", "id_masked", "column", "value",
                               "reason_zh", "reason_en"]
    assert on_disk.height == len(mf.EXPECTED_BAD)
    stored = _query(tmp_path / "w.duckdb", "SELECT count(*) n FROM load_rejects")
    assert stored["n"][0] == len(mf.EXPECTED_BAD)


@pytest.mark.parametrize("builder, fragment", [
    (mf.missing_column_csv, "required columns are missing: 资金来源"),
    (mf.utf16_csv, "neither UTF-8 nor GBK"),
    (mf.broken_xlsx, "cannot be opened"),
    (mf.unknown_kind_csv, "No header row recognised"),
])
def test_unloadable_files(tmp_path, builder, fragment):
    report = _load(tmp_path, builder(tmp_path))
    f = report.files[0]
    assert f.status == "failed" and report.exit_code == 2 and f.rows_loaded == 0
    assert fragment in f.message_en and f.message_zh
    assert _query(tmp_path / "w.duckdb", "SELECT count(*) n FROM load_batches "
                  "WHERE table_name <> 'help_stations'")["n"][0] == 0


def test_totals_mismatch_is_a_warning(tmp_path):
    f = _load(tmp_path, mf.totals_mismatch_csv(tmp_path)).files[0]
    assert f.status == "loaded"
    assert any("9999.00" in en and "3200.00" in en for _, en in f.warnings)


def test_header_row_found_below_titles(tmp_path):
    raw = extract.read_file("x.csv", mf.gb18030_csv(tmp_path).read_bytes())[0]
    sheet = extract.recognise(raw)
    assert sheet.kind == "relief" and sheet.data["_row"].to_list() == [4, 5, 6]
    assert sheet.totals_row == 7 and sheet.totals["amount_yuan"] == "3200"
    assert sheet.headers["amount_yuan"] == "金额（元）"


def test_person_at_two_stations_is_one_person(tmp_path):
    a = mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_A, "2012-01-05")
    b = mf.station_csv(tmp_path, "b.csv", "150702003", mf.ID_A, "2012-02-05")
    report = _load(tmp_path, a, b)
    assert report.exit_code == 0
    got = _query(tmp_path / "w.duckdb", """
        SELECT (SELECT count(*) FROM persons) persons,
               (SELECT count(DISTINCT person_key) FROM relief) keys,
               (SELECT count(*) FROM relief) reliefs,
               (SELECT gender || birth_year FROM persons) who""")
    assert got.row(0) == (1, 1, 2, "M1980")


def test_no_raw_ids_or_names_stored(tmp_path):
    _load(tmp_path, mf.bom_csv(tmp_path), mf.bad_rows_csv(tmp_path))
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        for table in ("relief", "persons", "load_rejects"):
            text = str(con.sql(f"SELECT * FROM {table}").fetchall())
            for raw in (mf.ID_A, mf.ID_B, mf.WRONG_CHECK, "职工1"):
                assert raw not in text
    finally:
        con.close()


def test_sheet_missing_required_column_is_partial(tmp_path):
    report = _load(tmp_path, mf.sheet_missing_column_xlsx(tmp_path))
    f = report.files[0]
    assert (f.status, f.rows_loaded, report.exit_code) == ("partial", 1, 3)
    assert [(s.name, s.status) for s in f.sheets] == [("3月", "loaded"), ("4月", "failed")]
    (reject,) = f.rejects.iter_rows(named=True)
    assert reject["sheet"] == "4月" and reject["row"] is None
    assert "required columns are missing: 资金来源" in reject["reason_en"]


def test_gender_from_the_file_on_a_persons_first_row(tmp_path):
    """A 性别 column wins over the ID on the person's first row of the file; without one
    (or with the cell empty there) the gender is the ID's (ID_A, ID_E: male; ID_B: female)."""
    header = [*mf.HEADER, "性别"]
    rows = [[*mf._row(1, mf.ID_A, "150702001", "临时救助", "工会自筹", "300", "2012-03-01"), "女"],
            [*mf._row(2, mf.ID_A, "150702001", "医疗救助", "工会自筹", "300", "2012-03-02"), "男"],
            [*mf._row(3, mf.ID_B, "150702001", "临时救助", "工会自筹", "300", "2012-03-01"), ""],
            [*mf._row(4, mf.ID_B, "150702001", "医疗救助", "工会自筹", "300", "2012-03-02"), "男"]]
    with_column = mf.write_csv(tmp_path / "g.csv", rows, header=header)
    without = mf.station_csv(tmp_path, "s.csv", "150702002", mf.ID_E, "2012-03-01")
    assert _load(tmp_path, with_column, without).exit_code == 0
    got = dict(_query(tmp_path / "w.duckdb", "SELECT id_masked, gender FROM persons").rows())
    assert got == {pid[:6] + "********" + pid[-4:]: gender
                   for pid, gender in ((mf.ID_A, "F"), (mf.ID_B, "F"), (mf.ID_E, "M"))}


ID_SPACED = "\u3000" + mf.ID_A + " "


def test_cells_of_white_space_only_are_empty(tmp_path):
    """A cell holding only spaces (also the full-width one) is an empty cell: a required one
    fails as empty, and a row of such cells is no data row. Cells with spaces around a
    value lose them."""
    rows = [mf._row(1, ID_SPACED, " 150702001", "临时救助 ", "中央专项", " 500", "2012-06-01"),
            mf._row(2, mf.ID_B, "150702001", "\u3000", "中央专项", "500", "2012-06-02"),
            mf._row(3, mf.ID_C, "150702001", "临时救助", "中央专项", "  ", "2012-06-03"),
            ["  "] * len(mf.HEADER)]
    f = _load(tmp_path, mf.write_csv(tmp_path / "spaces.csv", rows)).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (3, 1, 2)
    assert sorted(f.rejects.select("row", "column", "reason_en").rows()) == [
        (5, "帮扶类型", "Required cell '帮扶类型' is empty; fill it in"),
        (6, "金额（元）", "Required cell '金额（元）' is empty; fill it in")]
    got = _query(tmp_path / "w.duckdb", "SELECT station_code, relief_type, amount_yuan::VARCHAR "
                 "FROM relief")
    assert got.rows() == [("150702001", "temporary", "500.00")]



@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("given", ["path", "upload"])
def test_a_cell_beyond_the_last_column_in_the_first_row_is_not_a_failed_file(tmp_path,
                                                                              encoding, given):
    """A note typed past the last column of the first data row (as on any other row) is
    passed over: it failed the whole file with Polars' English 'CSV file contained column
    names not specified in schema (n_extra = 1)...' inside the Chinese message."""
    rows = [mf._row(1, mf.ID_A, "150702001", "临时救助", "中央专项", "500", "2012-06-01")
            + ["已核实"],
            mf._row(2, mf.ID_B, "150702001", "临时救助", "中央专项", "600", "2012-06-02"),
            mf._row(3, mf.ID_C, "150702001", "临时救助", "中央专项", "700", "2012-06-03")
            + ["", "另附"]]
    path = mf.write_csv(tmp_path / "note.csv", rows, encoding=encoding, title=False)
    db = registered(tmp_path / "w.duckdb")
    report = (load.load_files([path], db, rejects_dir=tmp_path / "rej") if given == "path" else
              load.load_bytes([(path.name, path.read_bytes())], db, rejects_dir=tmp_path / "rej"))
    f = report.files[0]
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_rejected) == ("loaded", 3, 3, 0), (
        f.message_en)
    assert _query(db, "SELECT sum(amount_yuan)::INT s FROM relief")["s"][0] == 1800


def test_names_keep_no_control_or_direction_characters(tmp_path):
    """A registry's names as they read: a station name pasted with a NUL, a bell, a
    vertical tab (Word's line break), a zero-width space and a right-to-left override
    (U+202E, which shows what follows backwards: '站扶帮' read as 帮扶站 in every table,
    hover and briefing) was stored with them; a name of such characters alone is empty."""
    rows = [["站点代码", "站点名称", "所属旗县区", "所属乡镇街道", "成立日期", "撤销日期"],
            ["150702001", "海拉尔区\x00正阳街道\x0b帮扶站\x07\u200b", "海拉尔区", "正阳\u202e街道",
             "2005-01-01", ""],
            ["150702002", "\u202e站扶帮道街湖靠", "海拉尔区", "", "2005-01-01", ""],
            ["150702003", "\x00\u202e", "海拉尔区", "", "2005-01-01", ""]]
    path = mf.write_csv(tmp_path / "帮扶站点名录.csv", rows[1:], header=rows[0], title=False)
    f = _load(tmp_path, path).files[0]
    assert (f.rows_loaded, f.rows_rejected) == (2, 1)
    assert f.rejects.select("row", "column").rows() == [(4, "站点名称")]
    got = _query(tmp_path / "w.duckdb", "SELECT station_code, name_zh, township_zh "
                 "FROM help_stations WHERE station_code IN ('150702001', '150702002') "
                 "ORDER BY 1").rows()
    assert got == [("150702001", "海拉尔区正阳街道 帮扶站", "正阳街道"),
                   ("150702002", "站扶帮道街湖靠", None)]
    names = _query(tmp_path / "w.duckdb", "SELECT name_zh FROM regions "
                   "WHERE region_code = '150702001'")["name_zh"].to_list()
    assert names == ["海拉尔区正阳街道 帮扶站"]


def test_an_uploaded_files_name_keeps_no_direction_characters(tmp_path):
    """An upload named 'x\u202evsc.xlsx' read backwards in the batch list and the audit log;
    the name is kept as it reads (the file's content is read as before)."""
    rows = [["站点代码", "站点名称", "所属旗县区", "所属乡镇街道", "成立日期", "撤销日期"],
            ["150702001", "海拉尔区正阳街道帮扶站", "海拉尔区", "正阳街道", "2005-01-01", ""]]
    data = mf.write_csv(tmp_path / "x.csv", rows[1:], header=rows[0], title=False).read_bytes()
    db = tmp_path / "w.duckdb"
    warehouse.init(db, ["150700"])
    report = load.load_bytes([("名录\u202e\x00vsc.csv", data)], db,
                             rejects_dir=tmp_path / "rej")
    assert report.files[0].path.name == "名录vsc.csv" and report.files[0].rows_loaded == 1
    assert _query(db, "SELECT file_name FROM load_batches")["file_name"].to_list() == ["名录vsc.csv"]



# A cell as a hand-made CSV has it (not quoted as Excel would), as written by the csv module,
# and what the message says of it.
MISQUOTED = {
    # a quote never closed: Polars read the rest of the file as one cell and said 'CSV
    # malformed: expected 0 rows, actual 1 rows, in chunk starting at row_offset 2…'
    "unpaired": ('原"红旗机械厂', '"原""红旗机械厂"', "没有配对", "never closed"),
    # a quoted word, then more text: Polars said 'could not parse `"红旗"机械厂` as dtype
    # `str` at column 'c10'…' in three English paragraphs
    "quoted_word": ('"红旗"机械厂', '"""红旗""机械厂"', "引号后还有文字", "after the closing"),
}


@pytest.mark.parametrize("case", MISQUOTED)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("given", ["path", "upload"])
def test_a_misplaced_quote_is_named_by_its_row(tmp_path, case, encoding, given):
    """A file a misplaced quote keeps from being read fails with its row and the fix, not
    with Polars' English and the advice to check it is comma-separated."""
    cell, written, zh, en = MISQUOTED[case]
    rows = [mf._row(i, mf.ID_A, "150702001", "临时救助", "中央专项", "500", f"2012-06-0{i}")
            for i in range(1, 5)]
    rows[1][-1] = cell  # 备注 of the second data row: line 5 (two title lines)
    path = mf.write_csv(tmp_path / "quote.csv", rows, encoding=encoding)
    path.write_bytes(path.read_bytes().replace(written.encode(encoding), cell.encode(encoding)))
    db = registered(tmp_path / "w.duckdb")
    report = (load.load_files([path], db, rejects_dir=tmp_path / "rej") if given == "path" else
              load.load_bytes([(path.name, path.read_bytes())], db, rejects_dir=tmp_path / "rej"))
    f = report.files[0]
    assert f.status == "failed"
    assert f.message_zh.startswith("CSV 文件第 5 行") and zh in f.message_zh
    assert f.message_en.startswith("Row 5") and en in f.message_en
    assert not any(w in f.message_en for w in ("malformed", "parse", "dtype"))



@pytest.mark.parametrize("ends", ["mac", "in_a_cell"])
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("given", ["path", "upload"])
def test_carriage_returns_alone_load(tmp_path, ends, encoding, given):
    """Excel for Mac's 'CSV (Macintosh)' ends lines with a carriage return alone, and a cell
    of a hand-made CSV may hold one (not quoted): the load died with a traceback
    (_csv.Error: new-line character seen in unquoted field), from the command line and the
    upload page alike."""
    rows = [mf._row(i, mf.ID_A, "150702001", "临时救助", "中央专项", str(100 * i),
                    f"2012-06-0{i}") for i in range(1, 5)]
    if ends == "in_a_cell":
        rows[1][-1] = "备注\r续"
    path = mf.write_csv(tmp_path / "cr.csv", rows, encoding=encoding)
    data = path.read_bytes().replace('"备注\r续"'.encode(encoding), "备注\r续".encode(encoding))
    path.write_bytes(data.replace(b"\r\n", b"\r") if ends == "mac" else data)
    db = registered(tmp_path / "w.duckdb")
    report = (load.load_files([path], db, rejects_dir=tmp_path / "rej") if given == "path" else
              load.load_bytes([(path.name, path.read_bytes())], db, rejects_dir=tmp_path / "rej"))
    f = report.files[0]
    assert (f.status, f.rows_read, f.rows_loaded) == ("loaded", 4, 4), f.message_en
    assert _query(db, "SELECT sum(amount_yuan)::INT s FROM relief")["s"][0] == 1000
