"""Briefings: number wording, periods, and the .docx read back against independent SQL."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import duckdb
import polars as pl
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu
from lxml import etree
from PIL import Image

from analytics.briefing import BriefingData, build_briefing, parse_period, soffice, to_pdf
from analytics.briefing.__main__ import main as cli
from analytics.briefing.document import key_rows
from analytics.briefing.text import festival_zh, paragraphs_zh
from analytics.briefing.wording import (
    approx,
    change,
    persons_zh,
    points,
    yuan_en,
    yuan_zh,
)
from core.messages import Pair
from tests.deployment_files import guangzhou

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
    year = Pair("上年", "the year before")
    assert change(886, 847, "人", year) == ("比上年增加39人（增长4.6%）",
                                            "39 more than the year before (up 4.6%)")
    assert change(840, 847) == ("比上年同期减少7人（下降0.8%）",
                                "7 fewer than the same period a year before (down 0.8%)")
    assert change(5, 5).zh == "与上年同期持平" and change(5, None) == ("", "")
    assert points(0.894, 0.841, year) == ("比上年提高5.3个百分点",
                                          "5.3 points higher than the year before")
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


def _rows(docx: bytes) -> dict[str, list[str]]:
    doc = Document(io.BytesIO(docx))
    return {r.cells[0].text: [c.text for c in r.cells[1:]] for r in doc.tables[0].rows[1:]}


def test_key_figures_table_has_year_on_year(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "本期", "上年同期", "同比"]
    rows = _rows(hailar_2012.docx)
    assert rows["两节慰问人数"] == ["886人", "847人", "增长4.6%"]
    assert rows["救助覆盖率"][2] == "提高5.3个百分点"


def test_text_and_table_write_each_amount_alike(hailar_2012) -> None:
    """The table's figure of this period is the text's, word for word (same cut, same unit)."""
    doc = Document(io.BytesIO(hailar_2012.docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    rows = _rows(hailar_2012.docx)
    for name in ("救助金额", "两节慰问金额", "资金到位", "医疗减免金额", "借款金额", "救助人数",
                 "在档困难职工", "培训人数", "受理诉求件数", "群体性诉求件数", "救助覆盖率"):
        assert rows[name][0] in text, (name, rows[name][0])
    assert rows["两节慰问金额"][0] == "61万余元" and rows["无息借款笔数"][0] == "3笔"


def test_every_row_in_one_unit(hailar_2012) -> None:
    for name, (now, before, _) in _rows(hailar_2012.docx).items():
        units = {("亿" if "亿" in c else "万" if "万" in c else "") for c in (now, before)}
        assert len(units) == 1, (name, now, before)


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


def _east_asian(style) -> str | None:
    """The East Asian font a style names, or the one it inherits."""
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return rpr.rFonts.get(qn("w:eastAsia"))
        style = style.base_style
    return None


def _size(style) -> float | None:
    while style is not None:
        if style.font.size is not None:
            return style.font.size.pt
        style = style.base_style
    return None


def test_page_is_a4_with_the_official_margins(hailar_2012) -> None:
    for s in Document(io.BytesIO(hailar_2012.docx)).sections:
        got = [round(x.mm, 1) for x in (s.page_width, s.page_height, s.top_margin,
                                         s.bottom_margin, s.left_margin, s.right_margin)]
        assert got == [210, 297, 37, 35, 28, 26]
        assert round(Emu(s.page_width - s.left_margin - s.right_margin).mm) == 156  # 版心
        assert round(Emu(s.page_height - s.top_margin - s.bottom_margin).mm) == 225


def test_fonts_and_sizes_of_an_official_document(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    by_text = {p.text: p for p in doc.paragraphs if p.text}
    title = by_text["海拉尔区2012年困难职工帮扶工作汇报材料"]
    assert (_east_asian(title.style), _size(title.style)) == ("方正小标宋简体", 22)
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    part = by_text["一、主要工作情况"]
    assert (_east_asian(part.style), _size(part.style)) == ("黑体", 16)
    sub = by_text["（一）困难职工救助"]
    assert (_east_asian(sub.style), _size(sub.style)) == ("楷体_GB2312", 16)
    body = next(p for t, p in by_text.items() if t.startswith("2012年，海拉尔区共救助"))
    assert (_east_asian(body.style), _size(body.style)) == ("仿宋_GB2312", 16)
    fmt = doc.styles["Normal"].paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28 <= fmt.line_spacing.pt <= 29  # 22 lines in 225 mm
    ind = doc.styles["Normal"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and int(ind.get(qn("w:firstLine"))) == 640
    # No Word heading styles (blue) and no colour but black anywhere in the text.
    assert not any(p.style.name.startswith(("Heading", "Title")) for p in doc.paragraphs)
    colours = {el.get(qn("w:val")) for el in doc.element.iter(qn("w:color"))}
    for name in {p.style.name for p in doc.paragraphs}:
        colours |= {el.get(qn("w:val")) for el in doc.styles[name].element.iter(qn("w:color"))}
    assert colours <= {"000000"}, colours
    # Digits and Latin letters in a named font too, no theme fonts that Word would prefer.
    defaults = etree.tostring(doc.styles.element.find(qn("w:docDefaults"))).decode()
    assert "Theme" not in defaults and "Theme" not in doc.styles["Normal"].element.xml


def test_page_numbers_are_dashed_page_fields(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        instr = "".join(el.text for el in p._p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment == align  # outer side: odd pages right, even pages left
        assert (_east_asian(p.style), _size(p.style)) == ("宋体", 14)


def test_sample_is_labelled_as_sample(hailar_2012) -> None:
    doc = Document(io.BytesIO(hailar_2012.docx))
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "示例数据（非官方统计）"
    assert texts.count("示例数据 sample data") == len(hailar_2012.chart_titles) == 5
    version = texts[2]
    assert version.startswith("（数据截至") and version.endswith("批）"), version
    assert "batches" not in _text(hailar_2012.docx)


def test_ready_in_seconds(hailar_2012) -> None:
    # Measured: 6-9 s from a cold process, ~3 s warm (bench/RESULTS.md). Loose bound for CI.
    assert hailar_2012.seconds["total"] < 20


def test_english_briefing(sample_db, monkeypatch) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    b = build_briefing("150422", "2012-05", lang="en")
    text = _text(b.docx)
    assert "Bairin Left Banner" in text and "May 2012" in text
    assert "matching funds due: 220,000 yuan; none received by May 2012." in text


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


def test_pdf(hailar_2012) -> None:
    assert soffice() is not None, "LibreOffice missing: `make system-deps` installs it"
    pdf = to_pdf(hailar_2012.docx)
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    boxes = {tuple(round(float(x)) for x in m.split())
             for m in re.findall(rb"/MediaBox\s*\[([\d.\s]+)\]", pdf)}
    assert boxes == {(0, 0, 595, 842)}  # A4 in points, every page
    # The official fonts' stand-ins (fonts.conf): a serif for 仿宋/宋/小标宋, a sans for 黑体.
    assert b"NotoSerifCJK" in pdf and b"NotoSansCJK" in pdf


# ---------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def page(sample_db, tmp_path_factory):
    """The page run on its own, as the local staff user, with the frame's filters preset: one
    session for the module's page tests, as one user makes one briefing, then others (its
    first run took ~0.5 CPU-s a test)."""
    from pathlib import Path

    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from analytics.filters import Filters

    before = st_config.get_option("server.address")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNION_DASH_DB", str(sample_db))
        mp.setenv("UNION_DASH_AUTH", str(tmp_path_factory.mktemp("page") / "no-auth.yaml"))
        st_config.set_option("server.address", "127.0.0.1")
        at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages" / "briefing.py"),
                               default_timeout=120)
        at.session_state["_inside_frame"] = True  # ui/frame.py's mark: the frame drew this run
        at.session_state["filters"] = Filters(region=HAILAR, start=date(2012, 1, 1),
                                              end=date(2012, 12, 1))
        try:
            yield at.run()
        finally:
            st_config.set_option("server.address", before)


def test_briefing_page_writes_and_offers_the_document(page) -> None:
    assert not page.exception, [e.value for e in page.exception]
    assert page.title[0].value == "汇报材料"
    assert page.selectbox(key="bf_period").value == "2012"
    page.button(key="bf_make").click().run()
    assert not page.exception, [e.value for e in page.exception]
    text = "\n".join(md.value for md in page.markdown)
    assert "2012年慰问困难职工803人、劳模2人、临时救助81人，总计886人，发放慰问金61万余元。" in text
    # the preview shows 存在的问题 as the document has it (the sample's counties all have
    # matching funds not arrived)
    assert "**存在的问题**" in text and "未到位" in text.split("**存在的问题**")[1]
    labels = {b.proto.label for b in page.get("download_button")}
    assert {"下载 Word", "下载 PDF"} <= labels
    assert "5 张图表" in page.success[0].value


def test_the_intro_promises_no_more_charts_than_a_briefing_can_hold(page) -> None:
    """The intro said 五张图表 where a 重庆市 trial's document held 4: a chart that compares
    nothing is left out (build_charts), so the page says how many it holds at most and the
    document's own count comes with it."""
    from analytics.briefing.charts import CHART_TITLES

    intro = next(c.value for c in page.caption if "Word" in c.value)
    assert f"至多{len(CHART_TITLES)}张" in intro and "五张" not in intro


