"""The dashboard served on a free loopback port for browser tests, and Chromium's flags."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from bench._browser import CHROMIUM, FLAGS, IDLE
from core import engine

__all__ = ["CHROMIUM", "DONE", "FLAGS", "IDLE", "POLL", "ROOT", "SHOTS", "charts_drawn", "dashboard",
           "dashboard_while", "free_port", "log_in", "streamlit_app", "with_charts", "without_charts"]

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"  # what the browser tests saw, to look at
DONE = IDLE  # a page has finished running
# How often (ms) a `wait_for_function` condition is tested. Playwright's default tests it on
# every animation frame, which keeps Chromium making frames at 60 per second for as long as
# the wait lasts (a page view waited for its charts this way: 6.2 CPU-s against 6.0, 4 of each).
POLL = 100
# Every Plotly chart of the page has drawn its SVG (and there is one): the condition a
# screenshot waits for, where a fixed pause was either too short or wasted.
_DRAWN = """() => {
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  return charts.length > 0 && [...charts].every(c => c.querySelector('.main-svg'));
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard(db: Path, address: str = "127.0.0.1", **env: str
              ) -> contextlib.AbstractContextManager[str]:
    """The loopback URL of `streamlit run dashboard.py` over `db`, bound to `address` (0.0.0.0:
    served to a network), once it answers its health check. Without UNION_DASH_AUTH in `env`
    the machine's local user, no login file (not even the developer's own
    ~/.config/union-dashboard/auth.yaml)."""
    return streamlit_app(ROOT / "dashboard.py", address, **{**_over(db), **env})


def _over(db: Path) -> dict[str, str]:
    """A dashboard's environment over `db`, with no login file (the machine's local user)."""
    return {"UNION_DASH_AUTH": str(db.parent / "no-logins.yaml"), "UNION_DASH_DB": str(db)}


@contextlib.contextmanager
def streamlit_app(script: Path, address: str = "127.0.0.1", **env: str) -> Iterator[str]:
    """The loopback URL of `streamlit run script` once it answers its health check. No file
    watcher: nothing edits the sources during a test, and watching them costs the server CPU."""
    port = free_port()
    proc = subprocess.Popen(_streamlit(script, port, address), cwd=ROOT,
                            env={**_deployed(os.environ), **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _answering(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def dashboard_while(pid: int, db: Path) -> str:
    """The loopback URL of a dashboard over `db` that serves until process `pid` ends, not
    the caller (tests/shared_server.py: a watch started in its place stops it then)."""
    port = free_port()
    subprocess.Popen(
        [sys.executable, "-m", "tests.shared_server", str(pid), "--",
         *_streamlit(ROOT / "dashboard.py", port, "127.0.0.1")], cwd=ROOT,
        env={**_deployed(os.environ), **_over(db)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _answering(url)
    return url


def _streamlit(script: Path, port: int, address: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless=true", f"--server.port={port}", f"--server.address={address}",
            "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]


def _answering(url: str) -> None:
    """Wait (up to ~6 minutes) until the server at `url` answers its health check."""
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.2)


def _deployed(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without the workers' one-thread limit (tests/conftest.py): a served
    dashboard runs DuckDB as a deployment does, on every core."""
    return {k: v for k, v in environ.items() if k != engine.THREADS_ENV}


def charts_drawn(page, timeout: float = 60_000) -> None:
    """Wait until the page's run has ended and each of its charts is drawn."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(_DRAWN, timeout=timeout, polling=POLL)


# Streamlit loads its Plotly element (4.7 MB of script) on the first chart of a page; answered
# with a component that draws nothing, a page view costs ~40% less CPU in Chromium (7 views of
# the sample: 30 against 50 CPU-s), and the page shows no error in the chart's place.
_PLOTLY_CHUNK = "**/static/js/PlotlyChart.*.js"
_NO_CHART = "export default function PlotlyChart() { return null; }"


def without_charts(target) -> None:
    """A page or browser context in which Plotly charts are not drawn: for tests that read the
    filter bar, links, logins or texts and take no screenshot (test_browser.py and the map
    tests check the charts themselves)."""
    target.route(_PLOTLY_CHUNK, lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=_NO_CHART))


def with_charts(target) -> None:
    """Plotly charts drawn again in a page or context that `without_charts` served."""
    target.unroute(_PLOTLY_CHUNK)


def log_in(page, name: str, password: str) -> None:
    """Fill the login form (once it is drawn and the run that drew it has ended) and submit it.
    A clean-clone CI run once waited 60 s for 已登录 after a submit (cause not found): a submit
    during a run in progress is one way to lose it, so the page is settled first."""
    page.get_by_label("密码").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
