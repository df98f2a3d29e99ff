"""The ETL's process settings. Paths (warehouse, rejects, audit log) are core/warehouse.py's,
read at call time."""

from __future__ import annotations

# Polars' allocator (jemalloc) keeps freed pages 2 s for reuse rather than giving them back
# at once: a load frees and takes back gigabytes a chunk at a time, and the system zeroes
# each page again. Then it gives them back outright (muzzy 0): pages only marked as free
# (MADV_FREE) cost as much to mark and still count as the process's memory until the system
# needs them (10^7 rows against 5 s of each: 9.2 -> 8.8 s, peak with the per-person columns
# 3.0-4.3 -> 3.1-3.3 GB). Read when Polars is first imported, so the command line sets it
# before (etl/__main__.py, sample/__main__.py).
POLARS_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:2000,muzzy_decay_ms:0")
# `sample generate` drops its big frames one after another and takes nothing back at once:
# pages handed back at once keep its peak lower (--scale 52: 6.91 -> 6.63 GB, same time).
GENERATE_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
