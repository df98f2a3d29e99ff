"""汇报材料 Briefing: one click writes a Word briefing for the filter bar's region and a period
(key figures with 同比, drafted paragraphs, the charts that compare something, a table), with a
preview here."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.briefing import build_briefing, parse_period, soffice, to_pdf
from analytics.briefing.charts import CHART_TITLES
from analytics.briefing.document import key_rows
from analytics.filters import add_months
from core import literal
from core.messages import pick, register, render
from ui import audit_trail as trail
from ui import data, empty
from ui.page_context import open_page

register("briefing_page", {
    "intro": ("为筛选栏所选地区生成一份 Word 汇报材料：主要数据及同比、按文件体例起草的文字、"
              "图表（至多{charts}张，只画有可比内容的）和下级单位表。数字全部来自指标目录。",
              "Writes a Word briefing for the region chosen in the filter bar: key figures "
              "with year-on-year change, drafted paragraphs, charts (up to {charts}, only those "
              "that compare something) and a table of units. Every number comes from the "
              "indicator catalogue."),
    "region": ("地区", "Region"), "kind": ("期间类型", "Period type"), "period": ("期间", "Period"),
    "make": ("生成汇报材料", "Write briefing"),
    "kind_year": ("年度", "Year"), "kind_quarter": ("季度", "Quarter"), "kind_month": ("月度", "Month"),
    "ready": ("已生成（{seconds:.1f} 秒）：{n} 张图表", "Ready ({seconds:.1f} s): {n} charts"),
    "docx": ("下载 Word", "Download Word"), "pdf": ("下载 PDF", "Download PDF"),
    "no_pdf": ("未安装 LibreOffice，无法生成 PDF", "LibreOffice is not installed: no PDF"),
    "preview": ("预览", "Preview"), "charts": ("图表：{titles}", "Charts: {titles}"),
    "problems": ("存在的问题", "Problems"),
    "nothing": ("数据仓库中还没有数据，无法生成汇报材料。请先在“数据导入”页上传救助发放花名册等帮扶站点报送的文件。",
                "The warehouse holds no data yet, so there is nothing to brief on. "
                "Upload the stations' files (relief rosters and the rest) on the Upload "
                "page first."),
    "stem": ("汇报材料", "briefing"),
    "col_indicator": ("指标", "Indicator"), "col_now": ("本期", "This period"),
    "col_year_ago": ("上年同期", "Year before"), "col_change": ("同比", "Change"),
})
KINDS = ("year", "quarter", "month")

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang = page.filters, page.lang
lang = "en" if lang == "en" else "zh"


@st.cache_data(max_entries=16, show_spinner=False)
def briefing(region: str, period: str, lang: str, token: str, scope: str) -> dict:
    """The briefing's bytes and preview, cached per data version (`token`) and user scope."""
    b = build_briefing(region, period, lang=lang, scope=scope)
    return {"docx": b.docx, "paragraphs": b.paragraphs, "problems": b.problems,
            "charts": b.chart_titles,
            "seconds": b.seconds["total"], "rows": key_rows(b.data, lang)}


@st.cache_data(max_entries=4, show_spinner=False)
def pdf(docx: bytes) -> bytes:
    return to_pdf(docx)


def period_options(kind: str, last: date) -> list[str]:
    """Period codes (2012, 2012Q3, 2012-05) from the filter's end month back ten years."""
    out, d = [], last
    while d >= date(last.year - 10, 1, 1):
        code = {"year": f"{d.year}", "quarter": f"{d.year}Q{(d.month + 2) // 3}",
                "month": f"{d:%Y-%m}"}[kind]
        if code not in out:
            out.append(code)
        d = add_months(d, -1)
    return out


st.title(render("app.page_briefing", lang))
# as many as build_charts can make: a briefing leaves out a chart that compares nothing
st.caption(render("briefing_page.intro", lang, charts=len(CHART_TITLES)))
token = page.token
regions = data.regions(token)
row = regions.filter(regions["region_code"] == f.region)
name = row[pick(("name_zh", "name_en"), lang)][0] if row.height else f.region
left, mid, right = st.columns([2, 1, 1])
left.text_input(render("briefing_page.region", lang), f"{name} {f.region}", disabled=True)
kind = mid.selectbox(render("briefing_page.kind", lang), KINDS,
                     format_func=lambda k: render(f"briefing_page.kind_{k}", lang), key="bf_kind")
choice = right.selectbox(render("briefing_page.period", lang), period_options(kind, f.end), key="bf_period",
                         format_func=lambda c: parse_period(c).label(lang))
request = (f.region, choice, lang, token, f.scope)
nothing = empty.coverage().empty  # a briefing of dashes helps no one: say what to load
if nothing:
    empty.notice(render("briefing_page.nothing", lang), lang)
clicked = st.button(render("briefing_page.make", lang), type="primary", icon=":material/description:", key="bf_make",
                    disabled=nothing, help=render("briefing_page.nothing", lang) if nothing else None)
if clicked:
    st.session_state["bf_request"] = request  # a key, not data: the result is cached
if st.session_state.get("bf_request") == request:
    with st.spinner(render("briefing_page.make", lang)):
        made = briefing(*request)
    stem = f"{f.region}_{choice}_{render('briefing_page.stem', lang)}"
    facts = {"region": f.region, "period": choice, "lang": lang, "charts": len(made["charts"])}
    if clicked:
        trail.record("briefing", object=f"{f.region} {choice}",
                     details={**facts, "stage": "generated"})
    st.success(render("briefing_page.ready", lang, seconds=made["seconds"], n=len(made["charts"])))
    with st.container(horizontal=True):
        st.download_button(render("briefing_page.docx", lang), data=trail.recorded(
                               made["docx"], action="briefing", object=f"{stem}.docx",
                               details={**facts, "stage": "downloaded", "format": "docx"}),
                           file_name=f"{stem}.docx",
                           mime="application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document",
                           on_click="ignore", icon=":material/download:", key="bf_docx")
        has_pdf = soffice() is not None
        st.download_button(render("briefing_page.pdf", lang), data=trail.recorded(
                               lambda: pdf(made["docx"]), action="briefing", object=f"{stem}.pdf",
                               details={**facts, "stage": "downloaded", "format": "pdf"})
                           if has_pdf else b"",
                           file_name=f"{stem}.pdf", mime="application/pdf", on_click="ignore",
                           disabled=not has_pdf, help=None if has_pdf else render("briefing_page.no_pdf", lang),
                           icon=":material/picture_as_pdf:", key="bf_pdf")
    st.subheader(render("briefing_page.preview", lang))
    st.table({h: [r[i] for r in made["rows"]]
              for i, h in enumerate(render(f"briefing_page.col_{c}", lang)
                                    for c in ("indicator", "now", "year_ago", "change"))})
    for heading, text in made["paragraphs"]:
        st.markdown(f"**{literal.markdown(heading)}**  \n{literal.markdown(text)}")
    if made["problems"]:  # as the document has it: only when the facts show problems
        st.markdown(f"**{render('briefing_page.problems', lang)}**  \n"
                    + "  \n".join(literal.markdown(s) for s in made["problems"]))
    st.caption(render("briefing_page.charts", lang, titles="、".join(literal.markdown(c) for c in made["charts"])))
