"""Fixtures of the browser tests: one Chromium per worker, and the dashboard served over the
sample (one for the whole run: tests/shared_server.py) or over the pages' warehouse.

Chromium (about 2 s to start) and a dashboard over another warehouse (a few seconds to start,
and its first runs fill the caches every later page reads) are kept open from one module to
the next while the next module uses them, and closed as soon as it does not: the sync
Playwright marks the thread's event loop as running, which asyncio code of other tests
refuses, and an idle server only holds memory. A module's tests run together (--dist
loadscope), so the next test says whether the worker still needs them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import shared_server
from tests.served import CHROMIUM, FLAGS, dashboard


class _Kept:
    """Context managers entered once and kept open until a module that uses none of
    `fixtures` comes next."""

    def __init__(self, *fixtures: str) -> None:
        self.fixtures = set(fixtures)
        self._open: dict[object, object] = {}
        self._stack = contextlib.ExitStack()

    def get(self, key: object, make: Callable[[], contextlib.AbstractContextManager]):
        if key not in self._open:
            self._open[key] = self._stack.enter_context(make())
        return self._open[key]

    def close_unless_used_by(self, nextitem: pytest.Item | None) -> None:
        if nextitem is not None and self.fixtures & set(nextitem.fixturenames):
            return
        self._open.clear()
        stack, self._stack = self._stack, contextlib.ExitStack()
        stack.close()


_CHROMIUM = _Kept("browser")
_SERVERS = _Kept("server")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield  # the module's fixtures are torn down by now when the module ends
    if nextitem is None or nextitem.path != item.path:
        _CHROMIUM.close_unless_used_by(nextitem)
        _SERVERS.close_unless_used_by(nextitem)
    return result


@contextlib.contextmanager
def _launched() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"needs {CHROMIUM}: `make test` installs it (apt-get install chromium-headless-shell)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser():
    """The worker's Chromium; the module's contexts (and their pages) closed after it, so that
    a failed test leaves no tab to the next module."""
    b = _CHROMIUM.get("chromium", _launched)
    yield b
    for context in b.contexts:
        context.close()


@pytest.fixture(scope="module")
def server(pages_db: Path, sample_db: Path, run_dir: Path) -> str:
    """The dashboard over the warehouse the page tests check (tests/conftest.py): the same
    server as `sample_server` when that is the sample. Named here, `sample_db` puts the
    module among those that wait for the sample's build (tests/conftest.py orders them after
    the others); `pages_db` asks for it only when it runs."""
    if pages_db == sample_db:
        return shared_server.url(run_dir, sample_db)
    return _SERVERS.get(pages_db, lambda: dashboard(pages_db))


@pytest.fixture(scope="module")
def sample_server(sample_db: Path, run_dir: Path) -> str:
    """The run's dashboard over the sample, whatever the page tests use (read-only: no test
    loads into it)."""
    return shared_server.url(run_dir, sample_db)
