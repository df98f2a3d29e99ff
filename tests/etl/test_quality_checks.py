"""Golden rows for every data-quality check of etl/checks/: given these warehouse rows, expect
exactly these findings in the check's table and this row of `dq_summary`.

One case (or more) per check, each with a row at or just inside the check's threshold that
must not be flagged; a check added to etl/checks/ without a case here fails
`test_every_check_has_golden_rows`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from analytics.quality import NUMBERED
from etl import checks
from etl.checks import contract
from tests.quality_fixtures import allocation, hardship, masked, relief, rows, warehouse


@dataclass
class Golden:
    code: str  # the check (etl/checks/, dq_checks.code)
    given: dict[str, Any]  # warehouse(...) arguments: relief_rows, files, allocations, batches
    query: str  # the findings, read from the check's table
    expect: list[tuple]
    summary: tuple[int, int, float]  # dq_summary: findings, rows, amount_yuan
    rules: str | None = None  # a fund_rules.csv to judge by instead of the bundled one
    note: str = ""  # why the case is there, when its comment does not say


def _months(person: str, station: str, months: tuple[int, ...], batch: str = "b1") -> list:
    return [relief(person, f"2012-{m:02d}-05", station=station, batch=batch) for m in months]


def _spread(n: int, station: str, centre: float = 500) -> list[dict]:
    """n ordinary amounts around `centre` (±20%) at one station."""
    return [relief(f"n{station}{i}", f"2012-{1 + i % 12:02d}-05", station=station,
                   amount=round(centre * (0.8 + 0.4 * i / n), 2)) for i in range(n)]


GOLDEN: list[Golden] = [
    Golden("missing_report",
           # Feb-Mar silent (two months: empty), May-Jul silent (three: missing)
           {"relief_rows": _months("a", "150702001", (1, 4, 8))},
           "SELECT month, status FROM dq_station_months WHERE status <> 'reported' ORDER BY 1",
           [(date(2012, 2, 1), "empty"), (date(2012, 3, 1), "empty"),
            *((date(2012, m, 1), "missing") for m in (5, 6, 7))],
           (3, 3, 0.0)),
    Golden("late_report",
           # deadline: month end + 15 days. April arrives on its deadline (on time), May a
           # second after it (late); January's deadline came before the first load (not judged)
           {"relief_rows": [*_months("b", "150702002", (1,), "golive"),
                            *_months("b", "150702002", (2, 3), "golive"),
                            *_months("b", "150702002", (4,), "apr"),
                            *_months("b", "150702002", (5,), "may")],
            "batches": {"golive": datetime(2012, 3, 1), "apr": datetime(2012, 5, 16),
                        "may": datetime(2012, 6, 16, 0, 0, 1)}},
           "SELECT month, rows FROM dq_station_months WHERE status = 'late'",
           [(date(2012, 5, 1), 1)],
           (1, 1, 500.0)),
    Golden("duplicate_relief",
           # one festival season (Spring Festival 2012) paid by two stations; the same month
           # twice at one station is not a cross-station duplicate
           {"relief_rows": [relief("a", "2011-12-20", type="festival_condolence"),
                            relief("a", "2012-02-10", type="festival_condolence",
                                   station="150702002"),
                            relief("c", "2012-03-05"), relief("c", "2012-03-25")]},
           # flag_id: the groups numbered as the pages and exports number them
           f"SELECT dense_rank() OVER (ORDER BY {NUMBERED['duplicate_relief']}) AS flag_id, "
           "campaign, n_stations, stations, id_masked, relief_date "
           "FROM dq_duplicate_relief ORDER BY relief_date",
           [(1, "2012两节", 2, "150702001,150702002", masked("a"), date(2011, 12, 20)),
            (1, "2012两节", 2, "150702001,150702002", masked("a"), date(2012, 2, 10))],
           (1, 2, 1000.0)),
    Golden("relief_after_exit",
           {"relief_rows": [relief("d", "2012-01-10"),  # after exit
                            relief("d", "2012-01-20", group="not_stated"),  # may be one
                            relief("d", "2011-06-30"),  # on the exit date
                            relief("d", "2012-02-10", group="model_worker"),  # needs no file
                            relief("e", "2012-01-10")],  # registered again
            "files": [hardship("d", "2008-01-01", "2011-06-30"),
                      hardship("e", "2005-01-01", "2009-12-31"), hardship("e", "2011-01-01")]},
           "SELECT id_masked, relief_date, recipient_group, days_after_exit "
           "FROM dq_relief_after_exit",
           [(masked("d"), date(2012, 1, 10), "hardship_worker", 194),
            (masked("d"), date(2012, 1, 20), "not_stated", 204)],
           (2, 2, 1000.0)),
    Golden("not_on_file",
           {"relief_rows": [relief("g", "2012-01-10", fund="central_special"),  # never on file
                            relief("g", "2012-01-11", fund="donation"),  # needs no file
                            relief("h", "2012-05-31", fund="provincial_special"),  # day before
                            relief("h", "2012-06-01", fund="provincial_special")],  # that day
            "files": [hardship("h", "2012-06-01")]},
           "SELECT id_masked, relief_date, fund_source FROM dq_relief_not_on_file",
           [(masked("g"), date(2012, 1, 10), "central_special"),
            (masked("h"), date(2012, 5, 31), "provincial_special")],
           (2, 2, 1000.0)),
    Golden("amount_outlier",
           # x: 40x its county's median (robust z) and > 3x the type's p99; y: only > 3x p99
           # (its county has 2 rows, fewer than the 20 a robust z needs)
           {"relief_rows": [*_spread(150, "150702001"), *_spread(150, "150402000"),
                            relief("x", "2012-06-05", amount=20000),
                            relief("y", "2012-06-06", station="451030000", amount=9000),
                            relief("z", "2012-06-07", station="451030000", amount=400)]},
           "SELECT id_masked, rule, threshold FROM dq_amount_outliers ORDER BY 1, 2",
           [(masked("x"), "p99x3", 3.0), (masked("x"), "robust_z", 3.5),
            (masked("y"), "p99x3", 3.0)],
           (2, 2, 29000.0)),
    Golden("fund_out_of_scope",
           # special funds for hardship workers: a model worker is outside; a group the file
           # did not state is judged on the type alone
           {"relief_rows": [relief("m", "2012-01-10", fund="central_special",
                                   group="model_worker"),
                            relief("m", "2012-01-11", fund="donation", group="model_worker"),
                            relief("k", "2012-01-10", fund="central_special",
                                   group="not_stated")],
            "files": [hardship("k", "2010-01-01"), hardship("m", "2010-01-01")]},
           "SELECT id_masked, fund_source, outside FROM dq_fund_scope",
           [(masked("m"), "central_special", "recipient_group")],
           (1, 1, 500.0)),
    Golden("fund_out_of_scope",
           {"relief_rows": [relief("a", "2012-01-10", fund="central_special", type="medical"),
                            relief("b", "2012-01-10", fund="central_special",
                                   type="festival_condolence"),
                            relief("c", "2012-01-10", fund="provincial_special")]},
           "SELECT id_masked, outside FROM dq_fund_scope",
           [(masked("b"), "relief_type")],
           (1, 1, 500.0),
           rules="central_special,medical|education,*,no,yes,医疗和助学,medical and education\n",
           note="a rules file naming medical and education only; sources it omits are not "
                "judged"),
    Golden("disbursed_over_received",
           # 2012: 1500 paid, 1000 received; 2013: 1000 paid, 1000 received (not over);
           # provincial: paid with no allocation row (nothing received); union_own: not allocated
           {"relief_rows": [relief("a", "2012-03-01", fund="central_special", amount=900),
                            relief("b", "2012-04-01", fund="central_special", amount=600),
                            relief("a", "2013-03-01", fund="central_special", amount=1000),
                            relief("a", "2012-03-01", fund="provincial_special", amount=100),
                            relief("a", "2012-03-02", fund="union_own", amount=100)],
            "files": [hardship("a", "2010-01-01"), hardship("b", "2010-01-01")],
            "allocations": [allocation("150702", 2012, "central_special", 2000, 1000),
                            allocation("150702", 2013, "central_special", 1000, 1000)]},
           "SELECT year, fund_source, relief_rows, disbursed_yuan::DOUBLE, "
           "received_yuan::DOUBLE, excess_yuan::DOUBLE, no_allocation "
           "FROM dq_fund_overspend ORDER BY 1, 2",
           [(2012, "central_special", 2, 1500.0, 1000.0, 500.0, False),
            (2012, "provincial_special", 1, 100.0, 0.0, 100.0, True)],
           (2, 3, 600.0)),
    Golden("matching_not_arrived",
           {"allocations": [allocation("150422", 2011, "local_matching", 100000, 0),
                            allocation("150422", 2012, "local_matching", 100000, 40000),
                            allocation("150422", 2013, "local_matching", 100000, 100000),
                            allocation("150402", 2011, "local_matching", 0, 0),
                            allocation("150402", 2011, "central_special", 100000, 0)]},
           "SELECT county_code, year, shortfall_yuan::DOUBLE, arrival_rate "
           "FROM dq_matching_arrears",
           [("150422", 2011, 100000.0, 0.0), ("150422", 2012, 60000.0, 0.4)],
           (2, 2, 160000.0)),
    Golden("above_standard",
           # festival: 2500 in one season > 2000; temporary: 5500 in 2012 > 5000; k's 5000
           # is the standard itself (not above); j's two years are two periods
           {"relief_rows": [
               relief("i", "2012-01-05", type="festival_condolence", amount=1500),
               relief("i", "2012-02-01", type="festival_condolence", amount=1000),
               relief("j", "2012-06-01", amount=3000), relief("j", "2012-09-01", amount=2500),
               relief("j", "2013-06-01", amount=3000),
               relief("k", "2012-06-01", amount=3000), relief("k", "2012-09-01", amount=2000)]},
           f"SELECT dense_rank() OVER (ORDER BY {NUMBERED['above_standard']}) AS flag_id, "
           "id_masked, period, period_key, standard_yuan, "
           "person_total_yuan::DOUBLE, excess_yuan::DOUBLE, relief_date "
           "FROM dq_above_standard ORDER BY flag_id, relief_date",
           [(1, masked("i"), "campaign", "2012", 2000.0, 2500.0, 500.0, date(2012, 1, 5)),
            (1, masked("i"), "campaign", "2012", 2000.0, 2500.0, 500.0, date(2012, 2, 1)),
            (2, masked("j"), "year", "2012", 5000.0, 5500.0, 500.0, date(2012, 6, 1)),
            (2, masked("j"), "year", "2012", 5000.0, 5500.0, 500.0, date(2012, 9, 1))],
           (2, 4, 1000.0)),
]

_RULES_HEADER = ("fund_source,relief_types,recipient_groups,requires_on_file,allocated,"
                 "rule_zh,rule_en\n")


@pytest.mark.parametrize("case", GOLDEN, ids=[f"{g.code}-{i}" for i, g in enumerate(GOLDEN)])
def test_golden_rows(case: Golden, tmp_path):
    kw = dict(case.given)
    if case.rules:
        kw["fund_rules"] = tmp_path / "fund_rules.csv"
        kw["fund_rules"].write_text(_RULES_HEADER + case.rules, encoding="utf-8")
    con = warehouse(**kw)
    assert rows(con, case.query) == case.expect
    found = con.execute("SELECT findings, rows, amount_yuan::DOUBLE FROM dq_summary "
                        "WHERE code = ?", [case.code]).fetchall()
    assert found == [case.summary]


def test_every_check_has_golden_rows():
    assert {c.code for c in checks.CHECKS} == {g.code for g in GOLDEN}


@pytest.mark.parametrize("statement", checks.STATEMENTS, ids=lambda s: s.name)
def test_statement_contract(statement):
    """Each statement writes the table it names, binds exactly its thresholds, and its checks
    are counted from that table."""
    assert re.search(rf"CREATE OR REPLACE (TEMP )?(TABLE|VIEW) {statement.table} AS",
                     statement.sql)
    assert set(re.findall(r"\$(\w+)", statement.sql)) == set(statement.params)
    for check in statement.checks:
        assert check.table == statement.table
        assert re.search(rf"FROM \(?.*\b{statement.table}\b", check.summary)
    assert statement.flags
    # and says which of its findings a batch can change (etl/checks/contract.py's Scope)
    assert statement.scope.key and (statement.scope.whole or statement.scope.stale != "false")
    if statement.by_period:  # read by periods from the campaigns, sorted as its parts are
        assert "{campaigns}" in statement.sql
        assert re.search(r"ORDER BY [^()]*$", statement.sql)


def test_names_and_codes_are_unique():
    names = [s.name for s in checks.STATEMENTS]
    codes = [c.code for c in checks.CHECKS]
    assert len(set(names)) == len(names) and len(set(codes)) == len(codes)


def _seasons_and_years() -> list[dict]:
    """Duplicates and totals above the standard in every period of 2009-2013: festival
    relief paid by two stations on both sides of a season's start (a season's rows span two
    calendar years; December 2013 is season 2014, past the last year), and temporary relief
    over a year's standard in two payments."""
    rows = []
    for y in range(2009, 2014):
        p = f"p{y}"
        rows += [relief(p, f"{y}-08-20", type="festival_condolence", amount=1200),
                 relief(p, f"{y + 1}-01-10" if y < 2013 else "2013-12-30",
                        type="festival_condolence", station="150702002", amount=1200),
                 relief(p, f"{y}-03-05", amount=3000),
                 relief(p, f"{y}-11-05", station="150702002", amount=2500),
                 relief(f"q{y}", f"{y}-05-05")]
    return rows


@pytest.mark.parametrize("part_rows", [1, 7])
def test_by_period_parts_find_what_one_query_finds(part_rows, monkeypatch):
    """A full refresh a range of periods at a time (contract.run_by_period: one period per
    part, or a few) writes the same rows, in the same order, as the statement's SELECT over
    the whole table."""
    monkeypatch.setattr(contract, "PERIOD_PART_ROWS", part_rows)
    con = warehouse(relief_rows=_seasons_and_years())
    assert len(contract.period_parts(con)) == (6 if part_rows == 1 else 3)
    checks.STATEMENTS[0].run(con)  # the campaigns view, which the refresh drops at its end
    for statement in (s for s in checks.STATEMENTS if s.by_period):
        parts = con.execute(f"FROM {statement.table}").fetchall()
        con.execute(statement.text(), statement._params(statement.sql))  # in one query
        whole = con.execute(f"FROM {statement.table}").fetchall()
        assert len(parts) >= 10 and parts == whole, statement.name
