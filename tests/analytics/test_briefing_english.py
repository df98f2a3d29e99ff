"""The English briefing states what the Chinese one does: training, placements and loans had
a section in Chinese (（四）培训就业与无息借款) and none in English; definitions with an English
colon, not '：'."""

from __future__ import annotations

import io

import duckdb
from docx import Document

from analytics.briefing import build_briefing, parse_period
from analytics.briefing.content import gather
from analytics.briefing.text import paragraphs_en, paragraphs_zh


def _xilin(db) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT region_code FROM regions WHERE name_zh = '西林县'").fetchone()[0]
    finally:
        con.close()


def test_english_has_the_training_section_the_chinese_has(on_sample) -> None:
    b = gather(_xilin(on_sample), parse_period("2012"))
    trained, placed, loans = b.value("trained"), b.value("placements"), b.value("loans")
    assert trained > 0 and placed > 0 and loans > 0
    zh, en = paragraphs_zh(b), dict(paragraphs_en(b))
    assert len(en) == len(zh)  # one section each way
    training = next(p for h, p in en.items() if h.endswith("Training, employment and loans"))
    assert training.startswith(f"{trained:,.0f} persons trained, {placed:,.0f} placed in jobs, "
                               f"{loans:,.0f} interest-free loans of ")


def test_english_definitions_use_an_english_colon(on_sample) -> None:
    docx = build_briefing(_xilin(on_sample), "2012", lang="en").docx
    notes = [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.style.name == "附注"]
    assert notes and all("：" not in n for n in notes)
    assert any(n.startswith("People trained: ") for n in notes)