def test_briefing_page_other_periods(page) -> None:
    page.selectbox(key="bf_kind").set_value("month").run()
    page.selectbox(key="bf_period").set_value("2012-05").run()
    page.button(key="bf_make").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert any("2012年5月" in md.value for md in page.markdown)


def test_headings_are_numbered_without_gaps(bairin_left_may_2012) -> None:
    b = bairin_left_may_2012  # no two-festival relief in May
    assert [h[:3] for h, _ in b.paragraphs] == [f"（{n}）" for n in "一二三四五六七"][
        :len(b.paragraphs)]
    assert not any("两节" in h for h, _ in b.paragraphs)


# ---------------------------------------------------------------- wording from numbers alone


def _data(kpis: dict[str, tuple[float | None, float | None]],
          festival: dict[str, float] | None = None) -> BriefingData:
    """A briefing's numbers made by hand: code → (this period, a year before)."""
    empty = pl.DataFrame(schema={"dim": pl.String, "code": pl.String, "value": pl.Float64,
                                 "year_ago": pl.Float64})
    fest = pl.DataFrame({"dim": list(festival or {}), "code": "festival_persons",
                         "value": [float(v) for v in (festival or {}).values()],
                         "year_ago": None}, schema=empty.schema)
    return BriefingData(
        region="999999", name_zh="某区", name_en="A district", period=parse_period("2012"),
        kpis={c: {"value": v, "year_ago": y} for c, (v, y) in kpis.items()},
        festival=fest, funds=empty, children=empty,
        trend=pl.DataFrame(schema={"period": pl.Date, "code": pl.String, "value": pl.Float64,
                                   "year_ago": pl.Float64}),
        amount_trend=pl.DataFrame(schema={"period": pl.Date, "code": pl.String,
                                          "value": pl.Float64, "year_ago": pl.Float64}))


