"""Exports: figures render with Chinese glyphs and a caption; data files carry provenance."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import openpyxl
import plotly.graph_objects as go
import polars as pl
import pyarrow.parquet as pq
import pytest
from PIL import Image

from analytics import export
from analytics.export import Provenance

PROV = Provenance(
    title="两节慰问人数",
    indicators=[{"code": "relief_persons", "name_zh": "救助人数", "name_en": "Persons relieved",
                 "unit": "人", "definition": "期内获得救助的不同职工人数"}],
    filters={"地区": "海拉尔区 150702", "期间": "2012年"},
    data_version="batch:3f2a9c",
    generated_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    sample=True,  # the bundled sample's figures: its exports say 示例数据
)
DATA = pl.DataFrame({
    "region": ["海拉尔区", "巴林左旗"], "relief_persons": [886, 412],
    "amount_yuan": pl.Series([612345.5, 200000.0]).cast(pl.Decimal(14, 2)),
})


def _fig() -> go.Figure:
    return go.Figure(go.Bar(x=["海拉尔区", "巴林左旗"], y=[886, 412]),
                     layout={"title": {"text": "两节慰问人数"}})


@pytest.fixture(scope="module")
def png() -> bytes:
    return export.figure_png(_fig(), PROV)


def test_png_is_publication_resolution_with_content(png: bytes) -> None:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (2700, 1560)  # 900x520 at scale 3
    pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.std() > 10, "blank image"


def test_later_figure_exports_reuse_the_browser(png: bytes, monkeypatch) -> None:
    """The browser the first export started serves the next: no server started again, the
    same server thread (a time bound of 1 s failed once on a loaded 2-core CI run)."""
    import kaleido

    started: list[int] = []
    start = kaleido.start_sync_server
    monkeypatch.setattr(kaleido, "start_sync_server",
                        lambda *a, **k: started.append(1) or start(*a, **k))
    thread = getattr(kaleido._global_server, "_thread", None)
    assert thread is not None and thread.is_alive()
    again = export.figure_png(_fig(), PROV)
    assert started == [] and kaleido._global_server._thread is thread
    assert again[:8] == b"\x89PNG\r\n\x1a\n"


def test_only_the_samples_exports_say_sample_data() -> None:
    real = replace(PROV, sample=False)
    assert "示例数据" not in str(real.records()) + real.caption()
    assert "示例数据" not in export.data_csv(DATA, real).decode("utf-8-sig")
    assert ("note", export.SAMPLE_NOTE) in PROV.records()


def test_svg_keeps_chinese_text_and_caption() -> None:
    svg = export.figure_svg(_fig(), PROV).decode()
    assert "海拉尔区" in svg and "两节慰问人数" in svg
    assert "数据版本：batch:3f2a9c" in svg and "示例数据" in svg


def test_caption_is_added_to_a_copy() -> None:
    fig = _fig()
    captioned = export.with_caption(fig, PROV)
    assert not fig.layout.annotations
    (note,) = captioned.layout.annotations
    assert "救助人数" in note.text and "地区=海拉尔区 150702" in note.text
    assert note.yref == "paper" and note.yshift < 0


def test_csv_has_bom_provenance_lines_and_reads_back() -> None:
    raw = export.data_csv(DATA, PROV)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "#,indicator.relief_persons.definition,期内获得救助的不同职工人数\n" in text
    assert "#,data_version,batch:3f2a9c\n" in text and "#,filter.期间,2012年\n" in text
    assert '#,indicator.relief_persons,救助人数 / Persons relieved [人]' in text
    back = pl.read_csv(io.BytesIO(text.encode()), comment_prefix="#")
    assert back["region"].to_list() == ["海拉尔区", "巴林左旗"]
    assert back["amount_yuan"].to_list() == [612345.5, 200000.0]
    # As a spreadsheet sees it: three columns per provenance row, commas in values quoted.
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["#", "title", "两节慰问人数"]
    with_comma = export.data_csv(DATA, Provenance("a, b", filters={"x": "1,2"}))
    assert ["#", "filter.x", "1,2"] in list(csv.reader(io.StringIO(
        with_comma.decode("utf-8-sig"))))


def test_xlsx_has_data_and_provenance_sheets() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export.data_xlsx(DATA, PROV)))
    assert wb.sheetnames == ["data", "provenance"]
    assert [c.value for c in wb["data"][1]] == ["region", "relief_persons", "amount_yuan"]
    assert wb["data"]["A2"].value == "海拉尔区"
    meta = {r[0]: r[1] for r in wb["provenance"].iter_rows(min_row=2, values_only=True)}
    assert meta["data_version"] == "batch:3f2a9c"
    assert meta["filter.地区"] == "海拉尔区 150702"
    assert meta["generated_at"] == "2026-11-23T09:30:00+00:00"


def test_parquet_schema_metadata_holds_provenance() -> None:
    raw = export.data_parquet(DATA, PROV)
    table = pq.read_table(io.BytesIO(raw))
    assert table.column("relief_persons").to_pylist() == [886, 412]
    meta = table.schema.metadata
    assert meta[b"provenance.data_version"] == b"batch:3f2a9c"
    record = json.loads(meta[b"provenance"])
    assert record["indicators"][0]["unit"] == "人"
    assert export.read_parquet_provenance(raw)["filters"]["期间"] == "2012年"


# ---------------------------------------------------------------- download buttons

def test_staff_get_every_format_unsuppressed() -> None:
    from ui.downloads import export_builders

    small = DATA.with_columns(pl.Series("relief_persons", [3, 412]))
    builders = export_builders(_fig(), small, PROV, role="staff")
    assert list(builders) == ["PNG", "SVG", "CSV", "XLSX", "Parquet"]
    assert all(callable(b) for b in builders.values())
    assert "海拉尔区,3," in builders["CSV"]().decode("utf-8-sig")


def test_outside_staff_counts_are_perturbed_and_the_figure_withheld() -> None:
    from ui.downloads import export_builders

    small = pl.DataFrame({"region": ["海拉尔区", "巴林左旗", "西林县"],
                          "relief_persons": [3, 412, 95], "amount_yuan": [900.0, 1e5, 3e4]})
    builders = export_builders(_fig(), small, PROV, role="researcher")
    assert isinstance(builders["PNG"], str) and isinstance(builders["SVG"], str)
    table = pl.read_csv(io.BytesIO(builders["CSV"]()), comment_prefix="#")
    persons = table["relief_persons"].to_list()
    assert 3 not in persons and not any(p is not None and 1 <= p < 5 for p in persons)
    assert table["amount_yuan"].null_count() == table["relief_persons"].null_count()
    assert all(abs(p - n) <= 3 for p, n in zip(persons, [3, 412, 95], strict=True)
               if p is not None)
    meta = pq.read_table(io.BytesIO(builders["Parquet"]())).schema.metadata
    assert b"provenance" in meta


def test_outside_staff_person_rows_are_not_offered() -> None:
    from ui.downloads import export_builders

    rows = pl.DataFrame({"person_key": ["a", "b"], "amount_yuan": [1.0, 2.0]})
    builders = export_builders(_fig(), rows, PROV, role="researcher")
    assert not any(callable(b) for b in builders.values())


def test_file_names_keep_chinese_titles() -> None:
    from ui.downloads import file_stem

    assert file_stem("两节慰问人数 / 2012年") == "两节慰问人数_2012年"
    assert file_stem("///") == "export"


def test_charts_on_a_page_have_download_buttons(sample_db, monkeypatch, tmp_path) -> None:
    """AppTest shows the buttons (not their bytes: the builders are tested above)."""
    from pathlib import Path

    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "no-auth.yaml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")  # the local staff user
    try:
        at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"),
                               default_timeout=120)
        at.query_params.update({"region": "150702", "from": "2012-01", "to": "2012-12"})
        at.run()
    finally:
        st_config.set_option("server.address", before)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("PNG") >= 2 and labels.count("PNG") == labels.count("Parquet")
    assert {"PNG", "SVG", "CSV", "XLSX", "Parquet"} <= set(labels)


def test_caption_follows_the_language() -> None:
    from dataclasses import replace

    en = replace(PROV, lang="en").caption()
    assert "Indicators: Persons relieved" in en and "Data version: batch:3f2a9c" in en
    assert "指标：救助人数" in PROV.caption()


def test_missing_browser_fails_fast_instead_of_hanging() -> None:
    """Kaleido's own sync call would wait for ever; the export raises within seconds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import plotly.graph_objects as go\nfrom analytics import export\n"
            "try:\n    export.figure_png(go.Figure(), export.Provenance('x'))\n"
            "except export.RenderError:\n    print('RenderError')\n")
    env = {**os.environ, "BROWSER_PATH": "/nonexistent/chromium"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert "RenderError" in done.stdout


def test_a_tab_not_yet_loaded_is_retried_other_errors_are_not(monkeypatch) -> None:
    """Kaleido's race on a busy machine (its script not yet defined in the tab) gets retries."""
    calls: list[int] = []

    def flaky(fig, opts):
        calls.append(1)
        if len(calls) < export.RENDER_ATTEMPTS:
            raise RuntimeError("ReferenceError: kaleido_scopes is not defined")
        return b"png"

    monkeypatch.setattr(export, "_render_once", flaky)
    assert export.figure_png(go.Figure(), PROV) == b"png"
    assert len(calls) == export.RENDER_ATTEMPTS

    def broken(fig, opts):
        calls.append(1)
        raise RuntimeError("Chromium crashed")

    calls.clear()
    monkeypatch.setattr(export, "_render_once", broken)
    with pytest.raises(RuntimeError, match="crashed"):
        export.figure_png(go.Figure(), PROV)
    assert len(calls) == 1


def test_a_server_that_never_stops_does_not_hold_the_process_at_exit() -> None:
    """Kaleido's exit hook waits for ever on its server thread, which once never returned
    after Chromium had gone (a finished benchmark hung for minutes): the export's own hook
    runs first and waits STOP_TIMEOUT_S at most."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import atexit, functools, queue, threading
import kaleido
from analytics import export

def stuck_start(**_):  # what kaleido.start_sync_server leaves, with a thread that never ends
    server = kaleido._global_server
    server._task_queue, server._return_queue = queue.Queue(), queue.Queue()
    server._thread = threading.Thread(target=threading.Event().wait, daemon=True)
    server._thread.start()
    server._initialized = True
    atexit.register(functools.partial(server.close, silence_warnings=True))

kaleido.start_sync_server = stuck_start
export.STOP_TIMEOUT_S = 0.5
export._ensure_kaleido_server()
print('started')
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "started" in done.stdout, done.stderr
