"""Fixtures of the page tests (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import config as st_config

from tests.registry import registered


@pytest.fixture
def upload_db(tmp_path, monkeypatch) -> Path:
    db = tmp_path / "warehouse.duckdb"
    registered(db)
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "no-auth.yaml"))
    monkeypatch.setenv("UNION_DASH_REJECTS_DIR", str(tmp_path / "rejects"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    yield db
    st_config.set_option("server.address", before)
