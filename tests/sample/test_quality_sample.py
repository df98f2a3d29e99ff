"""The checks on the bundled sample find exactly the problems planted in it (ground_truth.json)."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from etl.pseudonym import mask_id


def _mask(id_number: str) -> str:
    """The warehouse's display form of an ID number."""
    return pl.select(mask_id(pl.lit(id_number))).item()


@pytest.fixture(scope="module")
def sample(sample_build):
    db, out, _ = sample_build
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    planted = {p["problem"]: p for p in truth["planted_problems"]}
    con = duckdb.connect(str(db), read_only=True)
    yield con, planted
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def test_masked_ids_match_the_warehouse(sample):
    con, planted = sample
    ids = planted["relief_after_exit"]["id_numbers"]
    masked = {m for (m,) in _rows(con, "SELECT id_masked FROM persons")}
    assert {_mask(i) for i in ids} <= masked


def test_duplicate_festival_relief(sample):
    con, planted = sample
    p = planted["duplicate_festival_relief"]
    found = _rows(con, "SELECT DISTINCT id_masked, campaign, county_code FROM dq_duplicate_relief")
    assert {m for m, _, _ in found} == {_mask(i) for i in p["id_numbers"]}
    assert {(c, k) for _, c, k in found} == {(f"{p['season']}两节", p["county_code"])}
    stations = {s for (s,) in _rows(con, "SELECT DISTINCT station_code FROM dq_duplicate_relief")}
    assert stations <= set(p["stations"])


def test_relief_after_exit(sample):
    con, planted = sample
    p = planted["relief_after_exit"]
    found = _rows(con, "SELECT id_masked, relief_date::VARCHAR, exited_on::VARCHAR "
                       "FROM dq_relief_after_exit")
    expected = {(_mask(i), d, e) for i, d, e in
                zip(p["id_numbers"], p["relief_dates"], p["exited_on"], strict=True)}
    assert set(found) == expected


def test_amount_outliers(sample):
    con, planted = sample
    p = planted["amount_outlier"]
    found = _rows(con, "SELECT DISTINCT id_masked, relief_date::VARCHAR, amount_yuan::DOUBLE "
                       "FROM dq_amount_outliers")
    assert set(found) == {(_mask(i), d, float(a)) for i, d, a in
                          zip(p["id_numbers"], p["relief_dates"], p["amounts_yuan"], strict=True)}


def test_missing_monthly_reports(sample):
    con, planted = sample
    p = planted["missing_monthly_reports"]
    found = _rows(con, "SELECT station_code, strftime(month, '%Y-%m') FROM dq_station_months "
                       "WHERE status = 'missing' ORDER BY 1, 2")
    assert found == [(p["station_code"], m) for m in p["months"]]
    # Loaded at once: no deadline fell after go-live, so nothing is late.
    assert _rows(con, "SELECT count(*) FROM dq_station_months WHERE status = 'late'") == [(0,)]


def test_fund_outside_scope(sample):
    con, planted = sample
    p = planted["fund_outside_scope"]
    found = _rows(con, "SELECT id_masked, fund_source, recipient_group, outside FROM dq_fund_scope")
    assert set(found) == {(_mask(i), p["fund_source"], p["recipient_group"], "recipient_group")
                          for i in p["id_numbers"]}


def test_matching_funds_of_bairin_left_not_arrived_up_to_2012(sample):
    con, _ = sample
    years = {y for (y,) in _rows(con, "SELECT year FROM dq_matching_arrears "
                                      "WHERE county_code = '150422' AND received_yuan = 0")}
    assert set(range(2005, 2013)) <= years


def test_above_standard_only_where_a_planted_problem_explains_it(sample):
    con, planted = sample
    explained = {_mask(i) for key in ("duplicate_festival_relief", "amount_outlier")
                 for i in planted[key]["id_numbers"]}
    found = {m for (m,) in _rows(con, "SELECT DISTINCT id_masked FROM dq_above_standard")}
    assert found and found <= explained


def test_no_overspending_in_the_sample(sample):
    con, _ = sample
    assert _rows(con, "SELECT count(*) FROM dq_fund_overspend") == [(0,)]
