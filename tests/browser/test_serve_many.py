"""deploy/serve-many.sh as the README runs it: two dashboard processes behind nginx over one
warehouse file. Browsers spread over both processes; an upload reaches the process that holds
its session (nginx's sticky cookie: without it, Streamlit answers "Invalid session_id"); a load
made through one process is seen by the other, which reopens the swapped file."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from etl.parse import make_id
from tests.registry import registered
from tests.served import IDLE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`serve-many.sh 2` over a registered warehouse (started as bench_sessions starts it)."""
    from bench.bench_sessions import dashboards

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("needs nginx: `make test` installs it (apt-get install nginx)")
    root = tmp_path_factory.mktemp("many")
    db = registered(root / "warehouse.duckdb")
    with dashboards(db, 2, True, UNION_DASH_REJECTS_DIR=str(root / "rejects")) as served:
        yield served


def _backend(run: Path, route: str) -> int:
    """The port that answered the requests carrying this browser's route cookie."""
    # nginx writes the access-log line after the response has gone out, so the client can
    # read the log before its request is in it (CI saw an empty set once): wait for it.
    deadline = time.monotonic() + 10
    while True:
        ports = {int(m) for m in re.findall(rf"127\.0\.0\.1:(\d+) \S+ {route}$",
                                            (run / "access.log").read_text(), re.M)}
        if ports or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(ports) == 1, ports  # one browser, one process
    return ports.pop()


def _rosters(tmp: Path) -> list[Path]:
    """Two monthly relief rosters of one station: two uploads from one tab."""
    a, b = make_id("15070219800101001"), make_id("15070219800101002")
    paths = []
    for month in (11, 12):
        path = tmp / f"海拉尔区正阳街道2024年{month}月临时救助.csv"
        path.write_text("序号,姓名,身份证号码,帮扶站点,帮扶类型,救助对象类别,资金来源,金额（元）,发放日期\n"
                        f"1,张一,{a},150702001,临时救助,困难职工,工会自筹,800,2024-{month}-05\n"
                        f"2,张二,{b},150702001,临时救助,困难职工,工会自筹,600,2024-{month}-06\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def test_browsers_spread_uploads_stick_loads_seen(served, browser, tmp_path):
    url, run = served.url, served.run_dir
    ports = tuple(int(b.rsplit(":", 1)[1]) for b in served.backends)
    tabs: dict[int, object] = {}  # backend port → a page whose browser it serves
    for _ in range(10):  # new browsers until both processes have one (1 in 512 fails)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # Two requests of the browser's own (its cookies) say which process serves it: the
        # first gets the route cookie, the second carries it into the access log. A page is
        # opened only in a browser of a process not held yet (a page costs a run).
        for _ in range(2):
            assert context.request.get(f"{url}/_stcore/health").ok
        (route,) = [c["value"] for c in context.cookies() if c["name"] == "union_dash_route"]
        if _backend(run, route) in tabs:
            context.close()
            continue
        page = context.new_page()
        page.goto(f"{url}/upload", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        tabs[_backend(run, route)] = page  # the page's requests too went to that process
        if len(tabs) == 2:
            break
    assert set(tabs) == set(ports)

    loader, other = tabs[ports[0]], tabs[ports[1]]
    other.get_by_role("heading", name="数据导入").wait_for(timeout=60_000)
    assert "共1批" in other.inner_text('[data-testid="stSidebar"]')  # the registry
    # Two files, two PUTs: round robin sends one of them to the other process, which
    # answers 400 (tried by hand: "Request failed with status code 400" on the chip).
    loader.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        [str(p) for p in _rosters(tmp_path)])
    loader.locator('[data-testid="stFileChip"]').nth(1).wait_for(timeout=60_000)
    loader.wait_for_selector(IDLE, timeout=60_000)
    assert "Error" not in loader.locator('[data-testid="stFileUploader"]').inner_text()
    loader.get_by_role("button", name="导入", exact=True).click()
    loader.get_by_text("全部文件已载入").wait_for(timeout=90_000)
    puts = re.findall(r'"PUT /_stcore/upload_file/\S+ HTTP/1.1" (\d+) 127\.0\.0\.1:(\d+) ',
                      (run / "access.log").read_text())
    assert puts == [("204", str(ports[0]))] * 2

    # the other process reopens the file the load swapped in, at its next run
    other.reload()
    other.wait_for_selector(IDLE, timeout=60_000)
    other.get_by_text("共3批", exact=False).wait_for(timeout=60_000)
