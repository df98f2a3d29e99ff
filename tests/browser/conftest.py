"""Fixtures of the browser tests: one Chromium per module, and the dashboard served over the
pages' warehouse or over the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.served import CHROMIUM, FLAGS, dashboard


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"needs {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(pages_db):
    """The dashboard over the warehouse the page tests check (tests/conftest.py)."""
    with dashboard(pages_db) as url:
        yield url


@pytest.fixture(scope="module")
def sample_server(sample_db):
    """The dashboard over the sample, whatever the page tests use."""
    with dashboard(sample_db) as url:
        yield url
