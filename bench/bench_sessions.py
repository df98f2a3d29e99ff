"""Many users at once: N simultaneous browser-like sessions on the overview, page times as
users wait for them.

    python bench/bench_sessions.py --db /tmp/bench.duckdb --sessions 1,8,32 --views 6 --out r.json
    python bench/bench_sessions.py --db /tmp/bench.duckdb --processes 2 ...   # K behind nginx
    python bench/bench_sessions.py --url http://127.0.0.1:8500 ...          # a server already up
    python bench/bench_sessions.py --db /tmp/bench.duckdb --swaps 4 ...       # loads meanwhile
    python bench/bench_sessions.py validate --db /tmp/bench.duckdb            # against Chromium

A session does what the browser does (captured from Chromium's websocket frames): GET the page,
`/_stcore/health` (which sets the XSRF cookie) and `/_stcore/host-config`, open the websocket
`/_stcore/stream` with the subprotocols `streamlit, <xsrf token>`, send a `rerun_script`
BackMsg with the URL's query string, and wait for the ForwardMsg `script_finished`. Its later
views are clicks: a rerun carrying, as the browser's does, the value of every widget on the page
(the one clicked changed), the page's current query string and page hash: alternately a region
picked in the sidebar (one level deeper each time, back to another top-level region after
three; among the regions the region chart has shown, those with data) and another indicator in
the trend chooser. Sessions pick different regions, so some views are new to Streamlit's cache
and some are not, as with real users. A view's time is from sending the rerun to `script_finished` ("open" views
also count the page GET and the handshake): the server-side page time, without the browser's
drawing (`validate` measures that part once with Chromium).

Each concurrency level starts with every dashboard process warmed (one session, so Python has
imported the pages) and its caches cleared (the BackMsg `clear_cache`), as after a load has
swapped in a new warehouse. Then all sessions start at once and each makes `--views` views with
a think time drawn from `--think` between them. Bounded: a fixed number of views, a timeout per
view and a deadline per level; the dashboards started here are stopped at the end.
With `--processes K` the dashboards are started by `deploy/serve-many.sh` (K processes behind
nginx), so the benchmark runs the deployment's own commands. With `--swaps N` the dashboards
read a copy of the warehouse, replaced N times during each level as a load replaces it. Not
run by pytest
(tests/bench/test_bench_sessions.py runs a tiny case).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.cookiejar
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
REGION_KEYS = ("f_province", "f_city", "f_county", "f_township", "f_station")
TREND_KEY = "ov_trend"
DRILL_KEY = "ov_region_drill"  # the region chart's drill-down: the regions it shows
REGION_DEPTH = 3  # a user drills down this far (province/city/county under a country root)
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class ViewError(Exception):
    """A view that did not finish cleanly: timeout, closed socket, exception on the page."""


@dataclass
class Widget:
    """A widget on the page: what a click can choose, and the value the browser holds."""

    id: str
    options: list[str]
    state: WidgetState


@dataclass
class Session:
    """One browser tab: its own cookies, websocket and widget values."""

    base: str
    index: int
    timeout: float
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    query: str = ""
    page_hash: str = ""
    widgets: dict[str, Widget] = field(default_factory=dict)  # by key, from the last run
    path: list[str] = field(default_factory=list)  # region labels picked, top first
    shown: set[str] = field(default_factory=set)  # regions the region chart has shown
    clicks: int = 0
    run_s: float = 0.0  # the last view's rerun → script_finished
    ws: object = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def _get(self, path: str) -> bytes:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        with opener.open(self.base + path, timeout=self.timeout) as r:
            return r.read()

    def open(self, query: str = "") -> float:
        """The first view: page, health, host config, websocket, the first run."""
        t0 = time.perf_counter()
        self._get("/" + (f"?{query}" if query else ""))
        self._get("/_stcore/health")
        self._get("/_stcore/host-config")
        cookies = {c.name: c.value for c in self.jar}
        xsrf = cookies.get("_streamlit_xsrf")
        ws_url = "ws" + self.base.removeprefix("http") + "/_stcore/stream"
        self.ws = self._stack.enter_context(connect(
            ws_url, subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            additional_headers={"Origin": self.base,
                                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
            max_size=None, open_timeout=self.timeout))
        self.query = query
        self.run_s = self._run()
        return time.perf_counter() - t0

    def click(self) -> float:
        """A later view: the rerun a click on a region or on the trend chooser sends."""
        self.clicks += 1
        self._pick_region() if self.clicks % 2 else self._pick_trend()
        self.run_s = self._run()
        return self.run_s

    def _choose(self, key: str, label: str) -> None:
        w = self.widgets[key]
        w.state = WidgetState(id=w.id, string_value=label)

    def _pick_region(self) -> None:
        present = [k for k in REGION_KEYS if k in self.widgets and self.widgets[k].options]
        if not present:
            return
        if len(self.path) >= min(REGION_DEPTH, len(present)):
            self.path = []  # back to the top, another region there (its children reset)
        key = present[len(self.path)]
        # a region the region chart has shown (one with data), as a user would pick
        options = [o for o in self.widgets[key].options if o in self.shown]
        options = options or self.widgets[key].options
        label = options[(self.index * 7 + self.clicks) % len(options)]
        self.path.append(label)
        self._choose(key, label)

    def _pick_trend(self) -> None:
        if self.widgets.get(TREND_KEY) and self.widgets[TREND_KEY].options:
            options = self.widgets[TREND_KEY].options
            self._choose(TREND_KEY, options[(self.index + self.clicks) % len(options)])

    def _run(self) -> float:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query
        rerun.page_script_hash = self.page_hash
        # as the browser: the value of every widget on the page, changed or not
        rerun.widget_states.widgets.extend(w.state for w in self.widgets.values())
        ctx = rerun.context_info
        ctx.timezone, ctx.locale, ctx.url, ctx.color_scheme = "UTC", "en-US", self.base + "/", "light"
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        self._until_finished()
        return time.perf_counter() - t0

    def _until_finished(self) -> None:
        deadline = time.monotonic() + self.timeout
        held = {w.id: w.state for w in self.widgets.values()}
        widgets: dict[str, Widget] = {}
        errors: list[str] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ViewError(f"no script_finished within {self.timeout:.0f} s")
            try:
                data = self.ws.recv(timeout=left)
            except TimeoutError:
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                _note_element(fwd.delta.new_element, held, widgets, errors)
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            elif kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app reran itself: the user still waits
                self.widgets = widgets
                if DRILL_KEY in widgets:
                    self.shown.update(widgets[DRILL_KEY].options)
                if fwd.script_finished not in DONE:
                    raise ViewError("compile error")
                if errors:
                    raise ViewError("exception on the page: " + errors[0])
                return

    def clear_cache(self) -> None:
        """Every user's cached results gone, as after a load swapped in a new warehouse."""
        msg = BackMsg()
        msg.clear_cache = True
        self.ws.send(msg.SerializeToString())

    def close(self) -> None:
        self._stack.close()


