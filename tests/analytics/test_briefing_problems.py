"""存在的问题 in the briefing: drafted from facts only (amounts checked against SQL written
here), followed by a 下一步工作 heading for staff, and absent where nothing was found."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest
from docx import Document

from analytics.briefing import build_briefing, parse_period
from analytics.briefing.content import gather
from analytics.briefing.document import problem_paragraphs, write_docx
from analytics.briefing.text import paragraphs_en, paragraphs_zh
from analytics.briefing.wording import yuan_zh
from etl import load, warehouse
from tests.deployment_files import PLACES, station_files


def _sql(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _paragraphs(docx: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx)).paragraphs]


@pytest.fixture(scope="module")
def bairin_left(on_sample):
    """巴林左旗 (found by name) and its 2012 briefing."""
    code = _sql(on_sample, "SELECT region_code FROM regions WHERE name_zh = '巴林左旗'")[0][0]
    return code, build_briefing(code, "2012")


def test_bairin_left_2012_names_the_matching_funds_not_arrived(bairin_left, on_sample) -> None:
    code, b = bairin_left
    allocated, received = _sql(on_sample, "SELECT sum(allocated_yuan), sum(received_yuan) FROM "
                                       "fund_allocations WHERE county_code = ? AND year = 2012 "
                                       "AND fund_source = 'local_matching'", [code])[0]
    label = _sql(on_sample, "SELECT label_zh FROM labels WHERE domain = 'fund_source' "
                         "AND code = 'local_matching'")[0][0]
    assert allocated > received
    sentence = (f"{label}资金应到位{yuan_zh(float(allocated))}，实际到位{yuan_zh(float(received))}，"
                f"尚有{yuan_zh(float(allocated - received))}未到位。")
    # the briefing's body writes this sum 22万元 (test_briefing): never 22.0万元 here
    assert sentence == "地方财政配套资金应到位22万元，实际到位0元，尚有22万元未到位。"
    texts = _paragraphs(b.docx)
    start = texts.index("二、存在的问题")
    assert texts[start + 1] == f"一是{sentence}" and b.problems[0] == sentence
    after = texts.index("三、下一步工作")
    assert after == start + 1 + len(b.problems)  # one paragraph per problem, then the heading
    assert texts[after + 1] == "" and texts[after + 2] == "四、主要数据"  # left for staff


def test_problems_state_facts_of_the_attention_list(bairin_left, on_sample) -> None:
    """Each fall the section names is the stations' 同比 computed here."""
    code, b = bairin_left
    counts = dict(_sql(on_sample, "SELECT station_code || ':' || year(relief_date), "
                               "count(DISTINCT person_key) FROM relief WHERE county_code = ? "
                               "AND year(relief_date) IN (2011, 2012) GROUP BY 1", [code]))
    names = dict(_sql(on_sample, "SELECT region_code, name_zh FROM regions WHERE parent_code = ?",
                      [code]))
    fall = next(p for p in b.problems if "救助人数比上年下降" in p)
    for station, name in names.items():
        if name in fall.split("救助人数")[0]:
            now, before = counts[f"{station}:2012"], counts[f"{station}:2011"]
            assert f"{(before - now) / before * 100:.1f}%" in fall


def test_english_briefing_has_the_same_section(on_sample) -> None:
    data = gather("150422", parse_period("2012"))
    texts = _paragraphs(write_docx(data, [], [], lang="en"))
    start = texts.index("2. Problems")
    assert texts[start + 1] == ("1. Local matching funds not fully arrived: Bairin Left Banner "
                                "2012: due 220,000 yuan, received 0 yuan, 220,000 yuan not arrived.")
    assert "3. Next steps" in texts


def test_a_city_lists_its_counties_largest_gap_first_and_counts_the_rest(on_sample) -> None:
    rows = _sql(on_sample, "SELECT county_code, sum(allocated_yuan) - sum(received_yuan) AS gap "
                        "FROM fund_allocations WHERE county_code LIKE '1504%' AND year = 2012 "
                        "AND fund_source = 'local_matching' GROUP BY 1 HAVING gap > 0 "
                        "ORDER BY gap DESC, county_code")
    assert len(rows) > 5
    first = next(p for p in problem_paragraphs(gather("150400", parse_period("2012")))
                 if "未足额到位" in p)
    assert first.startswith("地方财政配套资金未足额到位：巴林左旗应到位22万元，")
    rest = sum(float(g) for _, g in rows[5:])
    assert first.endswith(f"；另有{len(rows) - 5}个旗县（市、区）未足额到位，合计{yuan_zh(rest)}。")


def test_data_quality_findings_are_named(on_sample) -> None:
    missing = _sql(on_sample, "SELECT count(*) FROM dq_station_months WHERE county_code = '150423' "
                           "AND status = 'missing' AND year(month) = 2017")[0][0]
    assert missing > 0
    problems = problem_paragraphs(gather("150423", parse_period("2017")))
    assert f"数据质量方面：漏报月份{missing}个。" in problems


# ---------------------------------------------------------------- a federation's own data

def _deployment(where: Path, funds: str | None = None) -> tuple[Path, str]:
    p = PLACES["deyang"]
    db = where / "w.duckdb"
    warehouse.init(db, [p.scope])
    files = station_files(where, p)
    if funds is not None:
        table = where / "帮扶资金下拨到位表.csv"
        table.write_text(f"年度,{p.header},资金来源,下拨金额（元）,到位金额（元）\n"
                         f"2026,{p.county_name},地方财政配套,{funds}\n", encoding="utf-8")
        files.append(table)
    assert load.load_files(files, db, rejects_dir=where / "rej").exit_code == 0
    return db, _sql(db, "SELECT DISTINCT county_code FROM relief")[0][0]


def test_a_deployment_with_no_findings_gets_no_section(tmp_path, monkeypatch) -> None:
    db, county = _deployment(tmp_path)
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    b = build_briefing(county, "2026")
    texts = _paragraphs(b.docx)
    assert b.problems == []
    assert not any("存在的问题" in t or "下一步工作" in t for t in texts)
    assert "二、主要数据" in texts  # the parts after it keep their numbers
    en = _paragraphs(write_docx(b.data, [], [], lang="en"))
    assert not any("Problems" in t or "Next steps" in t for t in en)


def test_another_province_in_its_own_words(tmp_path, monkeypatch) -> None:
    db, county = _deployment(tmp_path, funds="300000,200000")
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    data = gather(county, parse_period("2026"))
    problems = problem_paragraphs(data)
    assert problems[0] == "地方财政配套资金应到位30万元，实际到位20万元，尚有10万元未到位。"
    # the same sums, worded as the body of the briefing words them (text and problems alike)
    funds = next(p for h, p in paragraphs_zh(data) if h.endswith("帮扶资金"))
    funds_en = next(p for h, p in paragraphs_en(data) if h.endswith("Funds"))
    problem_en = problem_paragraphs(data, "en")[0]
    for zh, en in (("30万元", "300,000 yuan"), ("20万元", "200,000 yuan")):
        assert zh in funds and zh in problems[0]
        assert en in funds_en and en in problem_en
    assert not any("旗" in p or "自治区" in p for p in problems)
