"""Briefings: number wording, periods, and the .docx read back against independent SQL."""

from __future__ import annotations

import io
from datetime import date

import duckdb
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from analytics.briefing import build_briefing, parse_period, soffice, to_pdf
from analytics.briefing.__main__ import main as cli
from analytics.briefing.wording import (
    approx,
    change_zh,
    persons_zh,
    points_zh,
    yuan_en,
    yuan_zh,
)

HAILAR = "150702"


@pytest.mark.parametrize(("value", "words"), [
    (612_345, "61万余元"), (610_000, "61万元"), (619_999, "61万余元"), (68_000, "6.8万元"),
    (68_450, "6.8万余元"), (99_999, "9.9万余元"), (10_000, "1万元"), (100_000, "10万元"),
    (1_504_100, "150万余元"), (120_000_000, "1.2亿元"), (123_456_789, "1.2亿余元"),
    (1_500_000_000, "15亿元"), (8_600, "8600元"), (9_999.6, "1万元"), (0, "0元"),
])
def test_yuan_in_documents_wording(value: float, words: str) -> None:
    assert yuan_zh(value) == words


@pytest.mark.parametrize(("value", "words"), [
    (612_345, "over 610,000 yuan"), (68_000, "68,000 yuan"), (123_456_789, "over 120,000,000 yuan"),
])
def test_yuan_in_english(value: float, words: str) -> None:
    assert yuan_en(value) == words


def test_counts_and_changes() -> None:
    assert persons_zh(803) == "803人" and persons_zh(12_345) == "1.2万余人"
    assert approx(48, "笔") == "48笔"
    assert change_zh(886, 847, "人", "上年") == "比上年增加39人（增长4.6%）"
    assert change_zh(840, 847) == "比上年同期减少7人（下降0.8%）"
    assert change_zh(5, 5) == "与上年同期持平" and change_zh(5, None) == ""
    assert points_zh(0.894, 0.841, "上年") == "比上年提高5.3个百分点"
    with pytest.raises(ValueError):
        yuan_zh(-1)


@pytest.mark.parametrize(("text", "start", "end", "gran", "label"), [
    ("2012", date(2012, 1, 1), date(2012, 12, 1), "year", "2012年"),
    ("2012Q3", date(2012, 7, 1), date(2012, 9, 1), "quarter", "2012年第三季度"),
    ("2012-05", date(2012, 5, 1), date(2012, 5, 1), "month", "2012年5月"),
])
def test_periods(text, start, end, gran, label) -> None:
    p = parse_period(text)
    assert (p.start, p.end, p.granularity, p.label()) == (start, end, gran, label)


@pytest.mark.parametrize("bad", ["12", "2012Q5", "2012-13", "2012/05", ""])
def test_bad_periods_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


# ---------------------------------------------------------------- the document


@pytest.fixture(scope="module")
def hailar_2012(sample_db, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(sample_db))
    try:
        yield build_briefing(HAILAR, "2012")
    finally:
        mp.undo()


def _text(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _sql(db, sql: str, params: list) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchone()


def test_the_documents_sentence(hailar_2012) -> None:
    text = _text(hailar_2012.docx)
    assert "2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。" in text
    assert "海拉尔区2012年困难职工帮扶工作汇报材料" in text


def test_figures_match_independent_sql(hailar_2012, sample_db) -> None:
    text = _text(hailar_2012.docx)
    persons, amount = _sql(sample_db, """
        SELECT COUNT(DISTINCT person_key), SUM(amount_yuan) FROM relief
        WHERE county_code = ? AND relief_date BETWEEN ? AND ?""",
        [HAILAR, date(2012, 1, 1), date(2012, 12, 31)])
    assert f"共救助困难职工等{persons}人" in text
    assert f"发放各类救助金{yuan_zh(float(amount))}" in text
    # Two-festival relief counts by Spring Festival season; 2012's season's payments all fall
    # between the summers around it.
    groups = dict(_sql_all(sample_db, """
        SELECT recipient_group, COUNT(DISTINCT person_key) FROM relief
        WHERE county_code = ? AND relief_type = 'festival_condolence'
          AND relief_date BETWEEN ? AND ? GROUP BY ALL""",
        [HAILAR, date(2011, 7, 1), date(2012, 6, 30)]))
    assert groups == {"hardship_worker": 803, "model_worker": 2, "temporary_relief": 81}
    petitions, collective = _sql(sample_db, """
        SELECT COUNT(*), COUNT(*) FILTER (WHERE collective) FROM petitions
        WHERE county_code = ? AND received_on BETWEEN ? AND ?""",
        [HAILAR, date(2012, 1, 1), date(2012, 12, 31)])
    assert f"受理职工诉求{petitions}件，其中群体性诉求{collective}件" in text


def _sql_all(db, sql: str, params: list) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_key_figures_table_has_year_on_year(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "本期", "上年同期", "同比"]
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in doc.tables[0].rows[1:]}
    assert rows["两节慰问人数"][0] == "886人"
    assert rows["两节慰问人数"][2].startswith(("+", "-"))


