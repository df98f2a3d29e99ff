"""Blank Excel templates (etl/templates.py): recognised as their kind, formatted so Excel keeps
IDs and dates, drop-downs the validator accepts, and a template filled in as a station would
fill it loads with no rejects. Every kind of etl/mappings/kinds.csv, from the mappings alone."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import shutil
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from core.vocabulary import GENERIC
from etl import extract, load, mappings, parse, templates, validate
from etl.parse import make_id
from etl.region_index import RegionIndex
from tests.registry import registered

KINDS = list(mappings.kinds())

# The deployment's registered regions, as the upload page would pass them in `choices`; the
# filled templates pick these: stations the `fresh_db` fixture has registered (帮扶站点名录).
# The station must lie in the county (the loader checks that).
REGION_CHOICES = {"station": ["海拉尔区正阳街道帮扶站"], "county": ["海拉尔区"],
                  "region": ["海拉尔区"]}


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """Where the filled templates load: a fresh warehouse that knows REGION_CHOICES."""
    return registered(tmp_path / "w.duckdb")


def _regions(db: Path) -> RegionIndex:
    """The regions a file loaded into `db` is checked against (its registered stations)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return RegionIndex.of(con)
    finally:
        con.close()


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _template(kind: str, lang: str = "zh") -> tuple[bytes, openpyxl.Workbook]:
    """A kind's template with REGION_CHOICES and the workbook opened, made once for the tests
    that only read it (opening the 1000 formatted rows is most of a test's time)."""
    return _made(kind, lang)  # (one cache key whether lang is given or not)


@functools.cache
def _made(kind: str, lang: str) -> tuple[bytes, openpyxl.Workbook]:
    data = templates.template_bytes(kind, REGION_CHOICES, lang)
    return data, _open(data)


def _dropdown(wb: openpyxl.Workbook, ws, column: int) -> list[str] | None:
    """The values a drop-down of the column offers, inline ("a,b") or from a range."""
    cell = f"{openpyxl.utils.get_column_letter(column)}2"
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and cell in dv.sqref:
            formula = dv.formula1
            if formula.startswith('"'):
                return formula.strip('"').split(",")
            sheet, cells = formula.lstrip("=").rsplit("!", 1)
            return [c.value for row in wb[sheet.strip("'")][cells.replace("$", "")]
                    for c in row]
    return None


def _labels(domain: str) -> list[str]:
    return [zh for d, _, zh, _ in mappings.labels() if d == domain]


def _typed(col: mappings.Column, i: int, offered: list[str] | None):
    """What a person types into row i of the column: a drop-down pick, an ID as text, a real
    date, a number; text columns get digits (a 编号 such as 001), which must stay text."""
    if offered:
        return offered[i % len(offered)]
    if col.name == "station_code":  # optional: a registry left uncoded is numbered
        return None
    return {"id": make_id(f"150702198001011{i:02d}"), "date": dt.datetime(2012, 5, 4 + i),
            "amount": 1200.5 + i, "int": 12 + i, "year": 2012 - i,
            }.get(col.type, f"{i + 1:03d}")


@pytest.mark.parametrize("kind", KINDS)
def test_template_is_recognised_and_formatted(kind):
    data, wb = _template(kind)
    cols = mappings.columns(kind)
    ws = wb.worksheets[0]
    assert ws.title == mappings.kinds()[kind].name_zh and ws.freeze_panes == "A2"
    # each column's first header; the county's in the deployment's words (here the general
    # ones: no deployment given), which the loader accepts as well
    assert [c.value for c in ws[1]] == [templates.header(c, GENERIC) for c in cols]
    assert "所属县（市、区）" in [c.value for c in ws[1]] or all(c.type != "county" for c in cols)
    raws = extract.read_file(templates.template_name(kind), data)
    sheet = extract.identify(raws[0])
    assert sheet.kind == kind and set(sheet.columns) == {c.name for c in cols}
    assert len(raws) == 2  # data and instructions; the hidden lists sheet is skipped
    for other in raws[1:]:  # the instructions must not pass for data (a second kind, lost rows)
        with pytest.raises(extract.FileError) as e:
            extract.identify(other)
        assert not isinstance(e.value, extract.MissingColumns)
    formats = {"id": "@", "code": "@", "text": "@", "station": "@", "county": "@",
               "region": "@", "date": "yyyy-mm-dd", "amount": "0.00", "int": "0", "year": "0"}
    for i, col in enumerate(cols, start=1):
        head = ws.cell(1, i)
        assert head.font.b and head.comment is not None
        assert head.comment.text.startswith("必填" if col.required else "选填")
        if col.type in formats:
            assert {ws.cell(r, i).number_format for r in (2, 500, 1001)} == {
                formats[col.type]}, col.name
        offered = _dropdown(wb, ws, i)
        if col.type == "code":
            assert set(_labels(col.domain)) <= set(offered), col.name
        elif col.type == "bool":
            assert offered == ["是", "否"]
        elif col.type in REGION_CHOICES:
            assert offered == REGION_CHOICES[col.type]
        else:
            assert offered is None, col.name
    required = {ws.cell(1, i).fill.fgColor.rgb for i, c in enumerate(cols, 1) if c.required}
    optional = {ws.cell(1, i).fill.fgColor.rgb for i, c in enumerate(cols, 1) if not c.required}
    assert len(required) == 1 and not required & optional


