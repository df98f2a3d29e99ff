"""Session fixtures shared by every test module: the sample warehouse is built once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit import config as st_config


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the developer's real key file."""
    key_file = tmp_path_factory.mktemp("key") / "pseudonym.key"
    os.environ.setdefault("UNION_DASH_KEY_FILE", str(key_file))


@pytest.fixture(scope="session", autouse=True)
def _audit_log(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never write beside the developer's warehouse: one audit file for the session
    (tests of where the log goes unset it)."""
    os.environ.setdefault("UNION_DASH_AUDIT",
                          str(tmp_path_factory.mktemp("audit") / "audit.sqlite"))


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory):
    """(db_path, sample_dir, report) of the bundled sample, built once per test session."""
    from sample.build import build

    root = tmp_path_factory.mktemp("sample")
    db, out = root / "warehouse.duckdb", root / "files"
    report = build(db, out)
    return db, out, report


@pytest.fixture(scope="session")
def sample_db(sample_build) -> Path:
    """Path of the sample warehouse (read-only use only: do not load into it)."""
    return sample_build[0]


@pytest.fixture
def local_staff(tmp_path, monkeypatch):
    """The single local user (staff: every page) of a machine without logins."""
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "no-auth.yaml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    yield monkeypatch
    st_config.set_option("server.address", before)
