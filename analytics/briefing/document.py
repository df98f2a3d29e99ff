"""The Word document (python-docx), laid out as a Chinese official document (layout.py):
title, the data's version, then numbered parts — work done, key figures with 同比, units
below, charts, definitions — each only where the data has something to put in it.

Every figure in the tables is written by the same words as the text (wording.figure_zh), in
one unit per row (key figures) or column (units below).
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from analytics import fmt, vocabulary
from analytics.briefing.charts import Chart, chart_png
from analytics.briefing.content import CHILD_CODES, KEY_CODES, BriefingData
from analytics.briefing.layout import HEADING1_FONT, LATIN_FONT, add_styles, set_fonts, setup_page
from analytics.briefing.problems import problems
from analytics.briefing.wording import figure_en, figure_zh, scale_of
from analytics.export import RenderError
from analytics.indicators import INDICATORS
from core.messages import Pair, pick, register, render

_NUMERALS_ZH = "一二三四五六七八九十"
register("briefing_doc", {
    "title": ("{region}{period}困难职工帮扶工作汇报材料", "{region}: relief work briefing, {period}"),
    "version": ("（{words}）", "({words})"),
    "sample": ("示例数据（非官方统计）", "Sample data (not official statistics)"),
    "chart_sample": ("示例数据 sample data", "示例数据 sample data"),
    "part": ("{n}、{title}", "{n}. {title}"),
    "work": ("主要工作情况", "Work done"), "problems": ("存在的问题", "Problems"),
    "problem": ("{n}是{text}", "{n}. {text}"),  # 一是……二是……, as the documents list problems
    "next": ("下一步工作", "Next steps"), "key": ("主要数据", "Key figures"),
    "units": ("分单位情况", "Units below"), "charts": ("图表", "Charts"),
    "defs": ("指标说明", "Definitions"), "definition": ("{name}：{text}", "{name}: {text}"),
    # 资金支出 in a quarter's or month's briefing: the period's months (content._paid_in)
    "paid_in": ("救助发放金额，按资金来源，计本期各月（整年数见年度材料）。",
                "Relief paid out in this period's months, by fund source (whole years: a "
                "year's briefing)."),
    "col_indicator": ("指标", "Indicator"), "col_now": ("本期", "This period"),
    "col_before": ("上年同期", "Year before"), "col_change": ("同比", "Change"),
    "unit_col": ("单位", "Unit"),
    "fig": ("图{n}　{title}", "Figure {n}  {title}"),
    "table": ("表{n}　{title}", "Table {n}  {title}"),
    "no_chart": ("（图{n}“{title}”未能生成：{error}）", "(Figure {n} \"{title}\" not rendered: {error})"),
    "empty": ("{period}{region}尚无已载入的帮扶数据（救助、慰问、资金、培训、维权、医疗"
              "各表在此期间均无记录），故本材料不列数字。",
              "{region} has no data loaded for {period} (no relief, condolence, fund, "
              "training, petition or medical rows), so this briefing states no figures."),
    "no_unit": ("未注明下级单位", "unit not recorded"),
    "no_data": ("无数据", "no data"), "no_register": ("无在档数据", "no register"),
    "no_rows": ("无记录", "no rows"),
    # 同比 in words: the Chinese names the comparison and the direction, the English signs it
    "no_before": ("{base}无数据", "no data {base}"), "zero_before": ("{base}为0", "none {base}"),
    "flat": ("持平", "unchanged"),
    "pp_up": ("提高{pp}个百分点", "{pp} pp"), "pp_down": ("下降{pp}个百分点", "{pp} pp"),
    "pct_up": ("增长{pct}%", "{pct}%"), "pct_down": ("下降{pct}%", "{pct}%"),
})
_HALF_TO_FULL = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"})


def _t(key: str, lang: str, **params: object) -> str:
    return render(f"briefing_doc.{key}", lang, **params)


def figure(value: float, code: str, lang: str, scale: str | None = None) -> str:
    """One figure of indicator `code`, as the text writes it."""
    unit = INDICATORS[code].unit
    return pick((figure_zh(value, unit, code, scale), figure_en(value, unit)), lang)


def change(value: float, before: float | None, code: str, base: str, lang: str) -> str:
    """同比 in words, or why there is none: '增长6.4%', '提高5.3个百分点', '上年同期为0'
    (`base`: what 同比 compares with, 上年 or 上年同期)."""
    unit, base_named = INDICATORS[code].unit, Pair(base, "a year before")
    if fmt.missing(before):
        return _t("no_before", lang, base=base_named)
    if unit == "ratio":
        pp = (value - before) * 100
        if abs(pp) < 0.05:
            return _t("flat", lang)
        return _t("pp_up" if pp > 0 else "pp_down", lang,
                  pp=Pair(f"{abs(pp):.1f}", f"{pp:+.1f}"))
    if before == 0:
        if value == 0:
            return _t("flat", lang)
        return _t("zero_before", lang, base=base_named)
    pct = (value - before) / abs(before) * 100
    if abs(pct) < 0.05:
        return _t("flat", lang)
    return _t("pct_up" if pct > 0 else "pct_down", lang,
              pct=Pair(f"{abs(pct):.1f}", f"{pct:+.1f}"))


def key_rows(b: BriefingData, lang: str) -> list[tuple[str, str, str, str]]:
    """(indicator, this period, a year before, 同比) for every key figure the period has; a
    row is in the unit of its current figure, as the text writes that figure."""
    base = b.period.base().zh
    rows = []
    for code in KEY_CODES:
        value, before = b.value(code), b.year_ago(code)
        if fmt.missing(value) or (value == 0 and (fmt.missing(before) or before == 0)):
            continue  # nothing recorded in either year: nothing to report
        scale = scale_of(value)
        was = (figure(before, code, lang, scale) if not fmt.missing(before)
               else _t("no_data", lang))
        rows.append((INDICATORS[code].name(lang), figure(value, code, lang, scale), was,
                     change(value, before, code, base, lang)))
    return rows


def child_rows(b: BriefingData, lang: str) -> list[tuple[str, ...]]:
    """(unit, one figure per CHILD_CODES) for each unit below the region; each column in one
    unit (that of its largest figure)."""
    if not b.children.height:
        return []
    wide = b.children.pivot(on="code", index="dim", values="value").sort("dim", nulls_last=True)
    scales = {c: scale_of(wide[c].max()) if c in wide.columns else "" for c in CHILD_CODES}
    rows = []
    for r in wide.iter_rows(named=True):
        name = (b.label("region", r["dim"], lang) if r["dim"] is not None
                else _t("no_unit", lang))
        rows.append((name, *(
            _no_value(c, lang) if fmt.missing(r.get(c)) else figure(r[c], c, lang, scales[c])
            for c in CHILD_CODES)))
    return rows


def _no_value(code: str, lang: str) -> str:
    """Why a unit has no figure: coverage needs a hardship register, the rest rows."""
    return _t("no_register" if code == "coverage" else "no_rows", lang)


def _repeat_header(row) -> None:
    """The header row again at the top of each page a table runs onto."""
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "1")
    row._tr.get_or_add_trPr().append(el)


class _Writer:
    """Adds the document's paragraphs, tables and pictures in order, numbering parts 一、二、
    and tables 表1, 表2."""

    def __init__(self, doc, lang: str) -> None:
        self.doc, self.lang = doc, lang
        self.parts = self.tables = 0
        self._style_ids: dict[str, str | None] = {}

    def style(self, p, name: str) -> None:
        """`p.style = doc.styles[name]`, its id found once a document: python-docx looks the
        name up and compares the style with the type's default, both through every style's
        XML, at each assignment (~1 ms each, ~0.1 CPU-s of a briefing)."""
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.part.get_style_id(self.doc.styles[name],
                                                               WD_STYLE_TYPE.PARAGRAPH)
        p._p.style = self._style_ids[name]

    def para(self, text: str, style: str = "Normal", align=None):
        p = self.doc.add_paragraph(text)
        self.style(p, style)
        if align is not None:
            p.alignment = align
        return p

    def part(self, key: str) -> None:
        self.parts += 1
        n = Pair(_NUMERALS_ZH[self.parts - 1], f"{self.parts}")
        p = self.para(_t("part", self.lang, n=n, title=_t(key, self.lang)), "一级标题")
        if pick((False, True), self.lang):  # 黑体 is heavy; its Latin stand-in is not
            p.runs[0].bold = True

    def table(self, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]],
              widths_mm: tuple[float, ...]) -> None:
        self.tables += 1
        caption = self.para(_t("table", self.lang, n=self.tables, title=title), "图表题注")
        caption.paragraph_format.keep_with_next = True  # a table's title stays on its page
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.doc.styles["Table Grid"]  # plain black rules
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)  # w:gridCol, which LibreOffice lays out by
        _repeat_header(table.rows[0])
        for i, row in enumerate([header, *rows]):
            cells = table.rows[0].cells if i == 0 else table.add_row().cells
            for j, (cell, text) in enumerate(zip(cells, row, strict=True)):
                cell.width = Mm(widths_mm[j])
                p = cell.paragraphs[0]
                self.style(p, "表格文字")
                if j == 0 and i:
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                run = p.add_run(text)
                if i == 0:  # the header row in 黑体
                    set_fonts(run._r, HEADING1_FONT, LATIN_FONT)

    def picture(self, png: bytes, width_mm: float) -> None:
        p = self.para("", "图")
        p.paragraph_format.keep_with_next = True  # with its caption 图N below
        p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def _work(w: _Writer, b: BriefingData, paragraphs: list[tuple[str, str]]) -> None:
    w.part("work")
    if not paragraphs:
        w.para(_t("empty", w.lang, period=b.period.label(w.lang), region=b.name(w.lang)))
    for heading, text in paragraphs:
        w.para(heading, "二级标题")
        w.para(text)


def problem_paragraphs(b: BriefingData, lang: str = "zh") -> list[str]:
    """The sentences of 存在的问题 ([] when the facts show none)."""
    return problems(b.problems, lang, b.period.base().zh, vocabulary.level_label("county"))


def _problems(w: _Writer, b: BriefingData) -> None:
    """存在的问题, then the heading 下一步工作 for staff to write under; neither when the
    facts show no problem (no empty heading)."""
    sentences = problem_paragraphs(b, w.lang)
    if not sentences:
        return
    w.part("problems")
    for n, text in enumerate(sentences):
        w.para(_t("problem", w.lang, n=Pair(_NUMERALS_ZH[n], f"{n + 1}"), text=text))
    w.part("next")
    w.para("")  # left for staff to write


def _charts(w: _Writer, b: BriefingData, charts: list[Chart], scale: float) -> None:
    if not charts:
        return
    w.part("charts")
    for n, chart in enumerate(charts, start=1):
        try:
            w.picture(chart_png(chart, scale), 150)
        except RenderError as exc:  # the text and tables are still worth having
            w.para(_t("no_chart", w.lang, n=n, title=chart.title, error=exc), "图表题注")
            continue
        w.para(_t("fig", w.lang, n=n, title=chart.title), "图表题注")
        if b.sample:
            w.para(_t("chart_sample", w.lang), "图表题注")


def _definitions(w: _Writer, codes: list[str], whole_year: bool = True) -> None:
    w.part("defs")
    for code in dict.fromkeys(codes):
        ind = INDICATORS[code]
        said = ind.definition(w.lang) if whole_year or code != "fund_disbursed" else \
            _t("paid_in", w.lang)
        text = _t("definition", w.lang, name=ind.name(w.lang), text=said)
        w.para(pick((text.translate(_HALF_TO_FULL), text), w.lang), "附注")  # ，（）in Chinese


def write_docx(b: BriefingData, paragraphs: list[tuple[str, str]], charts: list[Chart],
               *, lang: str = "zh", scale: float = 2.5) -> bytes:
    """The briefing as .docx bytes."""
    doc = Document()
    add_styles(doc)
    setup_page(doc)
    w = _Writer(doc, lang)
    title = _t("title", lang, region=b.name(lang), period=b.period.label(lang))
    doc.core_properties.title = title
    doc.core_properties.created = datetime.now()
    w.para(title, "公文标题")
    if b.sample:
        w.para(_t("sample", lang), "公文副题")
    w.para(_t("version", lang, words=b.version_words(lang)), "公文副题")
    w.para("")  # a blank line between the title block and the body
    _work(w, b, paragraphs)
    _problems(w, b)
    rows = key_rows(b, lang)
    if rows:
        w.part("key")
        cols = ("col_indicator", "col_now", "col_before", "col_change")
        w.table(_t("key", lang), tuple(_t(c, lang) for c in cols), rows, (56, 30, 30, 40))
    units = child_rows(b, lang)
    if units:
        w.part("units")
        w.table(_t("units", lang), (_t("unit_col", lang),
                                    *(INDICATORS[c].name(lang) for c in CHILD_CODES)),
                units, (58, 30, 34, 34))
    _charts(w, b, charts, scale)
    shown = [c for c in KEY_CODES if INDICATORS[c].name(lang) in {r[0] for r in rows}]
    if shown or units:
        _definitions(w, [*shown, *(CHILD_CODES if units else ())],
                     b.period.granularity == "year")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

