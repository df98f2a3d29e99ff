"""Paths shared by the ETL and the dashboard; each can be overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path(os.environ.get("UNION_DASH_DB", ROOT / "data" / "warehouse.duckdb"))
SAMPLE_DIR = Path(os.environ.get("UNION_DASH_SAMPLE_DIR", ROOT / "data" / "sample"))
REJECTS_DIR = Path(os.environ.get("UNION_DASH_REJECTS_DIR", ROOT / "data" / "rejects"))

# Polars' allocator (jemalloc) gives freed pages back to the system after 5 s rather than at
# once: a load frees and takes back gigabytes a chunk at a time, and the system zeroes each
# page again (10^7 rows: ~1 s of 16 less, peak 2.2 -> 2.4 GB). Read when Polars is first
# imported, so the command line sets it before (etl/__main__.py).
POLARS_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:5000,muzzy_decay_ms:5000")