def test_one_group_is_not_totalled_again_and_amounts_match() -> None:
    b = _data({"festival_persons": (18, 15), "festival_amount": (14_800, 9_000)},
              {"hardship_worker": 18})
    assert festival_zh(b) == "2012年慰问困难职工18人，发放慰问金1.4万余元。"
    rows = {r[0]: r[1:] for r in key_rows(b, "zh")}
    assert rows["两节慰问金额"] == ("1.4万余元", "0.9万元", "增长64.4%")
    two = _data({"festival_persons": (20, None)}, {"hardship_worker": 18, "model_worker": 2})
    assert festival_zh(two) == "2012年慰问困难职工18人、劳模2人，总计20人。"


def test_a_row_keeps_one_unit() -> None:
    rows = {r[0]: r[1:] for r in key_rows(_data({"loan_amount": (59_000, 6_400),
                                                 "medical_discounts": (6_400, 59_000)}), "zh")}
    assert rows["借款金额"] == ("5.9万元", "0.64万元", "增长821.9%")
    assert rows["医疗减免金额"] == ("6400元", "59000元", "下降89.2%")


def test_reasons_instead_of_dashes() -> None:
    rows = {r[0]: r[1:] for r in key_rows(_data({"relieved": (5, None), "trained": (3, 0),
                                                 "loans": (0, 0)}), "zh")}
    assert rows["救助人数"] == ("5人", "无数据", "上年无数据")
    assert rows["培训人数"] == ("3人", "0人", "上年为0")
    assert "无息借款笔数" not in rows  # nothing in either year: no row


