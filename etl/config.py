"""Paths shared by the ETL and the dashboard; each can be overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path(os.environ.get("UNION_DASH_DB", ROOT / "data" / "warehouse.duckdb"))
SAMPLE_DIR = Path(os.environ.get("UNION_DASH_SAMPLE_DIR", ROOT / "data" / "sample"))
REJECTS_DIR = Path(os.environ.get("UNION_DASH_REJECTS_DIR", ROOT / "data" / "rejects"))