def test_five_charts_embedded_as_png_with_content(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    assert len(hailar_2012.chart_titles) == 5
    assert len(doc.inline_shapes) == 5
    images = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 5
    for part in images:
        img = Image.open(io.BytesIO(part.blob)).convert("L")
        assert img.width >= 1600
        assert Image.Image.getextrema(img) != (255, 255)  # not blank


def test_runs_carry_the_east_asian_font(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(
        r._element.rPr.rFonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC" for r in runs)


def test_ready_in_seconds(hailar_2012) -> None:
    # Measured: 6-9 s from a cold process, ~3 s warm (bench/RESULTS.md). Loose bound for CI.
    assert hailar_2012.seconds["total"] < 20


def test_english_briefing(sample_db, monkeypatch) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    b = build_briefing("150422", "2012-05", lang="en")
    text = _text(b.docx)
    assert "Bairin Left Banner" in text and "May 2012" in text
    assert "Local matching funds due: 220,000 yuan; received: 0 yuan (0%)." in text


@pytest.fixture(scope="module")
def bairin_left_may_2012(sample_db):
    """巴林左旗's briefing of May 2012 (matching funds due, no two-festival relief)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(sample_db))
    try:
        yield build_briefing("150422", "2012-05")
    finally:
        mp.undo()


def test_matching_funds_not_arrived(bairin_left_may_2012) -> None:
    text = _text(bairin_left_may_2012.docx)
    assert "地方财政配套资金应到位22万元，截至2012年5月尚未到位" in text


def test_command_line(sample_db, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))  # restored after the CLI sets it
    out = tmp_path / "b.docx"
    assert cli(["--region", HAILAR, "--period", "2012Q1", "--out", str(out),
                "--db", str(sample_db)]) == 0
    assert "2012年第一季度" in _text(out.read_bytes())
    assert cli(["--region", HAILAR, "--period", "2012Q9", "--out", str(out),
                "--db", str(sample_db)]) == 2
    assert "YYYYQn" in capsys.readouterr().err


def test_pdf(hailar_2012) -> None:
    assert soffice() is not None, "LibreOffice missing: `make system-deps` installs it"
    pdf = to_pdf(hailar_2012.docx)
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


# ---------------------------------------------------------------- the page


@pytest.fixture
def page(sample_db, monkeypatch, tmp_path):
    """The page run on its own, as the local staff user, with the frame's filters preset."""
    from pathlib import Path

    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from analytics.filters import Filters

    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "no-auth.yaml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "briefing.py"),
                           default_timeout=120)
    at.session_state["_inside_frame"] = True  # ui/frame.py's mark: the frame drew this run
    at.session_state["filters"] = Filters(region=HAILAR, start=date(2012, 1, 1),
                                          end=date(2012, 12, 1))
    yield at.run()
    st_config.set_option("server.address", before)


def test_briefing_page_writes_and_offers_the_document(page) -> None:
    assert not page.exception, [e.value for e in page.exception]
    assert page.title[0].value == "汇报材料"
    assert page.selectbox(key="bf_period").value == "2012"
    page.button(key="bf_make").click().run()
    assert not page.exception, [e.value for e in page.exception]
    text = "\n".join(md.value for md in page.markdown)
    assert "2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。" in text
    labels = {b.proto.label for b in page.get("download_button")}
    assert {"下载 Word", "下载 PDF"} <= labels
    assert "5 张图表" in page.success[0].value


def test_briefing_page_other_periods(page) -> None:
    page.selectbox(key="bf_kind").set_value("month").run()
    page.selectbox(key="bf_period").set_value("2012-05").run()
    page.button(key="bf_make").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert any("2012年5月" in md.value for md in page.markdown)


def test_headings_are_numbered_without_gaps(bairin_left_may_2012) -> None:
    b = bairin_left_may_2012  # no two-festival relief in May
    assert [h[:2] for h, _ in b.paragraphs] == ["一、", "二、", "三、", "四、"][:len(b.paragraphs)]
    assert not any("两节" in h for h, _ in b.paragraphs)
