"""bench/bench_table_format.py keeps working: the tiny warehouse's relief facts as an Iceberg
table, a monthly file appended, corrected and withdrawn, and the readers (DuckDB and pyarrow
over the snapshot's files) giving the warehouse's totals (the script checks them)."""

from __future__ import annotations

from tests.bench.scripts import bench_main, seconds, table_rows

STEPS = ("a monthly file appended", "its correction (overwrite by batch)",
         "its withdrawal (delete by batch)", "readers: plan the snapshot's files",
         "readers: DuckDB's sum by county", "readers: pyarrow's sum by county",
         "against: the warehouse file copied")


def test_an_iceberg_table_of_the_facts_takes_a_monthly_file(pages_all, tmp_path):
    db, _ = pages_all
    out = bench_main("bench_table_format.py", "--source", db, "--rows", 50, "--rounds", 1,
                     "--out", tmp_path / "t")
    rows = table_rows(out)
    (build,) = [k for k in rows if k.startswith("build (")]
    assert int(build.split("(")[1].split()[0].replace(",", "")) > 1000
    for step in STEPS:
        assert 0 < seconds(rows[step][0]) < 60, (step, rows[step])
        assert rows[step][2] == "1"
    assert rows["table's data files"][0].split()[0].isdigit()