@pytest.mark.parametrize(("kpis", "heading"), [
    ({"trained": (156, None), "placements": (32, None)}, "（一）培训就业"),
    ({"trained": (156, None), "loans": (3, None), "loan_amount": (56_000, None)},
     "（一）培训就业与无息借款"),
    ({"loans": (3, None), "loan_amount": (56_000, None)}, "（一）无息借款"),
])
def test_employment_heading_follows_the_data(kpis, heading) -> None:
    (h, text), = paragraphs_zh(_data(kpis))
    assert h == heading and "免费" not in text  # no field says a course was free


# ---------------------------------------------------------------- a federation's own data


@pytest.fixture(scope="module")
def guangzhou_2026(tmp_path_factory):
    """天河区's briefing of a fresh 广州市 deployment with one station's roster."""
    db, report = guangzhou(tmp_path_factory.mktemp("gz_briefing"))
    assert report.exit_code == 0
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(db))
    try:
        yield build_briefing("440106", "2026")
    finally:
        mp.undo()


def _all_xml(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_a_real_deployment_is_not_called_sample_data(guangzhou_2026) -> None:
    assert not guangzhou_2026.data.sample
    xml = _all_xml(guangzhou_2026.docx)
    assert "示例" not in xml and "sample" not in xml.lower()
    text = _text(guangzhou_2026.docx)
    assert "天河区2026年困难职工帮扶工作汇报材料" in text
    assert "2026年两节慰问5人，发放慰问金3500元。" in text  # no group stated: none named
    assert "总计" not in text and "免费" not in text and "无息借款" not in text
    assert "旗" not in text and "自治区" not in text
    assert "数据截至" in text and "批" in text and "batches" not in text
    rows = _rows(guangzhou_2026.docx)
    assert rows["救助金额"][0] == "3500元" and "发放各类救助金3500元" in text
    # One dot on an eight-year axis and one bar say no more than the text: left out.
    assert guangzhou_2026.chart_titles == []


def test_a_period_without_data_says_why_it_has_no_figures(sample_db, monkeypatch) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    b = build_briefing(HAILAR, "1995")
    doc = Document(io.BytesIO(b.docx))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert "1995年海拉尔区尚无已载入的帮扶数据" in "\n".join(texts)
    assert not doc.tables and b.chart_titles == [] and "二、主要数据" not in texts


# Last in the module: the command stops the process's Chromium when it ends (as it must
# before a process exits), and a briefing after it would start another (~3 CPU-s).
def test_command_line(sample_db, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))  # restored after the CLI sets it
    out = tmp_path / "b.docx"
    assert cli(["--region", HAILAR, "--period", "2012Q1", "--out", str(out),
                "--db", str(sample_db)]) == 0
    assert "2012年第一季度" in _text(out.read_bytes())
    assert cli(["--region", HAILAR, "--period", "2012Q9", "--out", str(out),
                "--db", str(sample_db)]) == 2
    assert "YYYYQn" in capsys.readouterr().err
