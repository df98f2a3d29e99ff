"""The English briefing states what the Chinese one does: training, placements and loans had
a section in Chinese (（四）培训就业与无息借款) and none in English; 同比, the register and
coverage, the funds by source and the collective petitions were said in Chinese only, and the
matching funds' rate had no decimal ("96%" beside 96.3% in the Chinese and the tables);
definitions with an English colon, not '：'."""

from __future__ import annotations

import io
import re

import duckdb
from docx import Document

from analytics.briefing import build_briefing, parse_period
from analytics.briefing.content import gather
from analytics.briefing.text import paragraphs_en, paragraphs_zh
from analytics.briefing.wording import yuan_en


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


def test_english_states_the_changes_register_sources_and_rates_the_chinese_does(on_sample):
    b = gather("150702", parse_period("2012"))  # 海拉尔区: every paragraph has its facts
    en = dict(paragraphs_en(b))
    relief, funds, rights = (next(p for h, p in en.items() if h.endswith(t))
                             for t in ("Relief", "Funds", "Rights protection"))
    relieved, before = b.value("relieved"), b.year_ago("relieved")
    assert relieved != before
    more = "more" if relieved > before else "fewer"
    assert (f"{abs(relieved - before):,.0f} {more} than the year before "
            f"(up {(relieved / before - 1) * 100:.1f}%)" if more == "more" else "(down") in relief
    assert f"{b.value('registered'):,.0f} hardship workers on the register" in relief
    assert f"relief coverage {b.value('coverage') * 100:.1f}%, " in relief
    assert "points higher than the year before" in relief or "points lower" in relief
    received = {d: v for d, v in b.funds.filter(b.funds["code"] == "fund_received")
                .select("dim", "value").iter_rows() if v}
    assert f"received: {yuan_en(sum(received.values()))}, of which " in funds
    for source, value in received.items():
        assert f"{b.label('fund_source', source, 'en')} {yuan_en(value)}" in funds
    assert "relief funds paid: " in funds
    assert f"of which {b.value('collective'):,.0f} collective" in rights
    zh = dict(paragraphs_zh(b))
    rates = [re.findall(r"\d+(?:\.\d+)?%", p) for p in (" ".join(zh.values()),
                                                          " ".join(en.values()))]
    assert rates[1] and all(re.fullmatch(r"\d+\.\d%", r) for r in rates[1]), rates[1]
    assert set(rates[0]) <= set(rates[1]), set(rates[0]) - set(rates[1])  # the same rates
