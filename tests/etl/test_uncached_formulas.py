"""A workbook written by a program and never opened in Excel: its formulas have no saved
result and read as empty cells. The load refuses it saying to open and save it in Excel or
WPS, instead of rejecting each row's 金额 as empty; a 合计 formula alone does not matter."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import xlsxwriter

from etl import formulas, load
from etl.__main__ import main
from tests import messy_files as mf
from tests.registry import registered

ROWS = [mf._row(1, mf.ID_A, "150702001", "临时救助", "中央专项", "500", "2012-06-01"),
        mf._row(2, mf.ID_B, "150702001", "临时救助", "中央专项", "300", "2012-06-02")]
AMOUNT = mf.HEADER.index("金额（元）")


def _openpyxl_roster(path: Path, amount_formulas: bool, total_formula: bool) -> Path:
    """As a program writes it: openpyxl stores formulas without results."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "6月"
    ws.append(mf.HEADER)
    for r in ROWS:
        cells = list(r)
        if amount_formulas:
            cells[AMOUNT] = f"={cells[AMOUNT]}*1"
        ws.append(cells)
    col = openpyxl.utils.get_column_letter(AMOUNT + 1)
    total = f"=SUM({col}2:{col}3)" if total_formula else "800"
    ws.append(["合计"] + [""] * (AMOUNT - 1) + [total])
    wb.save(path)
    return path


def _load(tmp_path, path):
    return load.load_files([path], registered(tmp_path / "w.duckdb"),
                           rejects_dir=tmp_path / "rej")


def test_formulas_without_results_are_refused_with_the_fix(tmp_path, capsys):
    path = _openpyxl_roster(tmp_path / "generated.xlsx", True, True)
    assert formulas.uncached(path.read_bytes(), ["6月"]) == {"6月": ["H2", "H3", "H4"]}
    f = _load(tmp_path, path).files[0]
    assert f.status == "failed" and f.rows_loaded == 0
    assert "Excel 或 WPS" in f.message_zh and "保存" in f.message_zh and "H2" in f.message_zh
    assert "Open it in Excel or WPS, save it" in f.message_en
    assert "empty" not in f.message_en.split(":")[0]  # not "金额 empty"
    code = main(["load", str(path), "--db", str(tmp_path / "w.duckdb"),
                 "--rejects", str(tmp_path / "rej")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "WPS" in err


def test_a_total_formula_alone_does_not_stop_the_file(tmp_path):
    path = _openpyxl_roster(tmp_path / "total_only.xlsx", False, True)
    f = _load(tmp_path, path).files[0]
    assert f.status == "loaded" and f.rows_loaded == 2


def test_formulas_saved_with_their_results_load(tmp_path):
    """xlsxwriter (like Excel) stores a result beside each formula."""
    path = tmp_path / "with_results.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("6月")
    ws.write_row(0, 0, mf.HEADER)
    for i, r in enumerate(ROWS, start=1):
        ws.write_row(i, 0, r)
        ws.write_formula(i, AMOUNT, f"={r[AMOUNT]}*1", None, int(r[AMOUNT]))
    wb.close()
    assert formulas.uncached(path.read_bytes(), ["6月"]) == {}
    f = _load(tmp_path, path).files[0]
    assert f.status == "loaded" and f.rows_loaded == 2


def test_not_an_xlsx_zip_is_left_to_the_reader():
    assert formulas.uncached(b"\xd0\xcf\x11\xe0 an old .xls", ["x"]) == {}