def test_no_region_choices_means_free_text():
    wb = _open(templates.template_bytes("relief"))
    ws = wb.worksheets[0]
    station = [c.name for c in mappings.columns("relief")].index("station") + 1
    assert _dropdown(wb, ws, station) is None and ws.cell(2, station).number_format == "@"


def test_filled_templates_load_with_no_rejects(tmp_path, fresh_db):
    """Every kind's template, filled with two rows as a person fills it and saved by a
    spreadsheet program (openpyxl), loads in one command with nothing rejected."""
    paths = []
    for kind in KINDS:
        wb = _open(_template(kind)[0])  # a fresh copy to type into
        ws = wb.worksheets[0]
        for i, col in enumerate(mappings.columns(kind), start=1):
            offered = _dropdown(wb, ws, i)
            for row in (0, 1):
                ws.cell(2 + row, i).value = _typed(col, row, offered)
        paths.append(tmp_path / templates.template_name(kind))
        wb.save(paths[-1])
    report = load.load_files(paths, fresh_db, rejects_dir=tmp_path / "rej")
    assert report.rejects.height == 0, report.rejects.to_dicts()
    assert report.exit_code == 0
    for kind, f in zip(KINDS, report.files, strict=True):
        assert (f.kind, f.status, f.rows_loaded) == (kind, "loaded", 2), f.line
        assert [s.status for s in f.sheets] == ["loaded", "ignored"]  # data, instructions
    con = duckdb.connect(str(fresh_db), read_only=True)
    try:
        for kind in KINDS:  # the registry's two beside the stations registered before
            table = mappings.kinds()[kind].table_name
            added = con.sql(f"SELECT count(*) FROM {table} WHERE batch_id = ?",
                            params=[report.files[KINDS.index(kind)].batch_id]).fetchall()
            assert added == [(2,)], kind
        amounts = con.sql("SELECT amount_yuan FROM relief ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [str(a) for (a,) in amounts] == ["1200.50", "1201.50"]


def test_dropdown_values_are_accepted_by_the_validator(fresh_db):
    index = _regions(fresh_db)
    for kind in KINDS:
        wb = _template(kind)[1]
        ws = wb.worksheets[0]
        for i, col in enumerate(mappings.columns(kind), start=1):
            offered = _dropdown(wb, ws, i)
            if offered is None:
                continue
            checked = validate.check_column(col, pl.Series(offered), col.headers[0], True,
                                            index)
            assert checked.reason_zh is None or checked.reason_zh.null_count() == len(
                offered), (kind, col.name, checked.reason_zh.drop_nulls().to_list())
            if col.type == "code":  # each label is read as its own code
                codes = {zh: code for d, code, zh, _ in mappings.labels() if d == col.domain}
                assert checked.value.cast(pl.String).to_list() == [codes[v] for v in offered]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instruction_examples_pass_the_validator(lang, fresh_db):
    """The example the instructions give for a column is one the loader accepts."""
    index = _regions(fresh_db)
    for kind in KINDS:
        data = (_template(kind)[0] if lang == "zh"
                else templates.template_bytes(kind, REGION_CHOICES, lang))
        notes = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[1]
        assert notes.title == ("Instructions" if lang == "en" else "填写说明")
        rows = {r[0]: r for r in notes.iter_rows(values_only=True) if r[0]}
        for col in mappings.columns(kind):
            _, required, what, _, example = rows[templates.header(col, GENERIC)]
            assert what and required == {"zh": ("必填", "选填"), "en": ("yes", "no")}[lang][
                not col.required]
            if example in (None, ""):
                assert col.type in ("text", "name"), (kind, col.name)  # no generic example
                continue
            text = example.date().isoformat() if isinstance(example, dt.datetime) else str(example)
            checked = validate.check_column(col, pl.Series([text]), col.headers[0],
                                            any(c.type == "id" for c in mappings.columns(kind)),
                                            index)
            assert checked.reason_zh is None or checked.reason_zh[0] is None, (kind, col.name)
            if col.type == "id":
                parse.parse_id(text)


def test_english_template_keeps_chinese_headers():
    zh, en = (_open(templates.template_bytes("training", lang=lang)) for lang in ("zh", "en"))
    assert [c.value for c in zh.worksheets[0][1]] == [c.value for c in en.worksheets[0][1]]
    text = " ".join(str(v) for r in en["Instructions"].iter_rows(values_only=True)
                    for v in r if v)
    assert "recognises the columns by these Chinese headers" in text
    assert "填写说明" not in text
    assert en.worksheets[0].cell(1, 1).comment.text.startswith("required")
    assert templates.template_name("training", "en") == "training_roster_template.xlsx"
    assert templates.template_name("relief") == "救助发放花名册_模板.xlsx"


def test_long_lists_come_from_the_hidden_lists_sheet():
    """Excel refuses inline lists over 255 characters: those are a range on a hidden sheet."""
    stations = [f"第{i:02d}号街道职工帮扶站" for i in range(60)]
    wb = _open(templates.template_bytes("relief", {"station": stations}))
    ws = wb.worksheets[0]
    station = [c.name for c in mappings.columns("relief")].index("station") + 1
    cell = f"{openpyxl.utils.get_column_letter(station)}2"
    rule = next(dv for dv in ws.data_validations.dataValidation if cell in dv.sqref)
    assert "!" in rule.formula1 and _dropdown(wb, ws, station) == stations
    assert wb[templates.LISTS_SHEET].sheet_state == "hidden"
    gender = [c.name for c in mappings.columns("relief")].index("gender") + 1
    assert _dropdown(wb, ws, gender) == ["男", "女"]  # short: inline


@pytest.fixture
def extra_kind(tmp_path, monkeypatch):
    """The mapping files with one more kind (and a domain of 40 values) added, as staff would
    add a kind to the CSVs: no code changes."""
    for name in ("kinds.csv", "columns.csv", "values.csv"):
        shutil.copy(mappings._DIR / name, tmp_path / name)
    with open(tmp_path / "kinds.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["visit", "visits", "走访慰问登记表", "visit register",
                                "person_key|visited_on"])
    with open(tmp_path / "columns.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([
            ["visit", "id_number", "id", "yes", "", "身份证号码|身份证号", ""],
            ["visit", "visited_on", "date", "yes", "", "走访日期|日期", ""],
            ["visit", "street", "code", "no", "street", "所在街道|街道", ""],
            ["visit", "note_no", "text", "no", "", "走访记录编号", ""]])
    with open(tmp_path / "values.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [["street", f"s{i}", f"第{i}街道社区居委会", f"street {i}", ""] for i in range(40)])
    caches = (mappings.kinds, mappings.columns, mappings.labels, mappings.value_synonyms)
    for c in caches:
        c.cache_clear()
    monkeypatch.setattr(mappings, "_DIR", tmp_path)
    yield "visit"
    monkeypatch.undo()
    for c in caches:
        c.cache_clear()


def test_a_new_kind_in_the_mappings_gets_a_template(extra_kind):
    data = templates.template_bytes(extra_kind)
    assert templates.template_name(extra_kind) == "走访慰问登记表_模板.xlsx"
    sheet = extract.identify(extract.read_file("t.xlsx", data)[0])
    assert sheet.kind == extra_kind and len(sheet.columns) == 4
    wb = _open(data)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["身份证号码", "走访日期", "所在街道", "走访记录编号"]
    assert _dropdown(wb, ws, 3) == _labels("street")  # 40 labels: from the lists sheet
    assert ws.cell(2, 1).number_format == "@" and ws.cell(2, 2).number_format == "yyyy-mm-dd"
