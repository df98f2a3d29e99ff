"""Neutral cells (OWASP "CSV injection"): the OWASP payloads as station names through every
CSV and XLSX the product writes come out as text, never a formula, read back by openpyxl and
by LibreOffice (headless convert); numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from analytics import export
from analytics.export import Provenance
from core.cells import neutral, neutral_frame
from etl import load, templates
from tests import messy_files as mf
from tests.registry import registered
from ui import upload_view as uv

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=1+1"]
SOFFICE = shutil.which("soffice")


def _frame() -> pl.DataFrame:
    """Names from files beside typed numbers, negative ones among them."""
    n = len(PAYLOADS)
    return pl.DataFrame({"station": PAYLOADS, "persons": [-2, *range(1, n)],
                         "amount": [-1.5, *([100.25] * (n - 1))]})


def _prov(title: str = "=1+1") -> Provenance:
    return Provenance(title=title, filters={"站点": PAYLOADS[0], "地区": "-东区"},
                      data_version="v1", generated_at=datetime(2026, 1, 1, tzinfo=UTC))


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _formulas(wb: openpyxl.Workbook) -> list[str]:
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _text(value: object) -> object:
    """A cell's text as written: OOXML escapes a carriage return as _x000D_, which Excel
    reads back and openpyxl does not."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def _texts(wb: openpyxl.Workbook) -> set[str]:
    return {_text(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)}


def _neutralised(cells: set[str] | list[str]) -> int:
    """How many payloads appear as their neutral text (a quote first)."""
    return sum(1 for p in PAYLOADS if neutral(p) in cells or neutral(p.strip()) in cells)


def test_neutral_only_touches_strings_that_start_a_formula() -> None:
    assert [neutral(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert neutral("海拉尔区") == "海拉尔区" and neutral("a=1") == "a=1"
    assert neutral(-2) == -2 and neutral(None) is None and neutral(1.5) == 1.5
    out = neutral_frame(_frame().with_columns(pl.col("station").cast(pl.Categorical)))
    assert out["station"].to_list() == ["'" + p for p in PAYLOADS]
    assert out["persons"].dtype == pl.Int64 and out["persons"][0] == -2
    assert neutral_frame(pl.DataFrame({"=x": [1]})).columns == ["'=x"]  # headers too


def test_page_csv_download_is_neutral_and_numbers_stay_numbers() -> None:
    rows = _csv_rows(export.data_csv(_frame(), _prov()))
    meta = {r[1]: r[2] for r in rows if r and r[0] == "#"}
    assert meta["title"] == "'=1+1" and meta["filter.站点"] == "'" + PAYLOADS[0]
    assert meta["filter.地区"] == "'-东区"
    body = [r for r in rows if r and r[0] != "#"]
    assert body[0] == ["station", "persons", "amount"]
    assert [r[0] for r in body[1:]] == ["'" + p for p in PAYLOADS]
    assert _neutralised([r[0] for r in body[1:]]) == len(PAYLOADS)
    assert body[1][1:] == ["-2", "-1.5"]  # a negative number is written as a number


def test_page_xlsx_download_has_no_formula_and_literal_text() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export.data_xlsx(_frame(), _prov())))
    assert _formulas(wb) == []
    col = [_text(c.value) for c in wb["data"]["A"][1:]]
    assert col == ["'" + p for p in PAYLOADS] and _neutralised(col) == len(PAYLOADS)
    assert wb["data"]["B2"].value == -2 and wb["data"]["B2"].data_type == "n"
    assert wb["data"]["C2"].value == -1.5
    meta = {r[0]: r[1] for r in wb["provenance"].iter_rows(min_row=2, values_only=True)}
    assert meta["title"] == "'=1+1" and meta["filter.站点"] == "'" + PAYLOADS[0]


def test_parquet_stays_typed_and_literal() -> None:
    back = pl.read_parquet(io.BytesIO(export.data_parquet(_frame(), _prov())))
    assert back["station"].to_list() == PAYLOADS  # not a spreadsheet format: as stored


def test_audit_export_goes_through_the_same_writers() -> None:
    """The audit page exports its events with ui.downloads like any page (staff: rows)."""
    from ui import downloads

    events = pl.DataFrame({"ts": ["2026-01-01T00:00:00"], "actor": ["=1+1"],
                           "action": ["load"], "object": [PAYLOADS[1]]})
    built = downloads.export_builders(None, events, _prov("审计日志"), role="staff")
    rows = _csv_rows(built["CSV"]())
    assert ["2026-01-01T00:00:00", "'=1+1", "load", "'" + PAYLOADS[1]] in rows
    wb = openpyxl.load_workbook(io.BytesIO(built["XLSX"]()))
    assert _formulas(wb) == [] and "'=1+1" in _texts(wb)


