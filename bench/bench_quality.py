"""How long the load-time quality checks (etl.quality.refresh) take as relief grows.

Builds synthetic warehouses in a temp folder (`etl init` for the sample's scope, random
persons, stations, dates and amounts, a few planted duplicates) and times one refresh each.
Run: python bench/bench_quality.py [rows ...]   (default 1e6 and 1e7 relief rows; 2000 for
a quick check)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import person_index, quality  # noqa: E402
from etl.warehouse import init  # noqa: E402
from sample.regions import SCOPE, all_regions  # noqa: E402


def build(path: Path, rows: int) -> duckdb.DuckDBPyConnection:
    """A warehouse as `etl init` makes it for the sample's scope, with synthetic facts (integer
    keys as the ETL writes them; the per-person columns derived as after a load, untimed)."""
    init(path, SCOPE)
    con = duckdb.connect(str(path))
    stations = [r.region_code for r in all_regions() if r.level == "station"]
    con.execute("CREATE TEMP TABLE st AS SELECT unnest($s) AS code, "
                "generate_subscripts($s, 1) - 1 AS k", {"s": stations})
    people = max(rows // 8, 1000)
    # Mostly clean data, as stations send it: special funds pay hardship workers, model
    # workers and temporary cases are paid from the union's own funds and donations.
    con.execute(f"""
        INSERT INTO relief (relief_id, person_key, county_code, station_code, relief_date,
                            relief_type, recipient_group, fund_source, amount_yuan, category,
                            batch_id)
        SELECT hash(i), 1 + hash(i) % {people}, left(st.code, 6), st.code,
               DATE '2005-01-01' + (hash(i * 3) % 7300)::INTEGER,
               ['festival_condolence', 'temporary', 'medical', 'education', 'living']
                   [1 + (hash(i * 5) % 5)::INTEGER],
               grp,
               CASE WHEN grp = 'hardship_worker' THEN
                   ['central_special', 'provincial_special', 'local_matching', 'union_own',
                    'donation'][1 + (hash(i * 11) % 5)::INTEGER]
                   ELSE ['union_own', 'donation'][1 + (hash(i * 11) % 2)::INTEGER] END,
               (200 + hash(i * 13) % 1800)::DECIMAL(14,2), NULL, 'b' || (i % 50)
        FROM (SELECT i, CASE WHEN hash(i * 7) % 20 = 0 THEN 'model_worker'
                             WHEN hash(i * 7) % 20 = 1 THEN 'temporary_relief'
                             ELSE 'hardship_worker' END AS grp FROM range({rows}) t(i)) t
        JOIN st ON st.k = hash(t.i * 17) % {len(stations)}""")
    con.execute(f"""INSERT INTO persons (person_key, id_masked, batch_id)
                    SELECT 1 + i, '150702********' || lpad((i % 10000)::VARCHAR, 4, '0'), 'b0'
                    FROM range({people}) t(i)""")
    con.execute(f"""INSERT INTO hardship_files (person_key, county_code, category,
                                                registered_on, exited_on, batch_id)
                    SELECT 1 + i, '150702', 'low_income',
                    DATE '2000-01-01' + (hash(i) % 1800)::INTEGER,
                    CASE WHEN i % 500 = 0 THEN DATE '2024-06-01' + (hash(i) % 100)::INTEGER END,
                    'b0'
                    FROM range({people}) t(i)""")
    con.execute("INSERT INTO load_batches (batch_id, file_name, content_sha256, table_name, "
                "loaded_at, rows_read, rows_loaded, rows_rejected) SELECT 'b' || i, 'f', 'h', "
                "'relief', TIMESTAMP '2025-01-01', 0, 0, 0 FROM range(50) t(i)")
    person_index.migrate(con)  # person numbers and per-person columns, as a load leaves them
    con.execute("CHECKPOINT")
    return con


def main(sizes: list[int]) -> None:
    print("relief rows | refresh s | findings (duplicates, after exit, outliers, above standard)")
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            con = build(Path(tmp) / "w.duckdb", rows)
            start = time.perf_counter()
            quality.refresh(con)
            took = time.perf_counter() - start
            found = dict(con.sql("SELECT code, findings FROM dq_summary").fetchall())
            print(f"{rows:>11,} | {took:9.2f} | {found['duplicate_relief']}, "
                  f"{found['relief_after_exit']}, {found['amount_outlier']}, "
                  f"{found['above_standard']}")
            con.close()


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
