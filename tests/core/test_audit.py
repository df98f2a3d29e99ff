"""The audit trail: append-only, safe for several writers, outside the warehouse swap, and fed
by logins, loads, exports and briefings; the admin page that reads and exports it."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from core import audit, audit_verify
from etl import load, swap
from tests import messy_files as mf
from tests.apptest_pages import GATE_APP, PASSWORD, audit_page, signed_in
from tests.registry import registered
from ui import auth

ROOT = Path(__file__).resolve().parents[2]


def _events(path: Path, **kw) -> list[dict]:
    return audit.events(path, **kw).to_dicts()


# ---------------------------------------------------------------- the log itself

def test_events_cannot_be_updated_or_deleted(log):
    first = audit.record("login", user="alice", role="admin")
    audit.record("export", user="bob", details={"format": "csv"})
    con = sqlite3.connect(log)
    try:
        for statement in ("UPDATE events SET user = 'mallory'", "DELETE FROM events",
                          f"DELETE FROM events WHERE id = {first}"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        con.close()
    assert [e["user"] for e in _events(log)] == ["bob", "alice"]


def test_events_filter_by_time_action_and_user(log):
    for user, action in (("alice", "login"), ("bob", "export"), ("alice", "export")):
        audit.record(action, user=user, object="x.csv", details={"rows": 3})
    today = date.today()
    assert len(_events(log, since=today, until=today)) == 3
    assert _events(log, until=today - timedelta(days=1)) == []
    assert _events(log, since=datetime.now().astimezone() + timedelta(minutes=1)) == []
    assert [e["user"] for e in _events(log, action="export")] == ["alice", "bob"]
    assert len(_events(log, action=["export", "login"], user="alice")) == 2
    assert len(_events(log, limit=1)) == 1
    assert audit.users(log) == ["alice", "bob"]
    newest = _events(log)[0]
    assert json.loads(newest["details"]) == {"rows": 3}
    assert datetime.fromisoformat(newest["at_utc"]).utcoffset() == timedelta(0)


def test_id_number_shapes_never_reach_the_log(log):
    audit.record("export", user="bob", object=f"名单_{mf.ID_A}.csv",
                 details={"note": f"{mf.ID_B} and 150702800101123"})
    text = json.dumps(_events(log))
    assert mf.ID_A not in text and mf.ID_B not in text and "150702800101123" not in text
    assert f"{mf.ID_A[:6]}********{mf.ID_A[-4:]}" in text


def test_a_failure_to_record_warns_and_does_not_raise(tmp_path, caplog):
    blocked = tmp_path / "a-directory"
    blocked.mkdir()
    with caplog.at_level(logging.WARNING, logger="core.audit"):
        assert audit.record("load", user="x", path=blocked) is None
    assert "could not record load" in caplog.text


def test_no_log_reads_as_empty(tmp_path):
    assert audit.events(tmp_path / "none.sqlite").columns == list(audit.COLUMNS)
    assert audit.events(tmp_path / "none.sqlite").is_empty()
    assert not (tmp_path / "none.sqlite").exists()


def test_concurrent_appends_from_several_processes_lose_nothing(log):
    workers, n = 4, 200
    start_at = time.time() + 2.0  # once the interpreters have started
    # Fresh interpreters, not multiprocessing's spawn: it reruns the parent's __main__, which
    # after an AppTest in this process is dashboard.py.
    code = "import sys; from tests.audit_writer import append; append(sys.argv[1], " \
           "int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(log), str(w), str(n),
                               str(start_at)], cwd=ROOT) for w in range(workers)]
    assert [p.wait(120) for p in procs] == [0] * workers
    df = audit.events(log)
    assert df.height == workers * n and df["id"].n_unique() == workers * n
    per_worker = df.group_by("user").agg(pl.col("object").cast(pl.Int64).sort())
    for objects in per_worker["object"]:
        assert objects.to_list() == list(range(n))
    assert audit_verify.verify(log).whole  # one chain: no two writers linked to one event


# ---------------------------------------------------------------- loads

def test_a_load_is_recorded_beside_the_warehouse_and_survives_the_swap(tmp_path, monkeypatch):
    monkeypatch.delenv(audit.ENV, raising=False)
    db = registered(tmp_path / "w.duckdb")
    beside = audit.log_path(db)
    assert beside == tmp_path / "w.duckdb.audit.sqlite"
    first = load.load_files([mf.bom_csv(tmp_path)], db, rejects_dir=tmp_path / "rej",
                            user="clerk").files[0]
    inode = beside.stat().st_ino
    second = load.load_files([mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_C,
                                             "2013-01-05"), tmp_path / "missing.csv"],
                             db, rejects_dir=tmp_path / "rej").files
    events = _events(beside, action="load")
    assert beside.stat().st_ino == inode  # two swaps of the warehouse, one log file
    assert [(e["object"], e["outcome"]) for e in events] == [  # intent before each swap
        ("missing.csv", "failed"), ("a.csv", "ok"), ("a.csv", "started"),
        (first.path.name, "ok"), (first.path.name, "started")]
    oldest = json.loads(events[-2]["details"])
    assert events[-2]["user"] == "clerk" and oldest["batch"] == first.batch_id
    assert (oldest["rows_loaded"], oldest["rows_rejected"]) == (first.rows_loaded, 0)
    assert json.loads(events[-1]["details"])["batch"] == first.batch_id
    assert len(json.loads(events[-1]["details"])["sha256"]) == 64  # the file's content hash
    assert events[1]["user"] == load.os_login()  # a command-line run: the system account
    assert json.loads(events[1]["details"])["batch"] == second[0].batch_id


def test_a_load_that_fails_before_its_swap_is_recorded_as_an_error(tmp_path, log, monkeypatch):
    db = registered(tmp_path / "w.duckdb")

    def crash(point: str) -> None:
        if point == "before_swap":
            raise RuntimeError("injected fault")

    monkeypatch.setattr(swap, "FAULT_HOOK", crash)
    with pytest.raises(RuntimeError):
        load.load_files([mf.bom_csv(tmp_path)], db, rejects_dir=tmp_path / "rej", user="clerk")
    answered, event, started = _events(log, action="load")
    assert (event["outcome"], event["user"]) == ("error", "clerk")
    assert json.loads(event["details"])["error"] == "RuntimeError"
    # its intent, recorded before the swap, answered from the warehouse: not done
    assert (started["outcome"], answered["outcome"]) == ("started", "interrupted")
    assert json.loads(answered["details"])["intent"] == started["id"]


def test_a_withdrawal_is_recorded_for_its_batch(tmp_path, log):
    from etl import load_audit

    load_audit.withdrawal(tmp_path / "w.duckdb", "20260101120000-abc", user="clerk",
                          file="a.csv", rows_removed=3, rows_restored=1)
    [event] = _events(log, action="withdraw")
    assert (event["object"], event["user"], event["outcome"]) == (
        "20260101120000-abc", "clerk", "ok")
    assert json.loads(event["details"])["rows_restored"] == 1


# ---------------------------------------------------------------- logins

@pytest.fixture
def network(monkeypatch):
    """A server open to the network (so logins are required). Quicker than in production:
    no pause of 0.7 s before each log-in form (bcrypt's cost: tests/conftest.py)."""
    from streamlit_authenticator import params

    monkeypatch.setattr(params, "PRE_LOGIN_SLEEP_TIME", 0.0)
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    monkeypatch.chdir(ROOT)
    yield
    st_config.set_option("server.address", before)


def _try(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_failed_and_successful_logins_are_recorded_once(tmp_path, log, network, monkeypatch):
    cfg = tmp_path / "auth.yaml"
    auth.add_user("dora", "researcher", PASSWORD, cfg)
    monkeypatch.setenv("UNION_DASH_AUTH", str(cfg))
    at = AppTest.from_string(GATE_APP, default_timeout=30).run()
    _try(at, "Dora", "not-the-password")
    at.run()  # a rerun after a failure is no new attempt
    _try(at, "nobody", "whatever-it-is")
    _try(at, "dora", PASSWORD)
    assert any("USER dora researcher" in m.value for m in at.markdown)
    at.run()
    at.run()  # reruns of a signed-in session record nothing more
    events = _events(log, action="login")
    assert [(e["user"], e["role"], e["outcome"]) for e in reversed(events)] == [
        ("dora", None, "failed"), ("nobody", None, "failed"), ("dora", "researcher", "ok")]
    assert json.loads(events[0]["details"]) == {"via": "password"}
    assert PASSWORD not in json.dumps(events)


def test_a_locked_user_is_recorded_as_locked(tmp_path, log, network, monkeypatch):
    cfg = tmp_path / "auth.yaml"
    auth.add_user("eve", "staff", PASSWORD, cfg)
    monkeypatch.setenv("UNION_DASH_AUTH", str(cfg))
    at = AppTest.from_string(GATE_APP, default_timeout=30).run()
    for _ in range(auth.MAX_LOGIN_ATTEMPTS):
        _try(at, "eve", "wrong-password")
    _try(at, "eve", PASSWORD)
    outcomes = [e["outcome"] for e in reversed(_events(log, action="login", user="eve"))]
    assert outcomes == ["failed"] * auth.MAX_LOGIN_ATTEMPTS + ["locked"]


# ---------------------------------------------------------------- exports

EXPORT_APP = """
from datetime import date
import polars as pl
import streamlit as st
from analytics.export import Provenance
from analytics.filters import Filters
from ui.downloads import download_buttons
st.session_state["filters"] = Filters(region="150702", start=date(2012, 1, 1),
                                      end=date(2012, 12, 1), category="laid_off")
table = pl.DataFrame({"region": ["海拉尔区", "巴林左旗", "西林县"],
                      "relief_persons": [3, 412, 95], "amount_yuan": [900.0, 1e5, 3e4]})
download_buttons(None, table, Provenance(title="救助人数", indicators=[
    {"code": "relief_persons", "unit": "人"}]), key="t")
"""


@pytest.fixture
def clicks(monkeypatch) -> dict:
    """The data function of every download button drawn, by label (AppTest cannot click
    one: Streamlit calls it when a browser asks for the file)."""
    import streamlit

    drawn: dict = {}
    real = streamlit.download_button

    def capturing(label, data=None, *args, **kwargs):
        drawn[label] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", capturing)
    return drawn


def test_an_export_is_recorded_on_the_click_with_filters_and_suppression(log, clicks,
                                                                         monkeypatch):
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_string(EXPORT_APP, default_timeout=30), "rita", "researcher")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(clicks) == {"CSV", "XLSX", "Parquet"}
    assert _events(log) == []  # drawing the buttons records nothing
    csv = clicks["CSV"]()
    published = pl.read_csv(io.BytesIO(csv), comment_prefix="#")["relief_persons"]
    assert 3 not in published.to_list()  # perturbed, and withheld when under 5
    [event] = _events(log)
    facts = json.loads(event["details"])
    assert (event["action"], event["user"], event["role"]) == ("export", "rita", "researcher")
    assert event["object"] == "救助人数.csv"
    assert facts["filters"] == {"region": "150702", "from": "2012-01", "to": "2012-12",
                                "gran": "year", "cat": "laid_off"}
    assert (facts["format"], facts["disclosure_control"], facts["suppressed_cells"]) == (
        "csv", True, published.null_count())
    clicks["XLSX"]()
    assert [e["object"] for e in _events(log)] == ["救助人数.xlsx", "救助人数.csv"]


def test_a_staff_export_is_recorded_as_not_suppressed(log, clicks, monkeypatch):
    monkeypatch.chdir(ROOT)
    signed_in(AppTest.from_string(EXPORT_APP, default_timeout=30), "sam", "staff").run()
    clicks["Parquet"]()
    facts = json.loads(_events(log)[0]["details"])
    assert (facts["format"], facts["disclosure_control"], facts["suppressed_cells"]) == (
        "parquet", False, 0)


def test_a_briefing_is_recorded_when_made_and_when_downloaded(small_warehouse, log, clicks,
                                                            monkeypatch):
    """The page's layout with the briefing itself stubbed (tests/analytics/test_briefing.py builds
    real ones): one event for making it, none for reruns, one per download."""
    import analytics.briefing
    import analytics.briefing.document
    from analytics.briefing import Briefing

    monkeypatch.setattr(analytics.briefing, "build_briefing", lambda region, period, lang, scope="000000": (
        Briefing(data=None, paragraphs=[], chart_titles=["a", "b"], docx=b"DOCX",
                 seconds={"total": 0.1})))
    monkeypatch.setattr(analytics.briefing.document, "key_rows", lambda data, lang: [])
    monkeypatch.setenv("UNION_DASH_DB", str(small_warehouse))
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_file(str(ROOT / "pages" / "briefing.py"), default_timeout=60),
                    "sam", "staff").run()
    at.button(key="bf_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.run()
    [made] = _events(log, action="briefing")
    assert (made["user"], json.loads(made["details"])["stage"]) == ("sam", "generated")
    word = next(label for label in clicks if "Word" in label)
    assert clicks[word]() == b"DOCX"
    downloaded = _events(log, action="briefing")[0]
    assert downloaded["object"].endswith(".docx")
    assert json.loads(downloaded["details"])["stage"] == "downloaded"


# ---------------------------------------------------------------- the admin page

def test_the_page_is_refused_to_staff(small_warehouse, log, monkeypatch):
    at = audit_page("staff", small_warehouse, monkeypatch)
    assert any("无权" in e.value for e in at.error)
    assert not at.dataframe


def test_admins_see_filter_and_export_the_log(small_warehouse, log, clicks, monkeypatch):
    audit.record("login", user="dora", role="researcher")
    audit.record("login", user="mallory", outcome="failed")
    audit.record("load", user="clerk", object="a.csv", details={"batch": "b1"})
    at = audit_page("admin", small_warehouse, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "审计日志"
    shown = at.dataframe[0].value
    assert list(shown["用户"]) == ["clerk", "mallory", "dora"]
    assert list(shown["结果"]) == ["成功", "失败", "成功"]
    at.multiselect(key="audit_actions").select("login").run()
    assert list(at.dataframe[0].value["操作"]) == ["登录", "登录"]
    at.selectbox(key="audit_user").select("mallory").run()
    assert list(at.dataframe[0].value["用户"]) == ["mallory"]

    exported = pl.read_csv(io.BytesIO(clicks["CSV"]()), comment_prefix="#")
    assert exported.select("user", "action", "outcome").rows() == [
        ("mallory", "login", "failed")]
    [event] = _events(log, action="export")
    assert (event["user"], event["role"], event["object"]) == ("u_admin", "admin", "审计日志.csv")
    assert json.loads(event["details"])["filters"]["user"] == "mallory"
    assert json.loads(event["details"])["filters"]["actions"] == "login"


def test_the_page_speaks_english(small_warehouse, log, monkeypatch):
    audit.record("withdraw", user="clerk", object="20260101-abc")
    at = audit_page("admin", small_warehouse, monkeypatch, lang="en")
    assert at.title[0].value == "Audit log"
    assert list(at.dataframe[0].value["Action"]) == ["withdrawal"]
