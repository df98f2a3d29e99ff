"""资金使用 of a deployment that has loaded its stations and relief rosters but no allocation
tables (帮扶资金下拨到位表): one message naming that file kind, not three section headers
each over the same message; the spending the rosters hold still on its card."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import load, warehouse
from tests.apptest_pages import open_dashboard
from tests.deployment_files import PLACES, station_files

SECTIONS = {"zh": ("资金下拨、到位与支出", "执行率与配套到位率", "资金缺口"),
            "en": ("Allocated, received and disbursed", "Execution and matching-fund arrival",
                   "Funding gaps")}
KIND = {"zh": "帮扶资金下拨到位表", "en": "fund allocation table"}  # etl/mappings/kinds.csv
SPENT = {"zh": ("资金支出(万元)", "0.2"), "en": ("Funds disbursed", "¥2,200")}  # the roster's


@pytest.fixture(scope="module")
def deyang_db(tmp_path_factory) -> Path:
    """德阳市 (etl init --scope 510600): a station and its roster of 2,200 yuan, no allocations."""
    where = tmp_path_factory.mktemp("deyang_funds")
    p = PLACES["deyang"]
    db = where / "w.duckdb"
    warehouse.init(db, [p.scope])
    report = load.load_files(station_files(where, p), db, rejects_dir=where / "rej")
    assert report.exit_code == 0
    return db


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_allocation_tables_the_page_says_so_once(deyang_db, local_staff, lang):
    at = open_dashboard(deyang_db, local_staff, "pages/funds.py")
    if lang != "zh":  # the language picker, as a reader sets it (a switch drops the URL's)
        at.session_state["lang"] = lang
        at.run()
    said = [i.value for i in at.info if KIND[lang] in i.value]
    assert len(said) == 1, [i.value for i in at.info]
    assert len(at.info) == 1  # nothing else on the page is an empty state
    assert [link.proto.page for link in at.get("page_link")] == ["upload"]
    headers = {s.value for s in at.subheader}
    assert not headers & set(SECTIONS[lang]), headers
    assert not at.get("plotly_chart")
    cards = {m.label: m.value for m in at.metric}
    label, value = SPENT[lang]
    assert cards[label] == value  # what the rosters paid out, beside the allocations' dashes
