"""The audit log proves itself: a hash chain that `python -m core.audit verify` walks (an
event deleted or edited behind the triggers' back is named by its number), an old log chained
once, and a load or withdrawal killed right after its swap answered at the next start."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from core import audit, audit_chain, audit_verify
from core.audit_chain import Problem
from etl import load, load_audit, withdraw
from tests import messy_files as mf
from tests.apptest_pages import audit_page
from tests.registry import registered

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """A warehouse with its stations registered, made before this test's log (the loads
    that made it are recorded elsewhere); the log is `tmp_path / "audit.sqlite"`."""
    made = registered(tmp_path / "w.duckdb")
    monkeypatch.setenv(audit.ENV, str(tmp_path / "audit.sqlite"))
    return made


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.audit", "verify", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _verify(capsys: pytest.CaptureFixture, *args: str) -> subprocess.CompletedProcess:
    """`python -m core.audit verify ARGS` run by its `main` in this process (a process of its
    own is test_a_clean_log_verifies_and_prints_its_head's): its exit code and output."""
    capsys.readouterr()
    code = audit_verify.main(["verify", *args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def _tamper(log: Path, *statements: str) -> None:
    """What a hand with the file can do: drop the triggers, then change rows."""
    con = sqlite3.connect(log)
    try:
        con.execute("DROP TRIGGER IF EXISTS events_no_update")
        con.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def _some_events(n: int = 6) -> list[int]:
    return [audit.record("export", user=f"u{i}", object=f"f{i}.csv", details={"rows": i})
            for i in range(n)]


def _loads(log: Path) -> list[dict]:
    return list(reversed(audit.events(log, action="load").to_dicts()))


# ---------------------------------------------------------------- the chain and verify

def test_a_clean_log_verifies_and_prints_its_head(log, capsys):
    ids = _some_events()
    report = audit_verify.verify(log)
    assert report.whole and (report.events, report.first, report.head) == (6, 1, ids[-1])
    done = _cli("--log", str(log))
    assert done.returncode == 0, done.stderr
    assert "整条日志完整" in done.stdout and "the whole log is intact" in done.stdout
    assert f"{report.head}:{report.head_hash}" in done.stdout
    again = _verify(capsys, "--log", str(log), "--head", f"{report.head}:{report.head_hash}")
    assert again.returncode == 0


def test_a_deleted_event_is_found_with_its_position(log, capsys):
    _some_events()
    _tamper(log, "DELETE FROM events WHERE id = 3")
    report = audit_verify.verify(log)
    assert report.problems == [Problem("removed", 3, 3)]
    done = _verify(capsys, "--log", str(log), "--lang", "en")
    assert done.returncode == 1
    assert "event 3 was removed (gap between 2 and 4)" in done.stdout
    assert "第 3 条被删除" in _verify(capsys, "--log", str(log), "--lang", "zh").stdout


def test_an_edited_event_is_found_with_its_position(log, capsys):
    _some_events()
    _tamper(log, "UPDATE events SET user = 'someone-else' WHERE id = 4")
    assert audit_verify.verify(log).problems == [Problem("edited", 4)]
    done = _verify(capsys, "--log", str(log), "--lang", "en")
    assert done.returncode == 1 and "event 4 was edited (hash mismatch)" in done.stdout


def test_a_removed_and_renumbered_event_breaks_the_next_link(log):
    _some_events()
    # delete 3 and move 4.. down one (hashes kept): no gap, but 3's link is 2's no more
    _tamper(log, "DELETE FROM events WHERE id = 3",
            "UPDATE events SET id = id - 1 WHERE id > 3")
    problems = audit_verify.verify(log).problems
    assert Problem("relinked", 3) in problems and Problem("edited", 3) in problems


def test_the_last_events_cut_off_are_found_from_the_counter(log):
    _some_events()
    _tamper(log, "DELETE FROM events WHERE id >= 5")
    assert audit_verify.verify(log).problems == [Problem("tail", 5, 6)]


def test_a_chain_rewritten_without_the_key_does_not_verify(log, monkeypatch):
    _some_events()
    report = audit_verify.verify(log)
    # the whole file remade with another key (a forger without ours): nothing matches
    forged = log.with_name("forged.sqlite")
    monkeypatch.setenv(audit_chain.KEY_ENV, "not-the-key")
    for i in range(6):
        audit.record("export", user=f"u{i}", object=f"f{i}.csv", details={"rows": i},
                     path=forged)
    monkeypatch.delenv(audit_chain.KEY_ENV)
    assert audit_verify.verify(forged).problems == [Problem("wrong_key")]
    # ... and the head an admin noted shows a replaced file even to a holder of the key
    assert Problem("anchor", report.head) in audit_verify.verify(
        forged, head=(report.head, report.head_hash)).problems


def test_an_added_event_without_its_hash_is_found(log):
    _some_events(3)
    _tamper(log, "INSERT INTO events (at_utc, at_local, user, action) "
                 "VALUES ('2026-01-01T00:00:00.000+00:00', '2026-01-01', 'x', 'login')")
    assert audit_verify.verify(log).problems == [Problem("unchained", 4)]


def test_verify_without_a_key_cannot_tell(log, tmp_path, monkeypatch, capsys):
    _some_events(2)
    monkeypatch.setenv(audit_chain.KEY_FILE_ENV, str(tmp_path / "no.key"))
    monkeypatch.delenv(audit_chain.KEY_ENV, raising=False)
    done = _verify(capsys, "--log", str(log))
    assert done.returncode == 2 and "cannot verify" in done.stderr
    assert not (tmp_path / "no.key").exists()  # a new key would call every event forged


def test_an_old_log_is_chained_once(tmp_path):
    """A log written before the chain (no hash columns) is hashed as it stands, once, and
    an `audit` event says where the chain started."""
    old = tmp_path / "old.sqlite"
    con = sqlite3.connect(old)
    con.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at_utc TEXT NOT NULL,
            at_local TEXT NOT NULL, user TEXT NOT NULL, role TEXT, action TEXT NOT NULL,
            object TEXT, details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
            outcome TEXT NOT NULL DEFAULT 'ok');
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        INSERT INTO events (at_utc, at_local, user, action) VALUES
            ('2025-01-01T00:00:00.000+00:00', '2025-01-01 08:00:00', 'a', 'login'),
            ('2025-01-02T00:00:00.000+00:00', '2025-01-02 08:00:00', 'b', 'export');""")
    con.commit()
    con.close()
    audit.record("login", user="c", path=old)
    audit.record("login", user="d", path=old)
    rows = audit.events(old).to_dicts()
    assert [r["user"] for r in rows][:2] == ["d", "c"]
    [started] = [r for r in rows if r["action"] == "audit"]
    assert started["object"] == "chain started at event 1" and started["id"] == 3
    assert json.loads(started["details"])["chained_events"] == 2
    report = audit_verify.verify(old)
    assert report.whole and report.events == 5
    con = sqlite3.connect(old, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # trigger made again
        con.execute("UPDATE events SET user = 'x'")
    con.close()
    _tamper(old, "UPDATE events SET user = 'z' WHERE id = 1")  # an old event edited later
    assert audit_verify.verify(old).problems == [Problem("edited", 1)]


# ---------------------------------------------------------------- kill after the swap

def _kill_load(db: Path, path: Path, point: str = "after_swap") -> subprocess.CompletedProcess:
    env = dict(os.environ, UNION_DASH_FAULT_AT=point)
    return subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--db", str(db),
                           "--rejects", str(db.parent / "rej")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _batches(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT batch_id FROM load_batches").fetchall()]
    finally:
        con.close()


def test_a_load_killed_after_its_swap_is_reconciled_at_the_next_load(tmp_path, db, capsys):
    log = tmp_path / "audit.sqlite"
    done = _kill_load(db, mf.bom_csv(tmp_path))
    assert done.returncode == -9, done.stderr  # SIGKILL right after os.replace
    [started] = _loads(log)
    batch = json.loads(started["details"])["batch"]
    assert started["outcome"] == "started" and batch in _batches(db)  # new data, no outcome
    assert [e["id"] for e in audit.open_intents(log)] == [started["id"]]
    assert "1 load(s) or withdrawal(s) started with no outcome yet" in _verify(
        capsys, "--db", str(db), "--lang", "en").stdout

    # the next start: another load reconciles before it changes anything
    later = load.load_files([mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_C,
                                            "2013-01-05")], db, rejects_dir=tmp_path / "rej")
    assert later.exit_code == 0
    events = _loads(log)
    answer = events[1]
    assert (answer["outcome"], answer["object"]) == ("reconciled", started["object"])
    facts = json.loads(answer["details"])
    assert (facts["batch"], facts["intent"], facts["reconciled_from"]) == (
        batch, started["id"], "warehouse")
    assert facts["warehouse"]["rows_loaded"] == json.loads(started["details"])["rows_loaded"]
    assert [e["outcome"] for e in events[2:]] == ["started", "ok"]  # the later load's own
    assert audit.open_intents(log) == []

    count = audit.events(log).height  # a second start adds nothing
    assert load_audit.reconcile(db) == 0 and load_audit.reconcile_if_idle(db) == 0
    assert audit.events(log).height == count
    assert audit_verify.verify(log, warehouse=db).whole


def test_the_dashboard_start_reconciles_and_an_unswapped_intent_is_interrupted(tmp_path, db):
    log = tmp_path / "audit.sqlite"
    assert _kill_load(db, mf.bom_csv(tmp_path), "before_swap").returncode == -9
    assert _kill_load(db, mf.station_csv(tmp_path, "a.csv", "150702001", mf.ID_C,
                                         "2013-01-05")).returncode == -9
    events = _loads(log)
    first, second = (json.loads(e["details"])["batch"] for e in (events[0], events[2]))
    assert first not in _batches(db) and second in _batches(db)
    # the second load's start answered the first, killed before its swap: not done
    assert [e["outcome"] for e in events] == ["started", "interrupted", "started"]
    assert json.loads(events[1]["details"])["batch"] == first

    from ui import audit_trail

    audit_trail.reconcile_once(db)  # the dashboard's first look at the warehouse
    answer = _loads(log)[3]
    assert answer["outcome"] == "reconciled" and json.loads(answer["details"])["batch"] == second
    count = audit.events(log).height
    audit_trail._reconciled.clear()  # a new process, as it were: still nothing to add
    audit_trail.reconcile_once(db)
    assert audit.events(log).height == count


def test_a_withdrawal_killed_after_its_swap_is_reconciled(tmp_path, db):
    log = tmp_path / "audit.sqlite"
    batch = load.load_files([mf.bom_csv(tmp_path)], db,
                            rejects_dir=tmp_path / "rej").files[0].batch_id
    env = dict(os.environ, UNION_DASH_FAULT_AT="after_swap")
    done = subprocess.run([sys.executable, "-m", "etl", "withdraw", batch, "--db", str(db)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, done.stderr
    assert batch not in _batches(db)
    [intent] = audit.open_intents(log)
    assert (intent["action"], intent["details"]["batch"]) == ("withdraw", batch)
    with pytest.raises(withdraw.Refused):  # the next withdrawal's start reconciles first
        withdraw.withdraw(db, "no-such-batch")
    [answer] = [e for e in audit.events(log, action="withdraw").to_dicts()
                if e["outcome"] == "reconciled"]
    assert json.loads(answer["details"])["batch"] == batch
    assert audit.open_intents(log) == []


# ---------------------------------------------------------------- against the warehouse

def test_a_load_whose_events_were_cut_off_is_found_from_the_warehouse(tmp_path, db, capsys):
    log = tmp_path / "audit.sqlite"
    audit.record("login", user="clerk")
    time.sleep(1.1)  # load_batches.loaded_at has whole seconds: a later second than the log's
    batch = load.load_files([mf.bom_csv(tmp_path)], db,
                            rejects_dir=tmp_path / "rej").files[0].batch_id
    assert audit_verify.verify(log, warehouse=db).whole
    # the load's events and the counter's trace of them removed: the chain alone is whole
    _tamper(log, "DELETE FROM events WHERE action = 'load'",
            "UPDATE sqlite_sequence SET seq = 1 WHERE name = 'events'")
    assert audit_verify.verify(log).whole
    assert audit_verify.verify(log, warehouse=db).problems == [Problem("batch", batch=batch)]
    done = _verify(capsys, "--db", str(db), "--lang", "en")
    assert done.returncode == 1 and f"batch {batch} is in the warehouse" in done.stdout


# ---------------------------------------------------------------- the admin page

def test_the_admin_page_says_whether_the_log_is_whole(small_warehouse, log, monkeypatch):
    _some_events(3)
    at = audit_page("admin", small_warehouse, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    assert "整条日志完整" in at.success[0].value and not at.error
    _tamper(log, "UPDATE events SET object = 'other.csv' WHERE id = 2",
            "DELETE FROM events WHERE id = 1")
    at = audit_page("admin", small_warehouse, monkeypatch)
    shown = at.error[0].value
    assert "日志不完整" in shown and "第 2 条被修改" in shown and "日志开头的第 1 条被删除" in shown
    at = audit_page("admin", small_warehouse, monkeypatch, lang="en")
    assert "event 2 was edited (hash mismatch)" in at.error[0].value


def test_without_a_key_an_event_is_written_off_the_chain_not_lost(log, monkeypatch, tmp_path):
    _some_events(2)
    key = audit_chain.load_key()
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(audit_chain.KEY_FILE_ENV, str(blocked / "audit.key"))  # cannot be made
    assert audit.record("login", user="late") == 3
    monkeypatch.setenv(audit_chain.KEY_ENV, key.decode())
    assert audit.record("login", user="later") == 4  # the chain goes on past it
    assert audit_verify.verify(log).problems == [Problem("unchained", 3)]
