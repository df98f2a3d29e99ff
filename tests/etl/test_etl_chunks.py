"""Big files are read and checked a chunk at a time: chunk boundaries change nothing.

Chunks are made tiny here (a few hundred bytes / two rows), so every file below spans many.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from core import engine
from etl import csv_files, digest, load, sheets, staging
from tests import messy_files as mf
from tests.registry import registered


def _load(db, *paths):
    return load.load_files(list(paths), registered(db), rejects_dir=db.parent / "rej")


def _snapshot(db) -> dict:
    with engine.attached(db) as con:  # ~5 ms of CPU a read, against ~20 for a connection
        return {t: sorted(con.sql(f"SELECT * EXCLUDE (batch_id) FROM {t}").fetchall(), key=str)
                for t in ("relief", "persons")}


def _report(report) -> tuple:
    f = report.files[0]
    rejects = f.rejects.sort("row", "column", nulls_last=True).to_dicts()
    return (f.status, f.rows_read, f.rows_loaded, f.rows_rejected, f.rows_inserted,
            rejects, sorted(f.warnings))


@pytest.mark.parametrize("builder", [mf.bad_rows_csv, mf.gb18030_csv, mf.totals_mismatch_csv,
                                     mf.roster_xlsx])
def test_small_chunks_load_the_same(tmp_path, monkeypatch, builder):
    """Rejects (duplicates across chunks included), warnings about the 合计 row, counts and
    the tables come out the same with one chunk staged in memory and with many chunks
    staged in the scratch table."""
    path = builder(tmp_path)
    whole = _load(tmp_path / "whole.duckdb", path)
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 300)
    monkeypatch.setattr(sheets, "CHUNK_ROWS", 2)
    monkeypatch.setattr(staging, "IN_MEMORY_BYTES", 1)
    chunked = _load(tmp_path / "chunked.duckdb", path)
    assert _report(chunked) == _report(whole)
    assert _snapshot(tmp_path / "chunked.duckdb") == _snapshot(tmp_path / "whole.duckdb")


def test_pieces_end_at_record_ends_outside_quotes(tmp_path, monkeypatch):
    """A cell with a line break (quoted) is never cut in two."""
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 40)
    rows = [["1", f"第{i}行\n换行\n再换行", "x" * (i % 7)] for i in range(40)]
    path = tmp_path / "q.csv"
    pl.DataFrame(rows, schema=["a", "b", "c"], orient="row").write_csv(path, include_header=False)
    pieces = list(csv_files.pieces(path, 0))
    assert len(pieces) > 5 and b"".join(pieces) == path.read_bytes()
    back = pl.concat([pl.read_csv(p, has_header=False, schema={"a": pl.String, "b": pl.String,
                                                                "c": pl.String})
                      for p in pieces])
    assert back.rows() == [tuple(r) for r in rows]


def test_a_stray_quote_costs_one_pass_not_one_per_line(monkeypatch):
    """A quote that never closes (他说"好 in the second line) leaves every later line end
    inside quotes: each piece's end was found by counting the quotes from the start for
    every line end walked back over, 16 s of CPU for 4 MB in 1 MB pieces (quadratic: a GB18030
    file past the real 128 MB piece size would not finish). Now one pass: the rest of the
    file is one piece, for Polars to refuse."""
    import time

    monkeypatch.setattr(sheets, "CHUNK_BYTES", 1 << 20)
    line = "1,职工,150702001,临时救助,中央专项,500,2012-06-01,13904700000,备注\n".encode("gb18030")
    data = '序号,姓名\n1,他说"好,x\n'.encode("gb18030") + line * ((4 << 20) // len(line))
    started = time.process_time()
    pieces = list(csv_files.pieces(data, 0))
    assert time.process_time() - started < 4
    assert b"".join(pieces) == data and len(pieces) == 2 and pieces[0] == "序号,姓名\n".encode(
        "gb18030")


@pytest.mark.parametrize("as_upload", [False, True])
def test_cells_with_line_breaks_across_chunks(tmp_path, monkeypatch, as_upload):
    """Quoted cells holding line breaks, read in two-row chunks (from a path: Polars'
    streaming reader; uploaded: pieces cut at record ends), load as read whole, and the
    rejects give the row as Excel shows it (one row a record)."""
    rows = [mf._row(i, mf.ID_A, "150702001", "临时救助", "工会自筹", "100" if i != 5 else "-5",
                    f"2012-06-{i:02d}") for i in range(1, 9)]
    for i in (1, 2, 6):
        rows[i][-1] = f"第{i}行备注\n第二行\r\n第三行"
    path = mf.write_csv(tmp_path / "notes.csv", rows)

    def load_it(db):
        if as_upload:
            return load.load_bytes([(path.name, path.read_bytes())], registered(db), rejects_dir=db.parent)
        return _load(db, path)
    whole = load_it(tmp_path / "whole.duckdb")
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 200)
    monkeypatch.setattr(sheets, "CHUNK_ROWS", 2)
    chunked = load_it(tmp_path / "chunked.duckdb")
    assert _report(chunked) == _report(whole)
    assert _snapshot(tmp_path / "chunked.duckdb") == _snapshot(tmp_path / "whole.duckdb")
    f = chunked.files[0]
    assert (f.rows_read, f.rows_loaded) == (8, 7)
    assert f.rejects.select("row", "value").rows() == [(8, "-5")]  # title 2 + header + 5


def test_gb18030_after_utf8_first_chunk_fails_whole_file(tmp_path, monkeypatch):
    """Valid UTF-8 at the start and GBK further down: the file loads nothing (no half load)."""
    # pieces of 16 KB: the first four are checked and staged before the GBK one (300-byte
    # pieces proved the same with 240 of them, 8 s of CPU)
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 16384)
    rows = [mf._row(i, mf.ID_A, "150702001", "临时救助", "工会自筹", "100",
                    f"20{10 + i // 300:02d}-{1 + i // 28 % 10:02d}-{1 + i % 28:02d}")
            for i in range(900)]  # past the first 64 KB, which decide the encoding
    good = mf.write_csv(tmp_path / "good.csv", rows).read_bytes()
    assert len(good) > 65536
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + "1,某,".encode() + mf.ID_D.encode() + ",150702001,,临时救助,"
                     .encode("gb18030") + "中央专项,500,2012-06-01,,\n".encode("gb18030"))
    report = _load(tmp_path / "w.duckdb", path)
    f = report.files[0]
    assert f.status == "failed" and "mixed encodings" in f.message_en
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM relief").fetchall() == [(0,)]
    finally:
        con.close()


def test_natural_keys_stay_unique_without_primary_keys(tmp_path, monkeypatch):
    """The fact tables carry no PRIMARY KEY; the load keeps natural keys (and the person
    key) unique itself: duplicates in a file, resent files and corrections included."""
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 300)
    monkeypatch.setattr(sheets, "CHUNK_ROWS", 2)
    monkeypatch.setattr(staging, "IN_MEMORY_BYTES", 1)
    db = tmp_path / "w.duckdb"
    original, corrected = mf.corrections(tmp_path)
    _load(db, original, mf.bad_rows_csv(tmp_path))
    _load(db, corrected, mf.bom_csv(tmp_path))
    _load(db, mf.gb18030_csv(tmp_path))  # same rows as the BOM file, other bytes
    con = duckdb.connect(str(db), read_only=True)
    try:
        repeated = con.sql("""
            SELECT (SELECT count(*) - count(DISTINCT relief_id) FROM relief),
                   (SELECT count(*) - count(DISTINCT (person_key, relief_date, relief_type,
                                                      station_code)) FROM relief),
                   (SELECT count(*) - count(DISTINCT person_key) FROM persons),
                   (SELECT count(*) FROM relief)""").fetchall()[0]
    finally:
        con.close()
    assert repeated[:3] == (0, 0, 0) and repeated[3] == 6 + 2 + 3


def test_person_ids_found_by_hash_fall_back_to_text_on_a_collision():
    """IDs are joined on a 64-bit hash of their text, checked by a second hash; where the
    first leads to another ID's row (planted here), the chunk is joined on the text and
    every row gets its own ID."""
    from etl import parse, validate
    a, b = parse.make_id("15070219800101123"), parse.make_id("15070219900202456")
    ids = validate.PersonIds(b"k")
    first = ids.lookup(pl.Series([a, None, "12345"]))
    assert first["person_key"][0] is not None and first["person_key"][1:].to_list() == [None] * 2
    assert first["error"][2] == "format"
    ids.known = ids.known.with_columns(  # a's entry now carries b's hash
        _h=pl.when(pl.col("raw") == a).then(pl.lit(b).hash()).otherwise(pl.col("_h")))
    again = ids.lookup(pl.Series([b, a, b]))
    alone = validate.PersonIds(b"k").lookup(pl.Series([b, a, b]))
    assert again.to_dicts() == alone.to_dicts()
    assert again["person_key"][0] != again["person_key"][1]


def test_a_big_file_loaded_again_is_skipped_while_hashed(tmp_path, monkeypatch):
    """A file past BACKGROUND_DIGEST_BYTES is hashed while its chunks are checked; loaded a
    second time it is skipped as soon as the digest is known, with none of the rejects of
    the chunks checked before, and the warehouse is not rewritten."""
    path = mf.bad_rows_csv(tmp_path)
    db = tmp_path / "w.duckdb"
    monkeypatch.setattr(digest, "BACKGROUND_DIGEST_BYTES", 0)
    monkeypatch.setattr(sheets, "CHUNK_BYTES", 300)
    monkeypatch.setattr(sheets, "CHUNK_ROWS", 2)
    first = _load(db, path)
    assert first.files[0].status == "partial" and first.files[0].rejects.height
    before = (_snapshot(db), db.stat().st_mtime_ns)
    again = _load(db, path)
    f = again.files[0]
    assert (f.status, f.batch_id, f.rejects.height) == ("skipped", first.files[0].batch_id, 0)
    # the rows the first load rejected are still out: counted, not recorded again
    assert f.rows_rejected == first.files[0].rows_rejected and again.exit_code == 3
    assert (_snapshot(db), db.stat().st_mtime_ns) == before
