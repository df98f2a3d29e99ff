"""bench/bench_sessions.py keeps working: two simultaneous sessions on the warehouse `etl init`
leaves, each opening the overview and clicking a region, with page times and no errors; and
its `validate` against Chromium on the tiny warehouse (tests/bench/conftest.py)."""

from __future__ import annotations

import json

import pytest

from etl.warehouse import init
from sample import regions as sample_regions
from tests.bench.scripts import bench, bench_main


def test_two_sessions_report_page_times(tmp_path):
    db, out = tmp_path / "warehouse.duckdb", tmp_path / "sessions.json"
    init(db, sample_regions.SCOPE)
    # in this process (its command line is validate's, below): the client's imports are made
    bench_main("bench_sessions.py", "--db", db, "--sessions", 2, "--views", 2, "--think", 0,
               "--timeout", 60, "--deadline", 90, "--out", out)
    (level,) = json.loads(out.read_text())["levels"]
    assert level["sessions"] == 2 and level["errors"] == 0, level["error_kinds"]
    assert level["open"]["n"] == 2 and level["click"]["n"] == 2
    assert 0 < level["p50_s"] <= level["p95_s"] <= level["max_s"] < 60
    rows = level["rows"]
    assert {(r["session"], r["view"]) for r in rows} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    # an open view counts the page, the handshake and the run; a click the run only
    assert all(r["seconds"] >= r["run_s"] > 0 for r in rows)
    assert level["server_cpu_s"] > 0


@pytest.mark.browser
def test_sessions_validate_against_chromium(pages_all):
    """`bench_sessions.py validate` (its `run` is tested above): one view by Chromium,
    returning and new, and by the benchmark's client, cold and cached. Without the untimed
    first view (--no-warm-up: no figure read here depends on it; a page view in Chromium
    costs ~2 CPU-s)."""
    db, _ = pages_all
    out = json.loads(bench("bench_sessions.py", "validate", "--db", db, "--repeats", 1,
                           "--timeout", 60, "--no-warm-up").strip().splitlines()[-1])
    for who, state in (("browser", "cold"), ("browser", "cached"), ("new_browser", "cached"),
                       ("client", "cold"), ("client", "cached")):
        assert 0 < out[f"{who}_{state}_s"]["median"] < 60
    assert out["browser_cold_idle_s"]["median"] >= out["browser_cold_s"]["median"]