def _note_element(el, held: dict[str, WidgetState], widgets: dict[str, Widget],
                  errors: list[str]) -> None:
    """Note an exception, or a widget with the value the browser would hold for it: the one
    the server sets, else the one it held before, else the widget's default."""
    kind = el.WhichOneof("type")
    if kind == "exception":
        errors.append(f"{el.exception.type}: {el.exception.message}"[:200])
        return
    if kind not in WIDGETS:
        return
    w = getattr(el, kind)
    options = ([o.content for o in w.options] if kind == "button_group"
               else list(getattr(w, "options", [])))
    state = held.get(w.id) if not w.set_value else None
    if state is None:
        state = WidgetState(id=w.id)
        WIDGETS[kind](w, options, state)
    widgets[w.id.rsplit("-", 1)[-1]] = Widget(w.id, options, state)


def _selectbox(w, options: list[str], s: WidgetState) -> None:
    if w.set_value and w.HasField("raw_value"):
        s.string_value = w.raw_value
    elif not w.set_value and w.HasField("default") and options:
        s.string_value = options[w.default]


def _button_group(w, options: list[str], s: WidgetState) -> None:
    s.string_array_value.data.extend(
        w.raw_values if w.set_value else [options[i] for i in w.default])


def _slider(w, options: list[str], s: WidgetState) -> None:
    values = w.value if w.set_value else w.default
    if options:  # a select_slider: its labels
        s.string_array_value.data.extend(
            w.raw_value if w.set_value and w.raw_value else [options[int(v)] for v in values])
    else:
        s.double_array_value.data.extend(values)


def _checkbox(w, options: list[str], s: WidgetState) -> None:
    s.bool_value = w.value if w.set_value else w.default


