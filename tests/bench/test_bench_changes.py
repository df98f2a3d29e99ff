"""The scripts that change a copy of the tiny warehouse (tests/bench/conftest.py) step by step,
each step in a child process that runs the script's command line (its main() runs in this
process: tests/bench/scripts.bench_main): bench_withdraw.py (a monthly file loaded, withdrawn,
loaded again, corrected and the correction withdrawn, the warehouse compared with its state
before) and bench_incremental.py (the same steps with the time of each part). A module of
their own: with tests/bench/test_bench_smoke.py's they made one module of 4 minutes on one
worker."""

from __future__ import annotations

import json

from tests.bench.scripts import COUNTY, bench_main


def test_withdraw_leaves_the_warehouse_as_before(pages_all, tiny_files, tmp_path):
    source, _ = pages_all
    out = json.loads(bench_main("bench_withdraw.py", "--source", source, "--files", tiny_files,
                                "--county", COUNTY, "--work", tmp_path, "--check"))
    steps = [(s["action"], s.get("status")) for s in out["steps"]]
    assert steps == [("load", "loaded"), ("withdraw", None), ("load", "loaded"),
                     ("load", "loaded"), ("withdraw", None)]
    first, withdrawn, _, corrected, back = out["steps"]
    assert withdrawn["rows_removed"] == first["rows_loaded"] > 0
    assert corrected["updated"] > 0 and back["rows_restored"] == corrected["updated"]
    assert out["differences_after_withdrawal"] == {}
    assert all(s["seconds"] > 0 and s["peak_mb"] > 0 for s in out["steps"])


def test_incremental_times_each_step_of_a_monthly_load_and_withdrawal(pages_all, tiny_files,
                                                                     tmp_path):
    """bench_incremental.py: a monthly file into a copy of the tiny warehouse, withdrawn,
    loaded again, corrected and the correction withdrawn, each step with its parts."""
    source, _ = pages_all
    out = json.loads(bench_main("bench_incremental.py", "--source", source, "--files",
                                tiny_files, "--rows", 200, "--work", tmp_path))
    assert [s["action"] for s in out["steps"]] == ["load", "withdraw", "load", "load",
                                                    "withdraw"]
    first, withdrawn, _, corrected, back = out["steps"]
    assert 0 < first["rows_loaded"] <= 200 and withdrawn["rows_removed"] == first["rows_loaded"]
    assert corrected["updated"] > 0 and back["rows_restored"] == corrected["updated"]
    for step in out["steps"]:
        assert step["seconds"] > 0 and step["parts"]["data-quality refresh"] > 0
        assert {"amount_outliers", "station_months"} <= set(step["checks"])
