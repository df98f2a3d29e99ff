"""Fixtures of the core tests (the audit log and its page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import audit


@pytest.fixture
def log(tmp_path, monkeypatch) -> Path:
    """A fresh audit file for this test, where the dashboard and the ETL write."""
    path = tmp_path / "audit.sqlite"
    monkeypatch.setenv(audit.ENV, str(path))
    return path


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Path:
    from tests.quality_fixtures import hardship, relief, warehouse

    path = tmp_path_factory.mktemp("audit-page") / "w.duckdb"
    people = [(f"p{i}", "150702001", f"2012-{1 + i % 12:02d}-05") for i in range(24)]
    warehouse(path=str(path), relief_rows=[relief(p, on, station=s) for p, s, on in people],
              files=[hardship(p, on, county=s[:6]) for p, s, on in people]).close()
    return path