@pytest.fixture(scope="module")
def injected_load(tmp_path_factory) -> load.LoadReport:
    """A roster whose station cells are the payloads: each row is rejected (no such
    station) with the name as its value."""
    tmp = tmp_path_factory.mktemp("inject")
    rows = [mf._row(i, mf.ID_A, p, "临时救助", "中央专项", "500", "2012-06-01")
            for i, p in enumerate(PAYLOADS, start=1)]
    path = mf.write_csv(tmp / "inject.csv", rows)
    return load.load_files([path], registered(tmp / "w.duckdb"), rejects_dir=tmp / "rej")


def test_rejects_report_on_disk_is_neutral(injected_load) -> None:
    values = {r["value"] for r in injected_load.rejects.iter_rows(named=True)}
    assert {p.strip() for p in PAYLOADS} <= values  # the names as read (cells are stripped)
    rows = _csv_rows(injected_load.rejects_path.read_bytes())
    cells = [c for r in rows for c in r]
    assert _neutralised(cells) == len(PAYLOADS)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_upload_page_rejects_download_is_neutral(injected_load) -> None:
    rows = _csv_rows(uv.rejects_csv(uv.rejects_table(injected_load, [])))
    cells = [c for r in rows for c in r]
    assert _neutralised(cells) == len(PAYLOADS)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_template_examples_and_drop_downs_stay_text() -> None:
    data = templates.template_bytes("relief", {"station": PAYLOADS, "county": ["海拉尔区"]})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert _formulas(wb) == []
    texts = _texts(wb)
    assert "'" + PAYLOADS[0] in texts  # the example in the instructions, neutral
    lists = wb[templates.LISTS_SHEET]  # the drop-down: the names as registered, quote-prefixed
    listed = [c for c in lists["A"]]
    assert [_text(c.value) for c in listed] == PAYLOADS
    assert all(c.quotePrefix for c in listed)


# ---------------------------------------------------------------- LibreOffice


def _convert(paths: list[Path], fmt: str, out: Path) -> list[Path]:
    profile = out / "profile"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", fmt, "--outdir", str(out), *map(str, paths)],
                   check=True, capture_output=True, timeout=240)
    made = [out / f"{p.stem}.{fmt.split(':')[0]}" for p in paths]
    assert all(p.exists() for p in made), made
    return made


def test_libreoffice_opens_every_csv_and_xlsx_without_a_formula(tmp_path, injected_load):
    if SOFFICE is None:  # `make test` installs it; a skip would hide a live formula
        pytest.fail("needs LibreOffice (soffice): `make test` installs libreoffice-calc-nogui")
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    files = {"page.csv": export.data_csv(_frame(), _prov()),
             "rejects.csv": injected_load.rejects_path.read_bytes(),
             "upload_rejects.csv": uv.rejects_csv(uv.rejects_table(injected_load, [])),
             "page.xlsx": export.data_xlsx(_frame(), _prov()),
             "template.xlsx": templates.template_bytes("relief", {"station": PAYLOADS})}
    for name, data in files.items():
        (src / name).write_bytes(data)
    # a control: the same payloads written raw ARE formulas to LibreOffice (the test can fail)
    raw = src / "raw.csv"
    raw.write_bytes(pl.DataFrame({"station": PAYLOADS}).write_csv().encode())
    csvs = sorted(src.glob("*.csv"))
    converted = dict(zip([p.name for p in csvs], _convert(csvs, "xlsx", out), strict=True))
    control = openpyxl.load_workbook(converted.pop("raw.csv"))
    assert len(_formulas(control)) >= 2  # =HYPERLINK(...) and =1+1 are live in LibreOffice
    for name, path in converted.items():
        wb = openpyxl.load_workbook(path)
        assert _formulas(wb) == [], name
        assert _neutralised(_texts(wb)) == len(PAYLOADS), name
    page = openpyxl.load_workbook(converted["page.csv"]).active
    numbers = [c.value for row in page.iter_rows() for c in row if c.data_type == "n"]
    assert -2 in numbers and -1.5 in numbers  # negative numbers are still numbers
    # the XLSX files as LibreOffice reads them, saved again as XLSX: still no formula
    for path in _convert(sorted(src.glob("*.xlsx")), "xlsx", out / "again"):
        wb = openpyxl.load_workbook(path)
        assert _formulas(wb) == [], path.name
        assert "'" + PAYLOADS[0] in _texts(wb), path.name
    # and the page's data sheet as LibreOffice shows it (CSV, UTF-8): the texts, not 2 or y
    (page_csv,) = _convert([src / "page.xlsx"], "csv:Text - txt - csv (StarCalc):44,34,76",
                           out / "back")
    rows = _csv_rows(page_csv.read_bytes())
    assert _neutralised([r[0] for r in rows[1:]]) == len(PAYLOADS)
    assert [float(v) for v in rows[1][1:]] == [-2, -1.5]  # shown with the column's format
