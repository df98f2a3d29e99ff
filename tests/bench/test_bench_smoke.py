"""Every script in bench/ runs at a tiny scale and prints its results, so a change to the
product that breaks a benchmark fails here and not on the day someone measures.

Each script runs as `make bench` and RESULTS.md run it: a subprocess of this Python, with the
session's pseudonym and audit settings. bench/bench_sessions.py has its own test
(tests/bench/test_bench_sessions.py: two sessions on a served dashboard), and the scripts that
change a copy of the tiny warehouse theirs (tests/bench/test_bench_changes.py); the tiny
warehouse and its files are tests/bench/conftest.py's."""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pytest

from bench.bench_withdraw import monthly_files
from etl import load
from tests.bench.scripts import COUNTY, ROOT, bench, bench_main, seconds, table_rows


def test_pages_all_loads_records_replays_and_compares_with_pandas(pages_all):
    db, stdout = pages_all
    lines = stdout.splitlines()
    loaded = next(line for line in lines if line.startswith(f"{db}: "))
    assert "3 files loaded" in loaded and int(loaded.split(", ")[1].split()[0].replace(
        ",", "")) > 10_000
    calls = next(line for line in lines if line.startswith("overview/default: "))
    assert int(calls.split()[1]) > 5  # the page's calls through ui.data
    timing = next(line for line in lines if line.startswith("overview/default "))
    assert "cold" in timing and "warm median" in timing
    row = json.loads(next(line for line in lines[::-1] if line.startswith('{"pandas"')))
    assert row["pandas"]["rows"] > 10_000 and row["pandas"]["median_ms"] > 0
    assert row["duckdb"]["median_ms"] > 0
    assert not list((db.parent / "tmp").iterdir())  # the profiler's output removed with its folder


def test_pages_build_copies_the_keys_a_later_load_reads(pages_all, tiny_files, tmp_path):
    """`build` replicates the facts with integer keys of their own per copy, the sample's
    ids in copy 0, and a monthly file loads into the result (text keys made the next load
    fail converting them)."""
    source, _ = pages_all
    built = tmp_path / "built.duckdb"
    stdout = bench_main("bench_pages.py", "build", "--sample", source, "--out", built,
                        "--copies", "2")  # in this process: pages_all runs its command line
    assert "relief: " in stdout and f"{built}: " in stdout
    con = duckdb.connect()
    con.execute(f"ATTACH '{source}' AS s (READ_ONLY)")
    con.execute(f"ATTACH '{built}' AS b (READ_ONLY)")
    (n, persons), = con.sql("SELECT count(*), count(DISTINCT person_key) FROM s.relief").fetchall()
    assert con.sql("SELECT count(*), count(DISTINCT person_key), count(DISTINCT relief_id), "
                   "any_value(typeof(person_key)) FROM b.relief").fetchall() == [
        (2 * n, 2 * persons, 2 * n, "UBIGINT")]
    assert con.sql("SELECT count(*) FROM s.relief JOIN b.relief USING (relief_id, person_key)"
                   ).fetchall() == [(n,)]
    assert con.sql("SELECT count(*) FROM b.relief WHERE person_no IS NULL").fetchall() == [(0,)]
    con.close()
    month, _ = monthly_files(tiny_files, COUNTY, tmp_path)
    f = load.load_files([month], built, rejects_dir=tmp_path / "rejects").files[0]
    assert (f.status, f.rows_inserted) == ("loaded", f.rows_loaded) and f.rows_loaded > 10


def test_etl_loads_csv_and_xlsx_with_and_without_the_later_steps(tmp_path):
    out = json.loads(bench("bench_etl.py", "--rows", 2000, "--persons", 300, "--repeat", 1,
                           "--xlsx-rows", 300, "--with-quality", "--etl-only", "--dir", tmp_path))
    runs = [(r["kind"], r["quality_refresh"], r["person_index"]) for r in out["results"]]
    assert runs == [("csv", False, True), ("csv", False, False), ("csv", True, True),
                    ("xlsx", False, True)]
    for r in out["results"]:
        assert r["status"] == "loaded" and r["rows_loaded"] > 0.9 * r["rows_read"]
        assert r["rows_per_s"] > 0 and r["peak_mb"] > 0
    assert out["results"][-1]["rows_read"] == 300
    assert out["machine"]["cpus"] >= 1


