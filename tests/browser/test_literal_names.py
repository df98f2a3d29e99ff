"""Literal names: a name that came from a file shows as typed wherever it appears. Streamlit
reads labels, captions and messages as Markdown and Plotly reads chart text as HTML-ish
markup; core/literal.py escapes for each, checked here in a real Chromium and in a rendered
SVG. Word documents (python-docx) write text literally."""

from __future__ import annotations

import html
import io
import re
import textwrap
from pathlib import Path

import polars as pl
import pytest

from analytics import figures
from core import literal
from tests.served import IDLE, streamlit_app

NAMES = ["[点我](javascript:alert(1))", "--", "*x*", ":red[x]", ":material/home:", "$x$",
         "<b>x</b>", "# h", "1. x", "> q", "a_b_c", "~~s~~", "---", "a\\b", ":smile:",
         "海拉尔区正阳街道帮扶站", "**粗**", "`code`", "=1+1"]
JOIN = "\u2060"  # the invisible word joiner core/literal.py puts between -- and after :


def test_markdown_escape_keeps_the_text() -> None:
    for name in NAMES:
        escaped = literal.markdown(name).replace(JOIN, "")
        assert re.sub(r"\\(.)", r"\1", escaped) == name  # only backslashes added
    assert literal.markdown("海拉尔区") == "海拉尔区"  # nothing to escape: unchanged
    assert literal.markdown(None) == ""
    assert literal.plotly("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert literal.plotly(3) == 3


APP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import streamlit as st
    from core.literal import markdown as md
    NAMES = {names!r}
    for n in NAMES:
        st.markdown(md(n))
    st.pills("p", list(range(len(NAMES))), format_func=lambda i: md(NAMES[i]), key="pills")
    for i, n in enumerate(NAMES):
        st.metric(md(n), 1)
        st.button(md(n), key=f"b{{i}}")
        st.caption(md(n))
""")


@pytest.mark.browser
def test_streamlit_shows_escaped_names_as_typed(tmp_path, browser) -> None:
    """Markdown, pills (the drill-down), metric labels, buttons and captions, in Chromium."""
    app = tmp_path / "app.py"
    app.write_text(APP.format(root=str(Path(__file__).resolve().parents[2]), names=NAMES))
    with streamlit_app(app) as url:
        page = browser.new_page()
        page.goto(f"{url}/")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_selector('[data-testid="stMetricLabel"]', timeout=30_000)

        def texts(selector: str) -> list[str]:
            return [s.replace(JOIN, "") for s in page.locator(selector).all_inner_texts()]

        shown = {
            "markdown": texts('[data-testid="stMarkdown"] [data-testid="stMarkdownContainer"]'),
            "pills": texts('[data-testid="stButtonGroup"] button'),
            "metric": texts('[data-testid="stMetricLabel"]'),
            "button": texts('[data-testid="stButton"] button'),
            "caption": texts('[data-testid="stCaptionContainer"]'),
        }
        links = page.locator("a[href^='javascript']").count()
        icons = page.locator('[data-testid="stIconMaterial"]').count()
        page.close()
    assert links == 0 and icons == 0
    for where, values in shown.items():
        got = [v for v in values if v.strip()]
        assert NAMES[0] in got and "--" in got and "*x*" in got, (where, got)
        assert set(NAMES) <= set(got), (where, sorted(set(NAMES) - set(got)))


def test_chart_labels_show_tags_as_typed() -> None:
    """A station named <b>x</b> on a bar chart's axis and in its legend: the tags are shown
    (escaped in the figure; in the rendered SVG the text, not bold)."""
    from analytics import export

    df = pl.DataFrame({"label": ["<b>x</b>", '<a href="http://x">y</a>'], "value": [1, 2],
                       "series": ["<i>s</i>", "<i>s</i>"]})
    fig = figures.bar_figure(df, label="label", unit="count", lang="zh", series="series")
    assert list(fig.data[0].y) == ["&lt;b&gt;x&lt;/b&gt;",
                                   '&lt;a href="http://x"&gt;y&lt;/a&gt;']
    assert fig.data[0].name == "&lt;i&gt;s&lt;/i&gt;"
    svg = export.figure_svg(fig, export.Provenance(title="t")).decode()  # needs Chromium
    texts = {html.unescape(t) for t in re.findall(r">([^<>]+)<", svg)}
    assert "<b>x</b>" in texts and '<a href="http://x">y</a>' in texts  # the tags as text
    assert "<a " not in svg and "xlink:href=\"http" not in svg and "bold" not in svg


def test_trend_series_and_intervention_labels_escaped() -> None:
    import datetime as dt

    df = pl.DataFrame({"period": [dt.date(2012, 1, 1), dt.date(2012, 2, 1)], "value": [1, 2],
                       "series": ["<b>站</b>", "<b>站</b>"]})
    marks = pl.DataFrame({"start_on": [dt.date(2012, 2, 1)], "label": ["<a href='x'>措施</a>"]})
    fig = figures.trend_figure(df, unit="count", lang="zh", granularity="month",
                               series="series", interventions=marks)
    assert fig.data[0].name == "&lt;b&gt;站&lt;/b&gt;"
    note = fig.layout.annotations[0]
    assert "<a" not in note.text and "&lt;a" in note.hovertext


def test_word_documents_write_names_literally() -> None:
    from docx import Document

    from analytics.briefing.document import _Writer

    w = _Writer(Document(), "zh")
    for name in NAMES:
        w.para(name)
    data = io.BytesIO()
    w.doc.save(data)
    back = Document(io.BytesIO(data.getvalue()))
    assert [p.text for p in back.paragraphs] == NAMES
    xml = back.element.xml
    assert "w:hyperlink" not in xml and "w:fldSimple" not in xml and "w:instrText" not in xml
