"""The scheduler and subscriptions (issue 23): `python -m alerts run-due` on a fake clock sends a
due subscription's Word briefing (attached by e-mail to an SMTP server on loopback, a summary
and link to a webhook robot), sends nothing more the same day, catches up once after a
downtime, and a second run while the first holds the lock does nothing."""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import docx
import pytest

from alerts import schedule, subscription_file
from alerts import subscription_store as st
from alerts.__main__ import main as alerts_main
from alerts.subscription_send import period_for, summary
from alerts.subscriptions import Subscription, due_slot, latest_slot, next_slot, slots_between
from tests.alert_servers import free_port, smtp_server, webhook_server

ROOT = Path(__file__).resolve().parents[2]
JUNE_1 = datetime(2012, 6, 1)


# ---------------------------------------------------------------- the calendar, no warehouse

def _sub(**kw) -> Subscription:
    base = {"sub_id": "s1", "region": "150422", "period_rule": "last_month", "day": 5,
            "hour": 8, "recipients": ("mail",)}
    return Subscription(**(base | kw))


def test_a_monthly_slot_on_a_day_the_month_lacks_falls_on_its_last_day():
    s = _sub(day=31)
    assert latest_slot(s, datetime(2013, 3, 10)) == datetime(2013, 2, 28, 8)
    assert next_slot(s, datetime(2013, 3, 10)) == datetime(2013, 3, 31, 8)
    assert latest_slot(s, datetime(2012, 3, 1)) == datetime(2012, 2, 29, 8)  # a leap year


def test_a_weekly_slot_is_the_weekday_at_the_hour():
    s = _sub(every="week", day=1, hour=9)  # Mondays 09:00; 2012-06-04 was a Monday
    assert latest_slot(s, datetime(2012, 6, 6, 12)) == datetime(2012, 6, 4, 9)
    assert latest_slot(s, datetime(2012, 6, 4, 8, 59)) == datetime(2012, 5, 28, 9)
    assert next_slot(s, datetime(2012, 6, 6)) == datetime(2012, 6, 11, 9)


def test_only_the_latest_slot_is_due_and_none_before_the_subscription_was_made():
    s = _sub(created=datetime(2012, 6, 1))
    assert due_slot(s, datetime(2012, 6, 5, 7), None) is None  # May's slot predates it
    assert due_slot(s, datetime(2012, 6, 5, 8), None) == datetime(2012, 6, 5, 8)
    assert due_slot(s, datetime(2012, 9, 7), datetime(2012, 6, 5, 8)) == datetime(2012, 9, 5, 8)
    assert slots_between(s, datetime(2012, 6, 5, 8), datetime(2012, 9, 7)) == 3
    assert due_slot(_sub(enabled=False), datetime(2012, 9, 7), None) is None


def test_period_rules_name_the_whole_period_before_the_day():
    assert period_for("last_month", date(2012, 1, 5)).text == "2011-12"
    assert period_for("last_quarter", date(2012, 6, 5)).text == "2012Q1"
    assert period_for("last_quarter", date(2012, 1, 5)).text == "2011Q4"
    ytd = period_for("year_to_date", date(2012, 6, 5))
    assert (ytd.start, ytd.end, ytd.label(), ytd.label("en")) == (
        date(2012, 1, 1), date(2012, 5, 1), "2012年1—5月", "Jan–May 2012")
    assert period_for("year_to_date", date(2013, 1, 5)).text == "2012"  # January: last year


def test_a_subscriptions_file_in_toml_or_chinese_csv_and_its_problems():
    toml = ('[[subscription]]\nid = "a"\nregion = "150422"\nperiod_rule = "本年累计"\n'
            'day = 3\nrecipients = ["mail", "robot"]\n')
    (a,) = subscription_file.read("subs.toml", toml.encode())
    assert (a.period_rule, a.day, a.recipients) == ("year_to_date", 3, ("mail", "robot"))
    csv = "编号,地区,期间,周期,日,接收渠道\nb,150702,上季度,每周,2,mail；robot\n"
    (b,) = subscription_file.read("subs.csv", ("\ufeff" + csv).encode())
    assert (b.every, b.day, b.period_rule, b.recipients) == (
        "week", 2, "last_quarter", ("mail", "robot"))
    bad = "编号,地区,期间,日,接收渠道\nc,15042,上月,40,mail\nc,150422,每年,1,\n"
    with pytest.raises(ValueError) as err:
        subscription_file.read("bad.csv", bad.encode())
    text = str(err.value)
    assert "bad.csv #1" in text and "six-digit" in text and "day 40" in text
    assert "bad.csv #2" in text and "period_rule" in text and "recipients" in text


# ---------------------------------------------------------------- run-due against servers