def test_quality_refresh_finds_the_planted_findings():
    rows = [line.split("|") for line in bench("bench_quality.py", 2000).splitlines()[1:]]
    (size, took, found), = rows
    assert int(size.replace(",", "")) == 2000 and float(took) > 0
    duplicates, _, outliers, above = (int(n) for n in found.split(","))
    assert duplicates > 0 and outliers > 0 and above > 0


def test_effects_simulated_and_on_the_sample(sample_db):
    rows = table_rows(bench("bench_effects.py", "--repeats", 1, "--sample", "--db", sample_db,
                            "--groups", 1))
    assert len(rows) == 6
    assert [n for n in rows if n.startswith("page analysis")] == [list(rows)[-1]]
    assert all(seconds(cold) > 0 and seconds(warm) > 0 for cold, warm in rows.values())


@pytest.mark.browser
def test_exports_figures_disclosure_and_briefing(sample_db):
    rows = table_rows(bench("bench_exports.py", "--repeat", 1, "--db", sample_db))
    names = list(rows)
    assert names[:3] == ["first PNG in a process (starts Chromium)",
                         "later PNG, 2700×1560 (median of 1)", "later SVG (median of 1)"]
    assert sum(n.startswith("protect ") for n in names) == 4
    assert names[-2].startswith("briefing 150702 2012, 5 charts")
    assert names[-1] == "same briefing again (median of 1)"
    assert all(seconds(t) > 0 for (t,) in rows.values())


def test_bench_imports_nothing_from_tests():
    """Benchmarks use the product and bench/ only: tests may import bench, not the reverse
    (a test's refactor must not break a benchmark)."""
    for path in sorted((ROOT / "bench").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.split(".")[0] == "tests" or m.startswith("test_")], path
        assert '"tests"' not in path.read_text(encoding="utf-8"), path  # no sys.path to tests/


def test_bench_map_leaves_no_cache_folder_behind(tmp_path, monkeypatch):
    """bench/bench_map.py's map cache: the folder UNION_DASH_GEO_CACHE names, and no other made;
    without it a temporary one, removed at the end (each run left a geo_cache_* in /tmp, even
    with the variable set). Its run on the sample is tests/analytics/test_geo.py's."""
    from analytics import geo
    from bench.bench_map import _geo_cache

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path / "kept"))
    with _geo_cache() as where:
        assert where == str(tmp_path / "kept") and geo.cache_dir() == tmp_path / "kept"
    assert os.environ[geo.CACHE_ENV] == str(tmp_path / "kept") and not list(tmp_path.iterdir())
    monkeypatch.delenv(geo.CACHE_ENV)
    with _geo_cache() as where:
        assert Path(where).is_dir() and Path(where).parent == tmp_path
        assert geo.cache_dir() == Path(where)
        (Path(where) / "150000-x.geojson").write_text("{}")
    assert geo.CACHE_ENV not in os.environ and not list(tmp_path.iterdir())


def test_pages_before_after_table_reads_both_sizes_and_states():
    """`bench_pages.py marts` prints this table (the command itself runs the pages as `run`
    does, measured above); its growth columns divide the last size by the first."""
    from bench.bench_pages import before_after_table

    def row(db, n, state, warm, rows):
        return {"page": "overview/default", "db": db, "relief_rows": n, "state": state,
                "warm_median_ms": warm, "cold_ms": 3 * warm, "rows_scanned": rows}

    table = table_rows(before_after_table([
        row("a", 2e6, "before", 100, 4e6), row("a", 2e6, "after", 50, 1e6),
        row("b", 8e6, "before", 300, 16e6), row("b", 8e6, "after", 55, 1e6)]))
    assert table["overview/default"] == ["100 / 300, 4.00M", "300 / 900, 16.00M",
                                         "50 / 150, 1.00M", "55 / 165, 1.00M",
                                         "3.00×, 4.00×", "1.10×, 1.00×"]
