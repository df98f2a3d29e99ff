"""etl/quality keeps its findings after a load only while the checks and the rules are the ones
they were judged by: dq_meta's version is VERSION with a digest of the rule tables, so one
comparison says so; a warehouse whose dq_meta holds VERSION alone (an earlier version's) is
compared table by table, as before."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from etl import quality
from etl.quality_rules import FUND_RULES_CSV, read_fund_rules, read_relief_standards


@pytest.fixture
def con(loaded, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(loaded["dir"] / "after_a.duckdb", db)
    with duckdb.connect(str(db)) as con:
        yield con


def _rules(con, fund_rules=None):
    return quality._rule_tables(con, read_fund_rules(fund_rules or FUND_RULES_CSV),
                                read_relief_standards())


def _version(con) -> str:
    return con.execute("SELECT version FROM dq_meta").fetchall()[0][0]


def test_a_load_stores_the_checks_and_the_rules_it_judged_by(con):
    rules = _rules(con)
    assert _version(con) == quality._version(rules)
    assert _version(con).startswith(quality.VERSION + ":")
    assert quality._unchanged(con, rules)


def test_other_rules_are_a_change(con, tmp_path):
    text = FUND_RULES_CSV.read_text(encoding="utf-8")
    edited = tmp_path / "fund_rules.csv"
    edited.write_text(text.replace("yes", "no", 1), encoding="utf-8")
    other = _rules(con, edited)
    assert quality._version(other) != _version(con)
    assert not quality._unchanged(con, other)
    quality.refresh(con, fund_rules=edited, scoped=True)  # made whole, then kept
    assert _version(con) == quality._version(other) and quality._unchanged(con, other)


def test_an_earlier_versions_stamp_is_compared_by_the_tables(con, tmp_path):
    rules = _rules(con)
    con.execute("UPDATE dq_meta SET version = $v", {"v": quality.VERSION})
    assert quality._unchanged(con, rules)  # the same rows in the rule tables
    con.execute("DELETE FROM dq_fund_rules WHERE rowid = (SELECT min(rowid) FROM dq_fund_rules)")
    assert not quality._unchanged(con, rules)
    con.execute("UPDATE dq_meta SET version = 'earlier'")
    assert not quality._unchanged(con, _rules(con))