# The widget kinds on the overview whose values the browser sends with every rerun.
WIDGETS = {"selectbox": _selectbox, "button_group": _button_group, "slider": _slider,
           "checkbox": _checkbox}


def _user(base: str, index: int, views: int, think: tuple[float, float], timeout: float,
          start: threading.Barrier, out: list[dict], t_zero: list[float]) -> None:
    """One user's views, each appended to `out` (errors too, with what went wrong)."""
    rng = random.Random(index)
    s = Session(base, index, timeout)
    try:
        start.wait()
        for view in range(views):
            kind = "open" if view == 0 else "click"
            began = time.perf_counter()
            row = {"session": index, "view": view, "kind": kind,
                   "start_s": round(began - t_zero[0], 3)}
            try:
                row["seconds"] = s.open() if view == 0 else s.click()
                row["run_s"] = s.run_s
            except Exception as exc:  # a failed view is a result, counted and reported
                row["error"] = f"{type(exc).__name__}: {exc}"[:300]
                out.append(row)
                break  # a broken tab: this user stops
            out.append(row)
            if view < views - 1:
                time.sleep(rng.uniform(*think))
    except threading.BrokenBarrierError:
        out.append({"session": index, "view": 0, "kind": "open", "error": "never started"})
    finally:
        with contextlib.suppress(Exception):
            s.close()


def prepare(backends: list[str], timeout: float) -> None:
    """Each process warmed (its imports done) and its caches cleared."""
    for base in backends:
        s = Session(base, 0, timeout)
        try:
            s.open()
            s.clear_cache()
            time.sleep(0.5)  # the message is handled before the socket closes
        finally:
            s.close()


def run_level(base: str, sessions: int, views: int, think: tuple[float, float],
              timeout: float, deadline: float) -> list[dict]:
    """`sessions` users starting together; returns one row per view."""
    start = threading.Barrier(sessions + 1)
    out: list[dict] = []
    t_zero = [0.0]
    threads = [threading.Thread(target=_user, daemon=True,
                                args=(base, i, views, think, timeout, start, out, t_zero))
               for i in range(sessions)]
    for th in threads:
        th.start()
    t_zero[0] = time.perf_counter()
    start.wait()
    end = time.monotonic() + deadline
    for th in threads:
        th.join(max(0.0, end - time.monotonic()))
    late = sum(th.is_alive() for th in threads)
    out.extend({"session": -1, "view": -1, "kind": "deadline", "error": "level deadline"}
               for _ in range(late))
    return list(out)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0–100), linear between ranks; None without values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summary(rows: list[dict]) -> dict:
    """p50/p95/max in seconds over all views, and per kind; errors counted."""
    def stats(xs: list[float]) -> dict:
        return {"n": len(xs), "p50_s": _r(percentile(xs, 50)), "p95_s": _r(percentile(xs, 95)),
                "max_s": _r(max(xs) if xs else None)}

    ok = [r for r in rows if "seconds" in r]
    return {**stats([r["seconds"] for r in ok]),
            "open": stats([r["seconds"] for r in ok if r["kind"] == "open"]),
            "click": stats([r["seconds"] for r in ok if r["kind"] == "click"]),
            "errors": len(rows) - len(ok),
            "error_kinds": sorted({r["error"] for r in rows if "error" in r})[:5]}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


# --- the dashboards under test ----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_range(n: int) -> int:
    """A first port with `n` free ports from it (the dashboards of serve-many.sh)."""
    for _ in range(50):
        base = free_port()
        if base + n < 65535 and all(_port_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no free port range")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before answering {url}")
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy within {seconds:.0f} s")


class Served(NamedTuple):
    url: str  # what users open
    backends: list[str]  # each dashboard process's own URL
    pids: list[int]
    run_dir: Path | None  # serve-many.sh's: nginx config and access.log, the processes' logs


def _env(db: Path, work: Path, extra: dict[str, str]) -> dict[str, str]:
    # no user file: the single local staff user (loopback only), never the developer's logins
    return {**os.environ, "UNION_DASH_DB": str(db), "UNION_DASH_AUTH": str(work / "none.yaml"),
            **extra}


@contextlib.contextmanager
def dashboards(db: Path, processes: int, proxy: bool, **env: str) -> Iterator[Served]:
    """The dashboards over `db` while they run: one process on its own, or `processes` behind
    nginx started by deploy/serve-many.sh; `env` is added to their environment."""
    with tempfile.TemporaryDirectory(prefix="bench_sessions_") as tmp:
        work = Path(tmp)
        if proxy or processes > 1:
            yield from _serve_many(db, processes, work, env)
        else:
            yield from _serve_one(db, work, env)


