"""Session fixtures shared by every test module: the sample warehouse is built once per run
(tests/shared_sample.py), for every pytest-xdist worker; modules run in the order that lets
the workers finish soonest."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config as st_config

from core import engine
from tests import golden_warehouse, shared_sample

# One DuckDB thread per worker process: the workers already outnumber the cores, and each
# one's queries spread over every core made them wait on each other (the suite took 14%
# more CPU, 596+86 s against ~790 s). The dashboards the browser tests serve keep DuckDB's
# default (tests/served.py), so its parallel plans still run under test.
os.environ.setdefault(engine.THREADS_ENV, "1")
# and one OpenBLAS thread (NumPy's, read when NumPy loads: no test imports it before this
# file): its second thread spins between calls on the cores the other workers keep busy
# (tests/analytics/test_effects_estimators.py 8.8-10.2 CPU-s with two, 7.9-8.1 with one;
# bench_effects.py, which the bench tests run as a child that inherits it: 5.6-6.3, 4.4-4.8).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker more than cores. Browser and command-line tests wait on a server,
    Chromium or a child process part of the time (2 cores: 287 s with 2 workers, 235 s
    with 3)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


# The longest modules (20-90 s each with 3 workers on 2 cores), longest first: they start first
# within their part, so that no worker is left running one while the others have finished.
# Only the order depends on this list.
LONG = ("test_browser_links.py", "test_browser.py", "test_browser_upload.py", "test_auth.py", "test_deployments.py",
        "test_etl_chunks.py", "test_effects_browser.py", "test_briefing.py",
        "test_etl_withdraw.py", "test_browser_empty.py", "test_empty_pages.py",
        "test_sample_files.py", "test_bench_smoke.py", "test_bench_changes.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules that do not need the sample first (its build runs meanwhile); within each part
    browser modules, then the long ones, then the rest; a module's tests stay together and in
    order. Every worker sorts the same way, as pytest-xdist requires."""
    rank: dict[Path, tuple] = {}
    for n, item in enumerate(items):
        sample = "sample_build" in item.fixturenames
        browser = item.get_closest_marker("browser") is not None
        long = LONG.index(item.path.name) if item.path.name in LONG else len(LONG)
        was = rank.get(item.path, (False, True, long, n))
        rank[item.path] = (was[0] or sample, was[1] and not browser, long, was[3])
    order = {item: n for n, item in enumerate(items)}
    items.sort(key=lambda item: (rank[item.path], order[item]))


@pytest.fixture(scope="session", autouse=True)
def _component_scan_once() -> None:
    """Each new AppTest scans every installed distribution for Streamlit components (0.15-0.4 s,
    reading each package's metadata); the installed packages do not change during a run, so
    the first scan's answer serves every AppTest (none is installed here: the answer is [])."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(
        manifest_scanner.scan_component_manifests)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Passwords the tests' own processes hash get bcrypt's lowest cost, 4 (the hash records
    it, so a server checks it at 4 too): no assertion depends on the cost, and a hash or a
    check at the library's 12 takes ~0.25 CPU-s (a lockout test: six). A command run as a
    child process hashes at the product's cost."""
    import bcrypt

    real = bcrypt.gensalt
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": real(rounds, prefix))
        yield


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by the whole run: under pytest-xdist each worker's base temporary
    directory is <run>/popen-gwN."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    shared.mkdir(parents=True, exist_ok=True)
    return shared


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key(run_dir: Path) -> None:
    """Tests never touch the developer's real key file; every worker (and the sample's build)
    uses the same one, so person keys of rows loaded later match the sample's."""
    os.environ.setdefault("UNION_DASH_KEY_FILE", str(run_dir / "pseudonym.key"))
    os.environ.setdefault("UNION_DASH_CELL_KEY_FILE", str(run_dir / "cellkey.key"))
    # rejected rows of loads made without a folder of their own: never the repository's data/
    os.environ.setdefault("UNION_DASH_REJECTS_DIR", str(run_dir / "rejects"))
    os.environ.setdefault("UNION_DASH_AUDIT_KEY_FILE", str(run_dir / "audit.key"))  # the chain's


@pytest.fixture(scope="session", autouse=True)
def _audit_log(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never write beside the developer's warehouse: one audit file for the session
    (tests of where the log goes unset it)."""
    os.environ.setdefault("UNION_DASH_AUDIT",
                          str(tmp_path_factory.mktemp("audit") / "audit.sqlite"))


@pytest.fixture(scope="session", autouse=True)
def _sample_started_early(request: pytest.FixtureRequest, run_dir: Path, _pseudonym_key):
    """Start the sample's build with the session if any of its tests needs it."""
    proc = None
    if any("sample_build" in item.fixturenames for item in request.session.items):
        proc = shared_sample.start(run_dir)
    yield
    if proc is not None:
        proc.wait()  # other workers may be waiting for it: let it finish, then reap it


@pytest.fixture(scope="session")
def sample_build(run_dir: Path, _pseudonym_key):
    """(db_path, sample_dir, report) of the bundled sample, built once per test run."""
    proc = shared_sample.start(run_dir)  # None when it was started early
    report, _ = shared_sample.result(run_dir)
    if proc is not None:
        proc.wait()
    return run_dir / "warehouse.duckdb", run_dir / "files", report


@pytest.fixture(scope="session")
def sample_build_seconds(sample_build, run_dir: Path) -> float:
    """How long the build of `sample_build` took (write + load, as `python -m sample build`)."""
    return shared_sample.result(run_dir)[1]


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


@pytest.fixture(scope="module")
def pages_db(request: pytest.FixtureRequest) -> Path:
    """The warehouse the page and browser tests read: the sample, or with PAGES_ON_GOLDEN=1
    set the golden one (tests/golden_warehouse.py, worked by hand)."""
    if os.environ.get("PAGES_ON_GOLDEN"):
        factory = request.getfixturevalue("tmp_path_factory")
        return golden_warehouse.build(factory.mktemp("golden") / "w.duckdb")
    return request.getfixturevalue("sample_db")


@pytest.fixture(scope="module")
def on_sample(sample_db: Path):
    """The sample as the warehouse analytics reads (UNION_DASH_DB), for a module's tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNION_DASH_DB", str(sample_db))
        yield sample_db
