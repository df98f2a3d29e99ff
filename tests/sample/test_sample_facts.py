"""The documents' facts (DESIGN.md §2), queried from the sample warehouse as users would.

Each fact has its own test with its SQL; cumulative figures are as of 2012-12-31.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from lunardate import LunarDate

from core.schema import TABLES

HAILAR, BAIRIN_LEFT, XILIN = "150702", "150422", "451030"
END_2012 = date(2012, 12, 31)
SAMPLE_END = date(2024, 12, 31)


@pytest.fixture(scope="module")
def con(sample_db):
    c = duckdb.connect(str(sample_db), read_only=True)
    yield c
    c.close()


def rows(con, sql: str, *params) -> list[tuple]:
    return con.sql(sql, params=list(params)).fetchall()


def test_hailar_2012_festival_persons(con):
    sql = """
        SELECT recipient_group, COUNT(DISTINCT person_key)
        FROM relief
        WHERE county_code = ? AND relief_type = 'festival_condolence'
          AND relief_date BETWEEN DATE '2012-01-01' AND DATE '2012-12-31'
        GROUP BY recipient_group"""
    assert dict(rows(con, sql, HAILAR)) == {
        "hardship_worker": 803, "model_worker": 2, "temporary_relief": 81}
    total = """
        SELECT COUNT(DISTINCT person_key), MAX(relief_date) FROM relief
        WHERE county_code = ? AND relief_type = 'festival_condolence'
          AND relief_date BETWEEN DATE '2012-01-01' AND DATE '2012-12-31'"""
    persons, last = rows(con, total, HAILAR)[0]
    assert persons == 886
    # every 2012 visit is before the 2012 Spring Festival: calendar year = the 2012 season
    assert last < LunarDate(2012, 1, 1).to_solar_date()


def test_hailar_2012_festival_amount(con):
    sql = """
        SELECT SUM(amount_yuan) FROM relief
        WHERE county_code = ? AND relief_type = 'festival_condolence'
          AND relief_date BETWEEN DATE '2012-01-01' AND DATE '2012-12-31'"""
    assert 610_000 <= rows(con, sql, HAILAR)[0][0] <= 619_999  # 61万余元


def test_hailar_loans_since_1997(con):
    first = rows(con, "SELECT MIN(issued_on) FROM loans WHERE county_code = ?", HAILAR)[0][0]
    assert (first.year, first.month) == (1997, 3)
    sql = """
        SELECT COUNT(DISTINCT l.person_key), SUM(l.jobs_created),
               COUNT(DISTINCT l.person_key) FILTER (WHERE h.category = 'laid_off')
        FROM loans l
        LEFT JOIN hardship_files h ON h.person_key = l.person_key AND h.county_code = l.county_code
        WHERE l.county_code = ? AND l.issued_on <= ?"""
    persons, _, laid_off = rows(con, sql, HAILAR, END_2012)[0]
    assert persons == 48 and laid_off == 48
    jobs = rows(con, "SELECT SUM(jobs_created) FROM loans WHERE county_code = ? AND issued_on <= ?",
                HAILAR, END_2012)[0][0]
    assert 200 <= jobs <= 299  # 200多人次


def test_loans_partly_repaid_never_in_the_future(con):
    """About 90% of loans are eventually repaid; recent due years are still partly open."""
    assert rows(con, "SELECT COUNT(*) FROM loans WHERE repaid_on > ?", SAMPLE_END)[0][0] == 0
    by_year = dict(rows(con, """
        SELECT year(due_on), COUNT(repaid_on) / COUNT(*) FROM loans
        WHERE year(due_on) BETWEEN 2010 AND 2024 GROUP BY 1"""))
    settled = rows(con, """
        SELECT COUNT(repaid_on) / COUNT(*) FROM loans
        WHERE year(due_on) BETWEEN 2010 AND 2021""")[0][0]
    assert 0.85 <= settled <= 0.95
    assert all(0.75 <= r < 1 for r in by_year.values()), by_year
    assert by_year[2023] < settled and by_year[2024] < settled


def test_placement_unknown_until_six_months_after_the_course(con):
    """Courses ending after 2024-06-30: placement within six months is not yet known (NULL)."""
    sql = """
        SELECT end_on + INTERVAL 6 MONTH > ? AS open, COUNT(*),
               COUNT(*) FILTER (WHERE placed_within_6m IS NULL)
        FROM training WHERE course <> 'frontline_skills' GROUP BY 1"""
    counts = {open_: (n, nulls) for open_, n, nulls in rows(con, sql, SAMPLE_END)}
    assert counts[True][0] > 0 and counts[True][1] == counts[True][0]
    assert counts[False][1] == 0
    frontline = rows(con, """
        SELECT COUNT(placed_within_6m) FROM training WHERE course = 'frontline_skills'""")
    assert frontline[0][0] == 0  # already employed: placement does not apply


def test_hailar_pharmacy_cards(con):
    sql = """
        SELECT COUNT(DISTINCT person_key), MIN(issued_on) FROM medical_cards
        WHERE county_code = ? AND kind = 'pharmacy' AND issued_on <= ?"""
    holders, first = rows(con, sql, HAILAR, END_2012)[0]
    assert holders == 730 and first.year == 2006


def test_hailar_pharmacy_discounts(con):
    sql = """
        SELECT SUM(discount_yuan),
               COUNT(*) FILTER (WHERE discount_yuan < 0.08 * gross_yuan
                                   OR discount_yuan > 0.20 * gross_yuan)
        FROM medical_benefits
        WHERE county_code = ? AND kind = 'pharmacy' AND benefit_on <= ?"""
    saved, off_band = rows(con, sql, HAILAR, END_2012)[0]
    assert 67_500 <= saved <= 68_499 and off_band == 0  # 6.8万元, 8%–20% off


def test_hailar_partner_hospital(con):
    first = rows(con, """
        SELECT MIN(benefit_on) FROM medical_benefits
        WHERE county_code = ? AND kind IN ('outpatient_registration', 'exam', 'inpatient')""",
                 HAILAR)[0][0]
    assert first >= date(2008, 7, 1)
    sums = dict(rows(con, """
        SELECT kind, SUM(discount_yuan) FROM medical_benefits
        WHERE county_code = ? AND kind <> 'pharmacy' AND benefit_on <= ? GROUP BY kind""",
                     HAILAR, END_2012))
    assert sums == {"outpatient_registration": 2294, "exam": 3329, "inpatient": 15724}
    broken = rows(con, """
        SELECT COUNT(*) FROM medical_benefits
        WHERE county_code = ? AND NOT CASE kind
            WHEN 'outpatient_registration' THEN discount_yuan = gross_yuan
            WHEN 'exam' THEN gross_yuan > 100 AND discount_yuan = ROUND(gross_yuan * 0.15, 2)
            WHEN 'inpatient' THEN discount_yuan = ROUND(LEAST(gross_yuan, 10000) * 0.10
                                   + GREATEST(gross_yuan - 10000, 0) * 0.15, 2)
            ELSE TRUE END""", HAILAR)[0][0]
    assert broken == 0


def test_bairin_left_special_funds_and_missing_matching(con):
    sources = {s for (s,) in rows(con, """
        SELECT DISTINCT fund_source FROM relief WHERE county_code = ? AND relief_date <= ?""",
                                  BAIRIN_LEFT, END_2012)}
    assert {"central_special", "provincial_special"} <= sources
    assert "local_matching" not in sources
    matching = rows(con, """
        SELECT year, allocated_yuan, received_yuan FROM fund_allocations
        WHERE county_code = ? AND fund_source = 'local_matching' AND year BETWEEN 2010 AND 2012
        ORDER BY year""", BAIRIN_LEFT)
    assert [y for y, _, _ in matching] == [2010, 2011, 2012]
    assert all(a > 0 and r == 0 for _, a, r in matching)


def test_xilin_trains_1000_frontline_workers_in_2012(con):
    sql = """
        SELECT COUNT(DISTINCT person_key) FROM training
        WHERE county_code = ? AND course = 'frontline_skills'
          AND start_on BETWEEN DATE '2012-01-01' AND DATE '2012-12-31'"""
    assert rows(con, sql, XILIN)[0][0] >= 1000


def test_xilin_harmonious_enterprises(con):
    harmonious, with_union = rows(con, """
        SELECT harmonious, with_union FROM union_coverage WHERE county_code = ? AND year = 2012""",
                                  XILIN)[0]
    assert harmonious / with_union == pytest.approx(0.80)
    excellent = {e for (e,) in rows(con, """
        SELECT excellent_unions FROM union_coverage WHERE county_code = ?""", XILIN)}
    assert excellent == {3}


@pytest.mark.parametrize("table", [t for t in TABLES if t not in (
    "row_replacements", "unchanged_rows", "load_rejects", "regions", "labels",
    "load_batches")])
def test_every_table_gets_sample_rows(con, table):
    assert rows(con, f"SELECT COUNT(*) FROM {table}")[0][0] > 0


def test_exactly_the_planted_bad_rows_are_rejected(con, sample_build):
    truth = json.loads((sample_build[1] / "ground_truth.json").read_text(encoding="utf-8"))
    assert sample_build[2].exit_code == 3  # `python -m sample build` exits 3, as make run expects
    rejected = rows(con, "SELECT file_name, column_name, value FROM load_rejects")
    assert len(rejected) == len(truth["bad_rows"])
    assert {r[0] for r in rejected} == {b["file"].split("/")[-1] for b in truth["bad_rows"]}
