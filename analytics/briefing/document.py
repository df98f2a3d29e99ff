"""The Word document (python-docx): title, key figures with 同比, paragraphs, charts, tables.

Chinese runs need the East Asian font set explicitly (w:eastAsia), or Word falls back to a
font without CJK glyphs on machines that lack the theme's.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analytics import fmt
from analytics.briefing.charts import Chart
from analytics.briefing.content import CHILD_CODES, KEY_CODES, BriefingData
from analytics.export import RenderError, figure_png
from analytics.indicators import INDICATORS

CJK_FONT = "Noto Sans CJK SC"
LATIN_FONT = "Noto Sans"
_T = {
    "zh": {"title": "{region}{period}困难职工帮扶工作汇报材料", "key": "主要数据",
           "cols": ("指标", "本期", "上年同期", "同比"), "charts": "图表", "fig": "图{n}",
           "units": "下级单位情况", "unit_col": "单位", "defs": "指标说明",
           "note": "示例数据（非官方统计）｜数据版本：{version}｜生成时间：{time}",
           "no_chart": "（图表未能生成：{error}）"},
    "en": {"title": "{region}: relief work briefing, {period}", "key": "Key figures",
           "cols": ("Indicator", "This period", "Year before", "Change"), "charts": "Charts",
           "fig": "Figure {n}", "units": "Units below", "unit_col": "Unit",
           "defs": "Definitions",
           "note": "Sample data (not official statistics) | data version: {version} | "
                   "generated {time}",
           "no_chart": "(chart not rendered: {error})"},
}


def _fonts(run, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _para(doc, text: str, *, style: str | None = None, size: float | None = None,
          bold: bool | None = None, align=None, color: RGBColor | None = None):
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    _fonts(run, size, bold)
    if color is not None:
        run.font.color.rgb = color
    if align is not None:
        p.alignment = align
    return p


def _heading(doc, text: str, level: int) -> None:
    h = doc.add_heading(level=level)
    _fonts(h.add_run(text))


def _table(doc, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _fonts(cell.paragraphs[0].add_run(text), 10, True)
    for row in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _fonts(cell.paragraphs[0].add_run(text), 10)
            if i:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def key_rows(b: BriefingData, lang: str) -> list[tuple[str, str, str, str]]:
    """(indicator, this period, a year before, 同比) for every key figure with a value."""
    rows = []
    for code in KEY_CODES:
        ind, value = INDICATORS[code], b.value(code)
        if fmt.missing(value):
            continue
        before = b.year_ago(code)
        rows.append((ind.name(lang), fmt.number(value, ind.unit, lang),
                     fmt.number(before, ind.unit, lang),
                     fmt.delta(value, before, ind.unit, lang) or "—"))
    return rows


def child_rows(b: BriefingData, lang: str) -> list[tuple[str, ...]]:
    wide = b.children.pivot(on="code", index="dim", values="value") if b.children.height else None
    if wide is None:
        return []
    rows = []
    for r in wide.sort("dim").iter_rows(named=True):
        rows.append((b.label("region", r["dim"], lang), *(
            fmt.number(r.get(c), INDICATORS[c].unit, lang) for c in CHILD_CODES)))
    return rows


def _style_defaults(doc) -> None:
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
    doc.styles["Normal"].font.size = Pt(11)


def write_docx(b: BriefingData, paragraphs: list[tuple[str, str]], charts: list[Chart],
               *, lang: str = "zh", scale: float = 2) -> bytes:
    """The briefing as .docx bytes."""
    t = _T["en" if lang == "en" else "zh"]
    doc = Document()
    _style_defaults(doc)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    title = doc.add_heading(level=0)
    _fonts(title.add_run(t["title"].format(region=b.name(lang), period=b.period.label(lang))))
    v = b.version
    version = f"{v.batches} batches / {v.token}" if v else "—"
    _para(doc, t["note"].format(version=version, time=f"{datetime.now():%Y-%m-%d %H:%M}"),
          size=9, color=RGBColor(0x80, 0x80, 0x80))
    _heading(doc, t["key"], 1)
    _table(doc, t["cols"], key_rows(b, lang))
    for heading, text in paragraphs:
        _heading(doc, heading, 2)
        _para(doc, text).paragraph_format.first_line_indent = Pt(22)
    if charts:
        _heading(doc, t["charts"], 1)
    for n, chart in enumerate(charts, start=1):
        try:
            png = figure_png(chart.figure, chart.provenance, scale=scale,
                             width=int(chart.figure.layout.width or 900),
                             height=int(chart.figure.layout.height or 420))
        except RenderError as exc:  # the text and tables are still worth having
            _para(doc, t["no_chart"].format(error=exc), size=9, color=RGBColor(0xC0, 0, 0))
            continue
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        _para(doc, f"{t['fig'].format(n=n)}  {chart.title}", size=9,
              align=WD_ALIGN_PARAGRAPH.CENTER)
    rows = child_rows(b, lang)
    if rows:
        _heading(doc, t["units"], 1)
        _table(doc, (t["unit_col"], *(INDICATORS[c].name(lang) for c in CHILD_CODES)), rows)
    _heading(doc, t["defs"], 1)
    for code in dict.fromkeys((*KEY_CODES, *CHILD_CODES)):
        ind = INDICATORS[code]
        _para(doc, f"{ind.name(lang)}：{ind.definition(lang)}", size=9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