@pytest.fixture
def scheduled_env(tmp_path, monkeypatch, sample_db):
    """The sample warehouse (read only), a state file and audit log of the test's own, and
    a channels file naming an SMTP server and a webhook robot on loopback."""
    box, controller, port, cert = smtp_server(tmp_path)
    hooks, http = webhook_server()
    channels = tmp_path / "channels.toml"
    channels.write_text(
        f'[channels.office-mail]\nkind = "email"\nhost = "127.0.0.1"\nport = {port}\n'
        f'security = "starttls"\ncafile = "{cert}"\nsender = "alerts@example.org"\n'
        f'to = ["office@example.org"]\nretries = 0\n\n'
        f'[channels.robot]\nkind = "wecom"\nwebhook = "{hooks.url("/robot")}?key=K"\n'
        f'retries = 0\n', "utf-8")
    env = {"UNION_DASH_DB": str(sample_db), "UNION_DASH_ALERTS": str(tmp_path / "alerts.sqlite"),
           "UNION_DASH_AUDIT": str(tmp_path / "audit.sqlite"),
           "UNION_DASH_CHANNELS": str(channels), "UNION_DASH_URL": "http://dash.example.org"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    st.save([_sub(sub_id="blzq", recipients=("office-mail", "robot"))], now=JUNE_1)
    yield box, hooks, env
    controller.stop()
    http.shutdown()


def _attachments(raw: bytes) -> list[tuple[str, bytes]]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return [(p.get_filename(), p.get_payload(decode=True)) for p in msg.iter_attachments()]


def _subject(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


class Rules:
    """run_rules stand-in that counts its calls (the engine's own tests are its own)."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def __call__(self, now: datetime, trigger: str = "") -> str:
        self.calls.append(now)
        return "0 rules"


def _audit(env: dict, action: str) -> list[tuple]:
    with sqlite3.connect(env["UNION_DASH_AUDIT"]) as con:
        return con.execute("SELECT object, outcome, details FROM events WHERE action = ?",
                           (action,)).fetchall()


def test_a_due_subscription_sends_the_briefing_once(scheduled_env):
    box, hooks, env = scheduled_env
    rules = Rules()
    early = schedule.run_due(datetime(2012, 6, 5, 7, 55), run_rules=rules)
    assert (early.sends, box.messages, early.exit_code) == ([], [], 0)  # before 08:00
    assert len(rules.calls) == 1  # the first run sees the data version for the first time

    report = schedule.run_due(datetime(2012, 6, 5, 9, 0), run_rules=rules)
    assert report.exit_code == 0, report.lines()
    assert [(s.sub_id, s.outcome, s.period) for s in report.sends] == [
        ("blzq", "sent", "2012年5月")]
    (raw,) = box.messages
    assert _subject(raw) == "【汇报材料】巴林左旗2012年5月"
    ((name, data),) = _attachments(raw)
    assert name == "汇报材料_巴林左旗2012年5月.docx"
    title = docx.Document(io.BytesIO(data)).paragraphs[0].text
    assert title.startswith("巴林左旗2012年5月") and "汇报材料" in title
    (post,) = hooks.to("/robot")  # the robot: the opening facts and the link, no file
    content = post.body["markdown"]["content"]
    assert "2012年5月，巴林左旗共救助困难职工" in content
    assert "http://dash.example.org/briefing?region=150422&from=2012-05&to=2012-05" in content
    assert len(rules.calls) == 1  # same data, daily evaluation done at 07:55

    again = schedule.run_due(datetime(2012, 6, 5, 18, 0), run_rules=rules)
    assert (again.sends, len(box.messages), len(hooks.posts)) == ([], 1, 1)
    (row,) = st.sends("blzq")
    assert (row["slot"], row["period"], row["outcome"], row["attempts"]) == (
        "2012-06-05T08:00:00", "2012年5月", "sent", 1)
    ((obj, outcome, _),) = _audit(env, "alert_subscription")
    assert (obj, outcome) == ("blzq", "ok")


def test_a_downtime_is_caught_up_once(scheduled_env):
    box, hooks, _ = scheduled_env
    rules = Rules()
    schedule.run_due(datetime(2012, 6, 5, 9, 0), run_rules=rules)
    assert len(box.messages) == 1 and len(rules.calls) == 1
    # the machine is off from 6 June to 7 September: three slots (5 July, 5 August,
    # 5 September) and three months of daily evaluations missed
    back = schedule.run_due(datetime(2012, 9, 7, 10, 0), run_rules=rules)
    assert back.exit_code == 0, back.lines()
    assert len(rules.calls) == 2 and back.evaluated == "daily"  # the rules: once
    assert [(s.period, s.outcome) for s in back.sends] == [("2012年8月", "sent")]
    assert back.skipped == {"blzq": 2}
    assert "caught up once for 3 missed slots" in "\n".join(back.lines())
    assert len(box.messages) == 2 and _subject(box.messages[1]).endswith("巴林左旗2012年8月")
    assert len(hooks.to("/robot")) == 2
    after = schedule.run_due(datetime(2012, 9, 7, 10, 5), run_rules=rules)
    assert (after.sends, after.evaluated, len(box.messages)) == ([], "", 2)
    assert [r["period"] for r in st.sends("blzq")] == ["2012年8月", "2012年5月"]


def test_a_second_run_while_the_first_holds_the_lock_does_nothing(scheduled_env, capsys):
    box, hooks, env = scheduled_env
    entered, release = threading.Event(), threading.Event()
    kept = box.handle_DATA

    async def held(server, session, envelope):  # the first run waits here, lock held
        entered.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 60)
        return await kept(server, session, envelope)

    box.handle_DATA = held
    first: list[schedule.RunReport] = []
    runner = threading.Thread(target=lambda: first.append(
        schedule.run_due(datetime(2012, 6, 5, 9, 0), run_rules=Rules())))
    runner.start()
    try:
        assert entered.wait(240), "the first run never reached the mail server"
        t0 = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "alerts", "run-due", "--now", "2012-06-05T09:01"],
            cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=120)
        assert second.returncode == schedule.BUSY, second.stderr
        assert "another run-due is running; nothing done" in second.stderr
        assert time.monotonic() - t0 < 60  # at once: it does not wait for the first
        assert schedule.run_due(datetime(2012, 6, 5, 9, 2)).busy  # in-process, too
        assert st.sends() == [] and len(box.messages) == 0
    finally:
        release.set()
        runner.join(240)
    assert first[0].exit_code == 0 and [s.outcome for s in first[0].sends] == ["sent"]
    assert len(box.messages) == 1 and len(hooks.posts) == 1
    assert len(st.sends()) == 1
    # the lock is free again: a run now goes ahead (and finds nothing due)
    third = _main(capsys, "run-due", "--now", "2012-06-05T09:10")
    assert third.returncode == 0, third.stderr
    assert "no subscription due" in third.stdout and len(box.messages) == 1


def test_run_due_without_a_warehouse_exits_2(tmp_path, monkeypatch, capsys):
    """Through `main` in this process (the command line in a process of its own is the busy
    run's, above)."""
    monkeypatch.setenv("UNION_DASH_DB", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(tmp_path / "alerts.sqlite"))
    out = _main(capsys, "run-due")
    assert out.returncode == schedule.CANNOT_RUN and "no warehouse" in out.stderr


def test_summary_stops_at_a_sentence():
    long = [("h", "第一句话。" * 10 + "第二句话很长" * 40)]
    cut = summary(long, limit=100)
    assert cut.endswith("。") and len(cut) <= 100


def test_the_rules_run_when_the_warehouse_changes_and_fire_once(scheduled_env, tmp_path, monkeypatch,
                                                                 sample_db):
    """With the real engine: a rule on 赤峰市's counties fires 巴林左旗's matching funds not
    arrived by 31 May 2012 at the first run; later runs on the same data do not run the rules;
    a new warehouse file (a load's swap) runs them again and nothing fires twice."""
    from alerts import rules
    from alerts.model import Rule

    _, hooks, _ = scheduled_env
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(sample_db.read_bytes())
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    st.remove("blzq")  # the rules alone
    rules.save(Rule("arrears", "配套资金未到位", "", "matching_arrears", {"by": "05-31"},
                    region="150400", recipients=("robot",)), check_known=False)
    first = schedule.run_due(datetime(2012, 6, 5, 9, 0))
    assert (first.exit_code, first.evaluated) == (0, "data changed"), first.lines()
    posts = [p.body["markdown"]["content"] for p in hooks.to("/robot")]
    assert posts and any("巴林左旗" in p for p in posts)
    same = schedule.run_due(datetime(2012, 6, 5, 9, 5))
    assert same.evaluated == "" and len(hooks.posts) == len(posts)
    copy = tmp_path / "next.duckdb"  # a load writes a new file and renames it over the old
    copy.write_bytes(db.read_bytes())
    os.replace(copy, db)
    swapped = schedule.run_due(datetime(2012, 6, 5, 9, 10))
    assert swapped.evaluated == "data changed" and swapped.exit_code == 0, swapped.lines()
    assert swapped.rules_result.rules == 1 and not swapped.rules_result.fired
    assert len(hooks.posts) == len(posts)  # fired once, not again


class FakeBriefing:
    """build_briefing stand-in for tests of the sending alone (the real one is above)."""

    class data:  # noqa: N801 - mimics Briefing.data
        @staticmethod
        def name(lang: str = "zh") -> str:
            return "巴林左旗"

    paragraphs = [("（一）困难职工救助", "2012年5月，巴林左旗共救助困难职工等14人。")]
    docx = b"PK fake"

    def __call__(self, region, period, *, lang="zh", scope=""):
        return self


def test_a_channel_that_failed_is_tried_again_alone(scheduled_env, tmp_path):
    """Mail goes, the robot is down: the next runs send to the robot only, until it answers
    (the mail is not sent twice); the slot is then done."""
    box, hooks, env = scheduled_env
    channels = Path(env["UNION_DASH_CHANNELS"])
    live = channels.read_text("utf-8")
    down = live.replace(hooks.url("/robot"), f"http://127.0.0.1:{free_port()}/robot")
    channels.write_text(down, "utf-8")
    build = FakeBriefing()
    first = schedule.run_due(datetime(2012, 6, 5, 9, 0), run_rules=Rules(), build=build)
    assert first.exit_code == schedule.FAILED
    assert first.sends[0].channels == {"office-mail": "sent", "robot": "failed"}
    assert "attempt 1 of 3" in "\n".join(first.lines())
    second = schedule.run_due(datetime(2012, 6, 5, 9, 5), run_rules=Rules(), build=build)
    assert second.sends[0].outcome == "partial" and len(box.messages) == 1
    channels.write_text(live, "utf-8")  # the robot is back
    third = schedule.run_due(datetime(2012, 6, 5, 9, 10), run_rules=Rules(), build=build)
    assert third.exit_code == 0 and third.sends[0].outcome == "sent", third.lines()
    assert len(box.messages) == 1 and len(hooks.to("/robot")) == 1
    (row,) = st.sends("blzq")
    assert (row["outcome"], row["attempts"]) == ("sent", 3)
    assert schedule.run_due(datetime(2012, 6, 5, 9, 15), run_rules=Rules()).sends == []
    outcomes = [o for _, o, _ in _audit(env, "alert_subscription")]
    assert outcomes == ["partial", "partial", "ok"]


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alerts", *args], cwd=ROOT,
                          env=os.environ | env, capture_output=True, text=True, timeout=120)


def _main(capsys: pytest.CaptureFixture, *args: str) -> subprocess.CompletedProcess:
    """`python -m alerts ARGS` run by its `main` in this process (the environment is
    scheduled_env's, set here too): exit code and output, without a Python start each."""
    capsys.readouterr()
    code = alerts_main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_the_command_line_saves_lists_and_removes_subscriptions(scheduled_env, tmp_path,
                                                               capsys):
    """The first command in a process of its own, the others through `main`."""
    _, _, env = scheduled_env
    cli = functools.partial(_main, capsys)
    file = tmp_path / "订阅.toml"
    file.write_text('[[subscription]]\nid = "hailar-q"\nregion = "150702"\n'
                    'period_rule = "上季度"\nday = 10\nrecipients = ["office-mail", "财务"]\n'
                    '[[subscription]]\nid = "nowhere"\nregion = "999999"\n'
                    'period_rule = "上月"\nrecipients = ["robot"]\n', "utf-8")
    refused = _cli(env, "subscriptions", str(file), "--now", "2012-06-01T00:00")
    assert refused.returncode == schedule.CANNOT_RUN
    assert "hailar-q: channels 财务 are not in the channels file" in refused.stderr
    assert "nowhere: region 999999 is not in this warehouse" in refused.stderr
    assert [s.sub_id for s in st.all_subscriptions()] == ["blzq"]  # nothing saved
    file.write_text(file.read_text("utf-8").replace('"财务"', '"robot"')
                    .replace("999999", "451030"), "utf-8")
    saved = cli("subscriptions", str(file), "--now", "2012-06-01T00:00")
    assert saved.returncode == 0, saved.stderr
    listed = cli("list", "--now", "2012-06-20T12:00")
    assert listed.returncode == 0, listed.stderr
    assert "hailar-q  150702  last_quarter  day 10 08:00  zh  → office-mail, robot  due now" \
        in listed.stdout  # 10 June came after it was made on 1 June
    # made at 00:00 on 1 June, its 08:00 slot that day is due
    assert "nowhere  451030  last_month  day 1 08:00  zh  → robot  due now" in listed.stdout
    later = cli("list", "--now", "2012-05-31T12:00")  # before either slot
    assert "hailar-q  150702  last_quarter  day 10 08:00  zh  → office-mail, robot  next " \
        "2012-06-10 08:00; last sent never" in later.stdout
    assert cli("unsubscribe", "nowhere").returncode == 0
    assert cli("unsubscribe", "nowhere").returncode == schedule.CANNOT_RUN
    assert {s.sub_id for s in st.all_subscriptions()} == {"blzq", "hailar-q"}
    assert [(o, out) for o, out, _ in _audit(env, "alert_subscription")] == [
        ("hailar-q", "saved"), ("nowhere", "saved"), ("nowhere", "removed")]
