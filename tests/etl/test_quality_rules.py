"""Every data-quality and compliance rule on small warehouses with known problems."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from etl import key_types, quality
from tests.quality_fixtures import allocation, hardship, masked, relief, rows, warehouse


def summary(con) -> dict[str, tuple[int, int, float]]:
    return {c: (f, n, float(a)) for c, f, n, a in rows(con, "SELECT * FROM dq_summary")}


def test_clean_warehouse_has_no_findings():
    con = warehouse(relief_rows=[relief("a", "2012-01-10"), relief("a", "2012-02-10")],
                    files=[hardship("a", "2010-01-01")])
    assert all(f == 0 for f, _, _ in summary(con).values())
    assert {c.code for c in quality.CHECKS} == set(summary(con))


@pytest.mark.parametrize(("rows_", "flagged"), [
    # Two festival payments in one season (Spring Festival 2012-01-23) by two stations.
    ([relief("a", "2011-12-20", type="festival_condolence"),
      relief("a", "2012-02-10", type="festival_condolence", station="150702002")], True),
    # Same station twice: not a cross-station duplicate.
    ([relief("a", "2012-01-10", type="festival_condolence"),
      relief("a", "2012-01-20", type="festival_condolence")], False),
    # Two seasons (2012 and 2013) by two stations.
    ([relief("a", "2012-01-10", type="festival_condolence"),
      relief("a", "2013-01-20", type="festival_condolence", station="150702002")], False),
    # Other relief types: same calendar month.
    ([relief("a", "2012-03-05"), relief("a", "2012-03-25", station="150402000")], True),
    ([relief("a", "2012-03-05"), relief("a", "2012-04-05", station="150702002")], False),
    # Different relief types in one month.
    ([relief("a", "2012-03-05"), relief("a", "2012-03-06", type="medical",
                                          station="150702002")], False),
])
def test_duplicates_across_stations(rows_, flagged):
    con = warehouse(relief_rows=rows_)
    found = rows(con, "SELECT flag_key, id_masked, stations, n_stations FROM dq_duplicate_relief")
    if not flagged:
        assert found == []
        return
    assert len(found) == 2 and len({r[0] for r in found}) == 1  # one group
    assert found[0][1] == masked("a") and found[0][3] == 2
    assert found[0][2] == ",".join(sorted({r["station_code"] for r in rows_}))


def test_relief_after_exit():
    con = warehouse(
        relief_rows=[
            relief("d", "2012-01-10"),  # after exit: flagged
            relief("d", "2011-05-01"),  # before exit
            relief("d", "2012-02-10", group="model_worker"),  # model workers need no file
            relief("e", "2012-01-10"),  # exited then registered again
        ],
        files=[hardship("d", "2008-01-01", "2011-06-30"),
               hardship("e", "2005-01-01", "2009-12-31"), hardship("e", "2011-01-01")])
    found = rows(con, "SELECT id_masked, relief_date, exited_on, days_after_exit "
                      "FROM dq_relief_after_exit")
    assert found == [(masked("d"), date(2012, 1, 10), date(2011, 6, 30), 194)]


def test_not_on_file_where_fund_requires_it():
    con = warehouse(
        relief_rows=[
            relief("g", "2012-01-10", fund="central_special"),  # never on file
            relief("g", "2012-01-11", fund="donation"),  # donations need no file
            relief("h", "2012-05-01", fund="provincial_special"),  # before registration
            relief("h", "2012-07-01", fund="provincial_special"),  # after registration
        ],
        files=[hardship("h", "2012-06-01")])
    found = rows(con, "SELECT id_masked, relief_date FROM dq_relief_not_on_file ORDER BY 2")
    assert found == [(masked("g"), date(2012, 1, 10)), (masked("h"), date(2012, 5, 1))]


def _spread(n: int, county_station: str, centre: float = 500) -> list[dict]:
    """n ordinary amounts around `centre` (±20%) in one county."""
    return [relief(f"n{county_station}{i}", f"2012-{1 + i % 12:02d}-05", station=county_station,
                   amount=round(centre * (0.8 + 0.4 * i / n), 2)) for i in range(n)]


def test_outliers_by_robust_z_and_by_p99():
    normal = _spread(150, "150702001") + _spread(150, "150402000")
    high = relief("x", "2012-06-05", amount=20000)  # 40x the county median
    small_county = [relief("y", "2012-06-06", station="451030000", amount=9000),
                    relief("z", "2012-06-07", station="451030000", amount=400)]
    con = warehouse(relief_rows=[*normal, high, *small_county])
    found = rows(con, "SELECT id_masked, rule FROM dq_amount_outliers ORDER BY 1, 2")
    # x: robust z in a big group, and > 3x p99; y: only 3x p99 (its county has 2 rows)
    assert found == [(masked("x"), "p99x3"), (masked("x"), "robust_z"), (masked("y"), "p99x3")]
    assert summary(con)["amount_outlier"][:2] == (2, 2)


def test_outliers_when_most_amounts_are_equal():
    # Fixed festival amounts make the MAD zero; the mean absolute deviation stands in.
    same = [relief(f"s{i}", "2012-01-10", type="festival_condolence", amount=500)
            for i in range(30)]
    odd = relief("x", "2012-01-11", type="festival_condolence", amount=5000)
    con = warehouse(relief_rows=[*same, odd])
    assert rows(con, "SELECT id_masked FROM dq_amount_outliers WHERE rule = 'robust_z'") == [
        (masked("x"),)]


def test_p99_from_counts_is_quantile_cont_over_the_rows():
    """A full refresh takes each type's p99 from the rows per amount, as a scoped one does
    (amount_outliers.all_p99_from_counts): bit for bit DuckDB's quantile_cont over the rows,
    for a type of one row, of two, of 101 (rank 99: no interpolation) and of 157 amounts
    with repeats and cents spread over three counties; zero amounts left out."""
    spread = [relief(f"e{i}", "2012-03-05", type="education",
                     station=("150702001", "150402000", "451030000")[i % 3],
                     amount=[120.5, 300, 300, 875.25, 2400][i % 5] + i % 7) for i in range(157)]
    con = warehouse(relief_rows=[
        relief("a", "2012-01-10", type="living", amount=640),
        relief("b", "2012-01-10", type="medical", amount=80),
        relief("c", "2012-01-10", type="medical", amount=9100.1),
        relief("d", "2012-01-10", type="medical", amount=0),
        *(relief(f"t{i}", "2012-04-05", amount=100 + 3 * i) for i in range(101)), *spread])
    by_rows = """SELECT relief_type, quantile_cont(amount_yuan::DOUBLE, 0.99) AS p99
                 FROM relief WHERE amount_yuan > 0 GROUP BY ALL"""
    assert rows(con, f"SELECT count(*) FROM (FROM dq_amount_p99 EXCEPT ALL {by_rows})") == [(0,)]
    assert rows(con, f"SELECT count(*) FROM ({by_rows} EXCEPT ALL FROM dq_amount_p99)") == [(0,)]
    assert rows(con, "SELECT relief_type FROM dq_amount_p99 ORDER BY 1") == [
        ("education",), ("living",), ("medical",), ("temporary",)]


def test_fund_scope_with_the_bundled_rules():
    con = warehouse(relief_rows=[
        relief("m", "2012-01-10", fund="central_special", group="model_worker"),
        relief("m", "2012-01-10", fund="donation", group="model_worker"),
        relief("k", "2012-01-10", fund="provincial_special"),
    ], files=[hardship("k", "2010-01-01"), hardship("m", "2010-01-01")])
    assert rows(con, "SELECT id_masked, fund_source, outside FROM dq_fund_scope") == [
        (masked("m"), "central_special", "recipient_group")]


def test_fund_scope_follows_the_rules_file(tmp_path):
    rules = tmp_path / "fund_rules.csv"
    rules.write_text(
        "fund_source,relief_types,recipient_groups,requires_on_file,allocated,rule_zh,rule_en\n"
        "central_special,medical|education,*,no,yes,医疗和助学,medical and education only\n",
        encoding="utf-8")
    con = warehouse(relief_rows=[
        relief("a", "2012-01-10", fund="central_special", type="medical"),
        relief("b", "2012-01-10", fund="central_special", type="festival_condolence"),
        relief("c", "2012-01-10", fund="provincial_special"),  # no rule: not judged
    ], fund_rules=rules)
    assert rows(con, "SELECT id_masked, outside FROM dq_fund_scope") == [
        (masked("b"), "relief_type")]
    assert rows(con, "SELECT count(*) FROM dq_relief_not_on_file") == [(0,)]


def test_disbursed_over_received():
    con = warehouse(
        relief_rows=[relief("a", "2012-03-01", fund="central_special", amount=900),
                     relief("b", "2012-04-01", fund="central_special", amount=600),
                     relief("a", "2013-03-01", fund="central_special", amount=900),
                     relief("a", "2012-03-01", fund="provincial_special", amount=100),
                     relief("a", "2012-03-02", fund="union_own", amount=100)],
        files=[hardship("a", "2010-01-01"), hardship("b", "2010-01-01")],
        allocations=[allocation("150702", 2012, "central_special", 2000, 1000),
                     allocation("150702", 2013, "central_special", 1000, 1000)])
    found = rows(con, "SELECT year, fund_source, relief_rows, disbursed_yuan, received_yuan, "
                      "excess_yuan, no_allocation FROM dq_fund_overspend ORDER BY 1, 2")
    assert [(y, s, n, float(d), float(r), float(e), na) for y, s, n, d, r, e, na in found] == [
        (2012, "central_special", 2, 1500.0, 1000.0, 500.0, False),
        (2012, "provincial_special", 1, 100.0, 0.0, 100.0, True)]


def test_matching_funds_not_arrived():
    con = warehouse(allocations=[
        allocation("150422", 2011, "local_matching", 100000, 0),
        allocation("150422", 2012, "local_matching", 100000, 40000),
        allocation("150422", 2013, "local_matching", 100000, 100000),
        allocation("150402", 2011, "local_matching", 0, 0),
        allocation("150402", 2011, "central_special", 100000, 0),
    ])
    found = rows(con, "SELECT county_code, year, shortfall_yuan, arrival_rate "
                      "FROM dq_matching_arrears")
    assert [(c, y, float(s), r) for c, y, s, r in found] == [
        ("150422", 2011, 100000.0, 0.0), ("150422", 2012, 60000.0, 0.4)]


def test_above_standard_per_person_and_period():
    con = warehouse(relief_rows=[
        relief("i", "2012-01-05", type="festival_condolence", amount=1500),
        relief("i", "2012-02-01", type="festival_condolence", amount=1000),  # 2500 > 2000
        relief("j", "2012-06-01", amount=3000), relief("j", "2013-06-01", amount=3000),
        relief("k", "2012-06-01", amount=3000), relief("k", "2012-09-01", amount=2500),
    ])
    found = rows(con, "SELECT DISTINCT id_masked, period_key, standard_yuan, person_total_yuan "
                      "FROM dq_above_standard ORDER BY 1")
    assert [(m, p, s, float(t)) for m, p, s, t in found] == [
        (masked("i"), "2012", 2000.0, 2500.0), (masked("k"), "2012", 5000.0, 5500.0)]
    assert rows(con, "SELECT count(*) FROM dq_above_standard") == [(4,)]


def test_missing_and_late_monthly_reports():
    resent = relief("b", "2012-03-05", station="150702002", batch="resend")
    march = (resent["person_key"], resent["relief_date"], "temporary", "150702002")
    resent["relief_id"] = key_types.row_id(march)
    con = warehouse(
        relief_rows=[
            # station 1: March quiet (one month: not flagged), May-July missing (three)
            *(relief("a", f"2012-{m:02d}-05", batch="golive") for m in (1, 2, 4, 8)),
            # station 2: history at go-live, March on time (resent later), April late
            relief("b", "2012-01-05", station="150702002", batch="golive"),
            relief("b", "2012-02-05", station="150702002", batch="golive"),
            resent,
            relief("b", "2012-04-05", station="150702002", batch="late"),
            relief("b", "2012-05-05", station="150702002", batch="golive"),
        ],
        batches={"golive": datetime(2012, 3, 1), "mar": datetime(2012, 4, 10),
                 "late": datetime(2012, 6, 1), "resend": datetime(2012, 9, 1)})
    natural_key = "|".join(str(v) for v in march)  # as the load writes it
    con.execute("INSERT INTO row_replacements VALUES ('resend', 'relief', ?, 'mar')",
                [natural_key])
    quality.refresh(con)
    found = rows(con, "SELECT station_code, month, status FROM dq_station_months "
                      "WHERE status <> 'reported' ORDER BY 1, 2")
    assert found == [("150702001", date(2012, 3, 1), "empty"),
                     *(("150702001", date(2012, m, 1), "missing") for m in (5, 6, 7)),
                     ("150702002", date(2012, 4, 1), "late"),
                     *(("150702002", date(2012, m, 1), "missing") for m in (6, 7, 8))]
    assert rows(con, "SELECT count(*) FROM dq_station_months") == [(16,)]
    assert summary(con)["missing_report"][0] == 6


def test_findings_carry_masked_ids_only():
    con = warehouse(relief_rows=[relief("g", "2012-01-10", fund="central_special")])
    tables = [t for (t,) in rows(con, "SELECT table_name FROM duckdb_tables() "
                                      "WHERE table_name LIKE 'dq_%'")]
    for t in tables:
        cols = [c for (c,) in rows(con, f"SELECT column_name FROM duckdb_columns() "
                                        f"WHERE table_name = '{t}'")]
        assert "person_key" not in cols, t


def test_refresh_twice_gives_the_same_tables():
    con = warehouse(relief_rows=[relief("g", "2012-01-10", fund="central_special")])
    before = rows(con, "SELECT * FROM dq_relief_not_on_file")
    quality.refresh(con)
    assert rows(con, "SELECT * FROM dq_relief_not_on_file") == before


def test_changed_rules_apply_to_a_warehouse_on_disk(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    warehouse(path=str(db), relief_rows=[relief("b", "2012-01-10", fund="central_special",
                                                 type="festival_condolence")],
              files=[hardship("b", "2010-01-01")]).close()
    rules = tmp_path / "fund_rules.csv"
    rules.write_text(
        "fund_source,relief_types,recipient_groups,requires_on_file,allocated,rule_zh,rule_en\n"
        "central_special,medical,*,no,yes,只用于医疗,medical only\n", encoding="utf-8")
    monkeypatch.setattr(quality, "FUND_RULES_CSV", rules)
    assert quality.main(["--db", str(db)]) == 0
    assert "fund_out_of_scope: 1" in capsys.readouterr().out
    con = duckdb.connect(str(db), read_only=True)
    assert rows(con, "SELECT outside FROM dq_fund_scope") == [("relief_type",)]
    con.close()