def _serve_one(db: Path, work: Path, extra: dict[str, str]) -> Iterator[Served]:
    port = free_port()
    # the flags deploy/serve-many.sh gives each of its processes
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
           "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
           "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]
    log = open(work / "dashboard.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(db, work, extra), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield Served(url, [url], [proc.pid], None)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _serve_many(db: Path, processes: int, work: Path, extra: dict[str, str]) -> Iterator[Served]:
    base, listen = _free_range(processes), free_port()
    while base <= listen < base + processes:
        listen = free_port()
    env = {**_env(db, work, extra), "BASE_PORT": str(base), "LISTEN": f"127.0.0.1:{listen}",
           "RUN_DIR": str(work / "run"), "PYTHON": sys.executable}
    log = open(work / "serve-many.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(["sh", str(ROOT / "deploy" / "serve-many.sh"), str(processes)],
                            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{listen}"
    backends = [f"http://127.0.0.1:{base + i}" for i in range(processes)]
    try:
        for b in backends + [url]:
            _wait_healthy(b, proc, 120)
        pids = [int((work / "run" / f"dashboard-{base + i}.pid").read_text())
                for i in range(processes)]
        yield Served(url, backends, pids, work / "run")
    finally:
        proc.send_signal(signal.SIGTERM)  # the script stops its dashboards and nginx
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM, 143):
            print((work / "serve-many.log").read_text()[-2000:], file=sys.stderr)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the processes now, in MB (Linux /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def machine() -> dict:
    import duckdb
    import streamlit

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now().isoformat(timespec="seconds"), "commit": commit,
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "streamlit": streamlit.__version__, "duckdb": duckdb.__version__}


def bench(a: argparse.Namespace) -> dict:
    levels = [int(x) for x in a.sessions.split(",")]
    think = tuple(float(x) for x in a.think.split("-")) if "-" in a.think else (
        float(a.think),) * 2
    result = {"machine": machine(), "db": str(a.db), "processes": a.processes,
              "proxy": bool(a.proxy or a.processes > 1 or a.url), "views": a.views,
              "think_s": think, "swaps": a.swaps, "levels": []}
    with contextlib.ExitStack() as stack:
        db = a.db
        if a.swaps:  # the file swapped under the readers: a copy of it, never --db itself
            db = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "warehouse.duckdb"
            shutil.copyfile(a.db, db)
        if a.url:
            url, backends, pids = a.url, [a.url], []
        else:
            url, backends, pids, _ = stack.enter_context(dashboards(db, a.processes, a.proxy))
        for n in levels:
            prepare(backends, a.timeout)
            load0, cpu0, own0 = os.getloadavg()[0], cpu_seconds(pids), time.process_time()
            swapper = threading.Thread(target=swap, args=(db, a.swaps), daemon=True)
            t0 = time.perf_counter()
            swapper.start()
            rows = run_level(url, n, a.views, think, a.timeout, a.deadline)
            swapper.join()
            level = {"sessions": n, "wall_s": round(time.perf_counter() - t0, 2),
                     **summary(rows),
                     "server_cpu_s": round(cpu_seconds(pids) - cpu0, 2),
                     "client_cpu_s": round(time.process_time() - own0, 2),
                     "server_rss_mb": rss_mb(pids),
                     "load_avg_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
                     "rows": rows}
            result["levels"].append(level)
            print(json.dumps({k: v for k, v in level.items() if k != "rows"},
                             ensure_ascii=False), flush=True)
    return result


def swap(db: Path, times: int, every_s: float = 2.5) -> None:
    """Replace `db` by a copy of itself `times` times, as a load does (a whole new file
    renamed over the old one), while the users click."""
    for _ in range(times):
        fresh = db.with_name("next.duckdb")
        shutil.copyfile(db, fresh)
        time.sleep(every_s)
        os.replace(fresh, db)


# --- validation against a real browser --------------------------------------------------

def validate(db: Path, repeats: int, timeout: float, warm_up: bool = True) -> dict:
    """One view at a time on one process, by Chromium and by this client: cold (caches just
    cleared) and again (from the cache); Chromium as a returning visitor (one browser, scripts
    in its cache) and as a new one (a fresh browser profile). Chromium's times are its own
    timestamps of the websocket frames (CDP Network events), the rerun sent to script_finished
    received; `idle` is until the page shows it is idle (drawing included). `cpu` is the
    server's CPU seconds for the view. Without `warm_up` the returning browser's first view is
    its cold one, which then loads its scripts too (a run that only checks the figures come)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from bench._browser import CHROMIUM, FLAGS, IDLE

    out: dict[str, list[float]] = {}

    def note(key: str, value: float) -> None:
        out.setdefault(key, []).append(value)

    with dashboards(db, 1, False) as (url, backends, pids, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        returning = browser.new_context()
        if warm_up:
            _browser_view(returning, url, IDLE, timeout)  # its scripts into the browser's cache
        for i in range(repeats):
            query = f"gran=quarter&from=20{10 + i}-01&to=20{10 + i}-12"  # new to the cache
            for who, state, ctx in (("browser", "cold", returning), ("browser", "cached", returning),
                                    ("new_browser", "cached", None),
                                    ("client", "cold", None), ("client", "cached", None)):
                if state == "cold":
                    prepare(backends, timeout)
                cpu0 = cpu_seconds(pids)
                if who == "client":
                    s = Session(url, i, timeout)
                    try:
                        s.open(query)
                    finally:
                        s.close()
                    note(f"client_{state}_s", s.run_s)
                else:
                    context = ctx or browser.new_context()
                    frames, idle = _browser_view(context, f"{url}/?{query}", IDLE, timeout)
                    if ctx is None:
                        context.close()
                    note(f"{who}_{state}_s", frames)
                    note(f"{who}_{state}_idle_s", idle)
                time.sleep(0.5)  # what the server still does for the view (its last sends)
                note(f"{who}_{state}_cpu_s", cpu_seconds(pids) - cpu0)
        browser.close()
    return {k: {"median": round(statistics.median(v), 3), "all": [round(x, 3) for x in v]}
            for k, v in out.items()}


def _browser_view(context, url: str, idle_selector: str, timeout: float) -> tuple[float, float]:
    page = context.new_page()
    cdp = page.context.new_cdp_session(page)
    sent: list[float] = []
    finished: list[float] = []
    cdp.on("Network.webSocketFrameSent", lambda e: sent.append(e["timestamp"]))
    cdp.on("Network.webSocketFrameReceived", lambda e: _if_finished(e, finished))
    cdp.send("Network.enable")
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(idle_selector, timeout=timeout * 1000)
    idle = time.perf_counter() - t0
    page.close()
    return finished[0] - sent[0], idle


def _if_finished(event: dict, got: list[float]) -> None:
    fwd = ForwardMsg()
    fwd.ParseFromString(base64.b64decode(event["response"]["payloadData"]))
    if fwd.WhichOneof("type") == "script_finished" and fwd.script_finished in DONE:
        got.append(event["timestamp"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", nargs="?", default="run", choices=["run", "validate"])
    ap.add_argument("--db", type=Path, default=ROOT / "data" / "warehouse.duckdb")
    ap.add_argument("--sessions", default="1,8,32", help="concurrency levels, comma-separated")
    ap.add_argument("--views", type=int, default=6, help="views per session (the first opens)")
    ap.add_argument("--think", default="1-3", help="seconds between a user's views: A-B or A")
    ap.add_argument("--processes", type=int, default=1, help="dashboard processes (K > 1: nginx)")
    ap.add_argument("--proxy", action="store_true", help="through nginx even with one process")
    ap.add_argument("--url", help="measure a server already running instead")
    ap.add_argument("--timeout", type=float, default=120, help="seconds a view may take")
    ap.add_argument("--deadline", type=float, default=900, help="seconds a level may take")
    ap.add_argument("--swaps", type=int, default=0,
                    help="replace (a copy of) the warehouse file this often in each level")
    ap.add_argument("--repeats", type=int, default=3, help="validate: views compared")
    ap.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                    help="validate: a first view, untimed, puts the page's scripts in the "
                         "returning browser's cache (default)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    if a.swaps and a.url:
        ap.error("--swaps replaces the file of dashboards started here, not --url's")
    result = validate(a.db, a.repeats, a.timeout, a.warm_up) if a.command == "validate" else bench(a)
    if a.command == "validate":
        print(json.dumps(result))
    if a.out:
        a.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
