"""Alerts end to end on loopback: a rule's finding delivered once to a 企业微信 robot, a 钉钉
robot (its 加签 checked here) and an SMTP server with STARTTLS; a second run sends nothing; the
clearing is recorded; a channel that is down is retried with backoff and its failure is in the
state file and the audit log, with no secret anywhere. Rules and rules files are checked."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import sqlite3
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from alerts import deliver, engine, rules, state, store
from alerts.channels import load
from alerts.model import Finding, Rule
from core import audit
from tests import alert_servers

SECRET = "SECtest0123456789abcdef"
WECOM_KEY = "wecom-key-4242"
DING_TOKEN = "ding-token-4343"
SMTP_PASSWORD = "smtp-pass-4444"


@pytest.fixture
def loopback(tmp_path):
    hooks, http = alert_servers.webhook_server()
    box, smtp, port, cert = alert_servers.smtp_server(tmp_path)
    yield hooks, box, port, cert
    http.shutdown()
    smtp.stop()


@pytest.fixture
def env(tmp_path, monkeypatch, loopback):
    """A warehouse path, its audit log and state file, and a channels file naming the three
    loopback and a fourth channel that is down."""
    hooks, box, port, cert = loopback
    monkeypatch.setenv("UNION_DASH_DB", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUDIT", str(tmp_path / "audit.sqlite"))
    monkeypatch.delenv("UNION_DASH_ALERTS", raising=False)
    channels = tmp_path / "channels.toml"
    channels.write_text(f"""
[channels."办公室群"]
kind = "wecom"
webhook = "{hooks.url('/cgi-bin/webhook/send')}?key={WECOM_KEY}"
msgtype = "markdown"

[channels."领导钉钉群"]
kind = "dingtalk"
webhook = "{hooks.url('/robot/send')}?access_token={DING_TOKEN}"
secret = "{SECRET}"
lang = "zh"

[channels."财务科"]
kind = "email"
host = "127.0.0.1"
port = {port}
security = "starttls"
cafile = "{cert}"
sender = "alerts@example.org"
to = ["caiwu@example.org"]
lang = "en"

[channels."停机群"]
kind = "wecom"
webhook = "http://127.0.0.1:{alert_servers.free_port()}/cgi-bin/webhook/send?key={WECOM_KEY}"
retries = 2
timeout = 2
""", encoding="utf-8")
    monkeypatch.setenv("UNION_DASH_CHANNELS", str(channels))
    return tmp_path


def finding(rule_id: str, period: str = "2012-06", value: float = 20.0) -> Finding:
    return Finding(rule_id=rule_id, region="150422", region_name="巴林左旗", period=period,
                   indicator="matching_arrival", value=value, reference=30.0,
                   message_key="matching_arrears", link="/funds?region=150422&from=2012-01")


def render(f: Finding, lang: str) -> str:
    if lang == "en":
        return f"{f.region_name}: {f.value} of {f.reference} arrived ({f.period}) {f.link}"
    return f"{f.region_name}{f.period}配套资金应到位{f.reference}万元，实际到位{f.value}万元 {f.link}"


def a_rule(recipients: tuple[str, ...]) -> Rule:
    return rules.save(Rule("", "配套资金未到位", "", "matching_arrears", {"by": "06-30"},
                           region="150400", recipients=recipients), user="staff1",
                      check_known=False)


def run(found: list[Finding], **kw) -> engine.RunReport:
    return engine.run_rules(datetime(2012, 7, 1, 9).astimezone(),
                            evaluate=lambda rule, con, as_of, lang: list(found), render=render,
                            user="staff1", trigger="load", **kw)


def valid_dingtalk_sign(query: dict[str, str]) -> bool:
    """The signature as DingTalk checks it, written here from its documentation: Base64 of
    HMAC-SHA256("timestamp\\nsecret") keyed with the secret; the timestamp within an hour."""
    ts = query["timestamp"]
    digest = hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    fresh = abs(time.time() * 1000 - int(ts)) < 3600_000
    return fresh and query["sign"] == base64.b64encode(digest).decode()


def test_a_broken_rule_is_delivered_once_to_each_channel_and_clears(env, loopback):
    hooks, box, _, _ = loopback
    rule = a_rule(("办公室群", "领导钉钉群", "财务科"))
    found = [finding(rule.rule_id)]

    first = run(found)
    assert len(first.fired) == 1 and [d.outcome for d in first.deliveries] == ["sent"] * 3
    wecom, ding = hooks.to("/cgi-bin/webhook/send"), hooks.to("/robot/send")
    assert len(wecom) == 1 and len(ding) == 1 and len(box.messages) == 1
    assert wecom[0].query == {"key": WECOM_KEY}
    assert "巴林左旗" in wecom[0].body["markdown"]["content"]
    assert ding[0].body["msgtype"] == "markdown" and "配套资金" in ding[0].body["markdown"]["text"]
    assert valid_dingtalk_sign(ding[0].query)
    mail = email.message_from_bytes(box.messages[0])
    assert "[Alert]" in mail["Subject"]  # the e-mail channel's language is English
    assert "arrived (2012-06)" in mail.get_payload(decode=True).decode()

    second = run(found)
    assert second.fired == [] and second.deliveries == []
    assert len(hooks.posts) == 2 and len(box.messages) == 1  # nothing new went out

    third = run([])
    assert [c["rule_id"] for c in third.cleared] == [rule.rule_id]
    row = state.firings()[0]
    assert row["cleared_at"] and row["clear_reason"] == "condition_gone"
    assert len(hooks.posts) == 2 and len(box.messages) == 1
    events = audit.events(action="alert")
    assert sorted(events["outcome"].to_list()) == ["cleared", "fired"]
    sent = audit.events(action=deliver.ACTION)
    assert sorted(sent["outcome"].to_list()) == ["sent"] * 3


def test_found_again_after_clearing_fires_again(env, loopback):
    hooks, _, _, _ = loopback
    rule = a_rule(("办公室群",))
    run([finding(rule.rule_id)])
    run([])
    again = run([finding(rule.rule_id)])
    assert len(again.fired) == 1 and len(hooks.posts) == 2
    assert [r["cleared_at"] is None for r in state.firings()] == [True, False]


def test_each_period_and_region_fires_on_its_own_in_one_message_a_run(env, loopback):
    hooks, _, _, _ = loopback
    rule = a_rule(("办公室群",))
    report = run([finding(rule.rule_id, "2012-06"), finding(rule.rule_id, "2012-07")])
    assert len(report.fired) == 2 and len(hooks.posts) == 1  # a run's findings of a rule: one
    text = hooks.posts[0].body["markdown"]["content"]
    assert "（2处）" in text and "2012-06" in text and "2012-07" in text
    rows = deliver.deliveries(firing_ids=[f.firing_id for f in report.fired])
    assert sorted(r["firing_id"] for r in rows) == sorted(f.firing_id for f in report.fired)
    assert run([finding(rule.rule_id, "2012-06"), finding(rule.rule_id, "2012-07")]).fired == []
    later = run([finding(rule.rule_id, p) for p in ("2012-06", "2012-07", "2012-08")])
    assert len(later.fired) == 1 and len(hooks.posts) == 2  # the new one alone


def test_many_findings_fit_a_robots_message(env, loopback):
    hooks, _, _, _ = loopback
    rule = a_rule(("办公室群",))
    report = run([finding(rule.rule_id, f"2012-{m:02d}", m) for m in range(1, 13)]
                 + [finding(rule.rule_id, f"2011-{m:02d}", m) for m in range(1, 13)]
                 + [finding(rule.rule_id, f"2010-{m:02d}", m) for m in range(1, 13)])
    assert len(report.fired) == 36 and len(hooks.posts) == 1
    text = hooks.posts[0].body["markdown"]["content"]
    assert len(text.encode()) <= 4096 and "见预警页面" in text and "（36处）" in text


def test_a_channel_that_is_down_is_retried_and_its_failure_recorded(env, loopback):
    hooks, _, _, _ = loopback
    rule = a_rule(("停机群", "办公室群", "无此渠道"))
    waits: list[float] = []
    report = run([finding(rule.rule_id)],
                 send=lambda *a, **kw: deliver.send(*a, sleep=waits.append, **kw))
    down, up, unknown = report.deliveries
    assert (down.outcome, down.attempts) == ("failed", 3)
    assert waits == [deliver.BASE_DELAY_S, 2 * deliver.BASE_DELAY_S]  # exponential backoff
    assert up.sent and len(hooks.posts) == 1  # the others are delivered regardless
    assert unknown.outcome == "failed" and "无此渠道" in unknown.error

    rows = deliver.deliveries(firing_ids=[report.fired[0].firing_id])
    down_rows = sorted((r["attempt"], r["outcome"]) for r in rows if r["channel"] == "停机群")
    assert down_rows == [(1, "retried"), (2, "retried"), (3, "failed")]
    events = audit.events(action=deliver.ACTION)
    assert sorted(events["outcome"].to_list()) == ["failed", "failed", "retried", "retried",
                                                    "sent"]
    assert "ConnectionError" in down.error
    assert WECOM_KEY not in down.error  # requests names the URL with its key: scrubbed


def test_no_secret_reaches_the_audit_log_or_the_state_file(env, loopback):
    rule = a_rule(("停机群", "办公室群", "领导钉钉群", "财务科"))
    run([finding(rule.rule_id)], send=lambda *a, **kw: deliver.send(*a, sleep=lambda s: None,
                                                                     **kw))
    for file in (env / "audit.sqlite", store.state_path()):
        con = sqlite3.connect(file)
        text = "\n".join(str(row) for table in ("events", "deliveries", "firings", "rules")
                         for row in _rows(con, table))
        con.close()
        for secret in (SECRET, WECOM_KEY, DING_TOKEN, SMTP_PASSWORD):
            assert secret not in text
    assert SECRET not in repr(load()["领导钉钉群"])


def _rows(con, table):
    try:
        return con.execute(f"SELECT * FROM {table}").fetchall()
    except sqlite3.OperationalError:  # not a table of this file
        return []


def test_a_failing_rule_keeps_its_firings_and_is_reported(env, loopback):
    rule = a_rule(("办公室群",))
    run([finding(rule.rule_id)])

    def broken(*_):
        raise RuntimeError("no such table")

    report = engine.run_rules(evaluate=broken, render=render)
    assert report.errors and report.cleared == []
    assert state.firings(open_only=True)  # not cleared by an error
    assert "error" in audit.events(action="alert")["outcome"].to_list()


def test_a_disabled_rule_clears_its_firings_and_stops(env, loopback):
    hooks, _, _, _ = loopback
    rule = a_rule(("办公室群",))
    run([finding(rule.rule_id)])
    rules.set_enabled(rule.rule_id, False, user="staff1")
    report = run([finding(rule.rule_id)])
    assert report.rules == 0 and report.fired == [] and len(hooks.posts) == 1
    assert state.firings()[0]["clear_reason"] == "rule_disabled"


# ---------------------------------------------------------------- rules and rules files

def test_a_rule_is_checked_field_by_field(env):
    bad = Rule("", "", "", "thresh", {}, region="150400", recipients=())
    columns = {p.column for p in rules.check(bad)}
    assert {"name", "condition", "recipients"} <= columns
    wrong = Rule("", "x", "relief_coverage", "threshold", {"op": "=>", "value": "eighty"},
                 region="150400", recipients=("办公室群", "nobody"))
    problems = rules.check(wrong, channels=set(load()))
    assert {p.column for p in problems} == {"op", "value", "recipients"}
    assert any("nobody" in p.text("en") and "办公室群" in p.text("en") for p in problems)
    with pytest.raises(rules.Refused):
        rules.save(wrong, check_known=False)
    assert rules.all_rules() == []


RULES_CSV = """名称,指标,条件,地区,接收渠道,比较,阈值,基准,幅度,截止日期,类别,件数
覆盖率低,relief_coverage,阈值,150400,办公室群;财务科,<,0.5,,,,,
集体访多,,信访超过,150400,领导钉钉群,,,,,,集体访,3
救助人数同比降,relief_persons,变化,150400,办公室群,<,,同比,-20,,,
"""


def test_a_rules_file_saves_all_its_rules(env):
    saved = rules.import_file("rules.csv", RULES_CSV.encode("utf-8-sig"), user="staff1",
                              check_known=False)
    assert [r.condition for r in saved] == ["threshold", "petitions_above", "change"]
    assert saved[1].params == {"kind": "collective", "n": 3}
    assert saved[0].recipients == ("办公室群", "财务科") and saved[0].params["value"] == 0.5
    assert len(rules.all_rules()) == 3
    assert audit.events(action="alert_rule").height == 3


def test_a_rules_file_saved_by_chinese_excel_in_gbk(env):
    saved = rules.import_file("rules.csv", RULES_CSV.encode("gbk"), check_known=False)
    assert [r.name for r in saved] == ["覆盖率低", "集体访多", "救助人数同比降"]


def test_a_rules_file_with_a_bad_row_saves_nothing_and_says_where(env):
    text = RULES_CSV.replace("集体访,3", "集体访,三").replace("同比,-20", "去年,-20")
    with pytest.raises(rules.Refused) as e:
        rules.import_file("rules.csv", text.encode(), check_known=False)
    where = {(p.file, p.row, p.column) for p in e.value.problems}
    assert where == {("rules.csv", 3, "n"), ("rules.csv", 4, "basis")}
    assert "rules.csv 第3行 列「件数」" in e.value.problems[0].text("zh") or \
        "rules.csv 第3行 列「件数」" in e.value.problems[1].text("zh")
    assert rules.all_rules() == []


def test_a_toml_rules_file(env):
    toml = """
[[rule]]
name = "站点未报送"
condition = "silent_station"
region = "150400"
recipients = ["办公室群"]
day = 10
"""
    saved = rules.import_file("rules.toml", toml.encode(), check_known=False)
    assert saved[0].params == {"day": 10} and saved[0].recipients == ("办公室群",)


def test_a_region_bound_users_rules_stay_in_their_region(env, sample_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(env / "bound.alerts.sqlite"))
    outside = Rule("", "x", "", "silent_station", {"day": 10}, region="150700",
                   recipients=("办公室群",))
    with pytest.raises(rules.Refused) as e:
        rules.save(outside, scope="150400", user="chifeng")
    assert [p.column for p in e.value.problems] == ["region"]
    inside = rules.save(Rule("", "x", "", "silent_station", {"day": 10}, region="150422",
                             recipients=("办公室群",)), scope="150400", user="chifeng")
    hulunbuir = rules.save(outside, user="admin")
    assert [r.rule_id for r in rules.all_rules(scope="150400")] == [inside.rule_id]
    with pytest.raises(rules.Refused):
        rules.set_enabled(hulunbuir.rule_id, False, scope="150400")
    with pytest.raises(rules.Refused):  # nor replaced through its id
        rules.save(Rule(hulunbuir.rule_id, "y", "", "silent_station", {"day": 5},
                        region="150422", recipients=("办公室群",)), scope="150400")
    sneaky = f"编号,名称,条件,地区,接收渠道,日\n{hulunbuir.rule_id},y,未报送,150422,办公室群,5\n"
    with pytest.raises(rules.Refused) as e:  # nor through a rules file
        rules.import_file("r.csv", sneaky.encode(), scope="150400")
    assert [(p.row, p.column) for p in e.value.problems] == [(2, "id")]
    assert rules.get(hulunbuir.rule_id).region == "150700"
    unknown = Rule("", "x", "no_such_indicator", "threshold", {"op": ">", "value": 1},
                   region="999999", recipients=("办公室群",))
    columns = {p.column for p in rules.check(unknown, **rules.known())}
    assert columns == {"indicator", "region"}


def test_state_file_lives_beside_the_warehouse(env):
    assert store.state_path() == Path(str(env / "w.duckdb") + ".alerts.sqlite")


# ---------------------------------------------------------------- a real load, a real rule

def test_a_load_that_breaks_a_rule_in_another_province(env, loopback, monkeypatch):
    """德阳市 (not the sample): the stations and a January roster load; a matching-funds rule
    holds nothing. The funds table loads with 10万 not arrived: the run after the load sends
    one message to each channel, in 德阳's words; a second run sends nothing; withdrawing the
    funds batch clears the alert, recorded. The rule is checked against the warehouse's own
    regions, indicators and channels, as the page does."""
    from etl import load, warehouse, withdraw
    from tests.deployment_files import PLACES, station_files

    hooks, box, _, _ = loopback
    p = PLACES["deyang"]
    db = env / "deyang.duckdb"
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(env / "deyang.alerts.sqlite"))
    warehouse.init(db, [p.scope])
    assert load.load_files(station_files(env, p), db, rejects_dir=env / "rej").exit_code == 0
    rule = rules.save(Rule("", "配套资金未到位", "", "matching_arrears", {"by": "12-31"},
                           region=p.scope, recipients=("办公室群", "领导钉钉群", "财务科")),
                      user="staff1")
    now = datetime(2027, 1, 5, 9).astimezone()
    assert engine.run_rules(now).fired == []

    funds = env / "帮扶资金下拨到位表.csv"
    funds.write_text(f"年度,{p.header},资金来源,下拨金额（元）,到位金额（元）\n"
                     f"2026,{p.county_name},地方财政配套,300000,200000\n", encoding="utf-8")
    loaded = load.load_files([funds], db, rejects_dir=env / "rej")
    assert loaded.exit_code == 0
    first = engine.run_rules(now, user="staff1", trigger="load")
    assert [(f.finding.rule_id, f.finding.region_name, f.finding.period)
            for f in first.fired] == [(rule.rule_id, "旌阳区", "2026")]
    assert [d.outcome for d in first.deliveries] == ["sent"] * 3
    wecom, ding = hooks.to("/cgi-bin/webhook/send"), hooks.to("/robot/send")
    assert len(wecom) == len(ding) == len(box.messages) == 1
    assert valid_dingtalk_sign(ding[0].query)
    text = wecom[0].body["markdown"]["content"]
    assert "旌阳区" in text and "尚有10.0万元未到位" in text and "旗" not in text
    mail = email.message_from_bytes(box.messages[0])  # the e-mail channel reads English
    assert "Jingyang" in mail.get_payload(decode=True).decode()

    assert engine.run_rules(now).deliveries == []
    assert len(hooks.posts) == 2 and len(box.messages) == 1

    withdraw.withdraw(db, loaded.files[0].batch_id, user="staff1")
    cleared = engine.run_rules(now, trigger="withdraw")
    assert [c["region"] for c in cleared.cleared] == [first.fired[0].finding.region]
    assert state.firings()[0]["clear_reason"] == "condition_gone"
    assert len(hooks.posts) == 2 and len(box.messages) == 1


def _after_change_done() -> None:
    """Wait for the dashboard's background run of the rules (ui/alerts_hook.py)."""
    import threading
    for t in [t for t in threading.enumerate() if t.name == "alerts-after-change"]:
        t.join(60)


def test_the_dashboards_load_and_withdrawal_run_the_rules(env, loopback, monkeypatch):
    """The upload page's load and the withdrawal section's run (ui/upload_view.run_load,
    ui/withdraw_view.run) run the rules once the ETL's call has returned."""
    from etl import load, warehouse
    from tests.deployment_files import PLACES, station_files
    from ui import upload_view, withdraw_view

    hooks, box, _, _ = loopback
    p = PLACES["yinchuan"]  # 银川市: 自治区专项, 县（市、区）
    db = env / "yinchuan.duckdb"
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    monkeypatch.setenv("UNION_DASH_ALERTS", str(env / "yinchuan.alerts.sqlite"))
    monkeypatch.setenv("UNION_DASH_REJECTS_DIR", str(env / "rej"))
    warehouse.init(db, [p.scope])
    assert load.load_files(station_files(env, p), db, rejects_dir=env / "rej").exit_code == 0
    # due by 1 January: on any day the year checked is the clock's own (arrears_year)
    rules.save(Rule("", "配套资金未到位", "", "matching_arrears", {"by": "01-01"},
                    region=p.scope, recipients=("办公室群",)), user="staff1")
    funds = (f"年度,{p.header},资金来源,下拨金额（元）,到位金额（元）\n"
             f"{date.today().year},{p.county_name},地方财政配套,300000,200000\n").encode()
    report = upload_view.run_load([("帮扶资金下拨到位表.csv", funds)], db)
    assert report.files[0].status == "loaded"
    _after_change_done()
    posts = hooks.to("/cgi-bin/webhook/send")
    assert len(posts) == 1 and "兴庆区" in posts[0].body["markdown"]["content"]
    assert [e for e in audit.events(action="alert")["details"].to_list() if '"load"' in e]

    done, _ = withdraw_view.run(db, report.files[0].batch_id, "staff1")
    assert done
    _after_change_done()
    assert state.firings()[0]["clear_reason"] == "condition_gone" and len(hooks.posts) == 1


def test_a_channel_set_up_wrong_fails_visibly_without_retries(env, loopback, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[channels."坏邮箱"]\nkind = "email"\nhost = "127.0.0.1"\nport = "x"\n'
                   'sender = "a@b"\nto = ["c@d"]\n', encoding="utf-8")
    waits: list[float] = []
    out = deliver.send(["坏邮箱"], "s", "t", configured=load(bad), sleep=waits.append)
    assert out[0].outcome == "failed" and out[0].attempts == 1 and "ValueError" in out[0].error
    assert waits == [] and deliver.deliveries()[0]["outcome"] == "failed"


def test_mail_over_implicit_tls_carries_its_attachment(tmp_path, monkeypatch):
    """SMTPS (security = "ssl"): the .docx arrives attached, byte for byte, named."""
    monkeypatch.setenv("UNION_DASH_DB", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUDIT", str(tmp_path / "audit.sqlite"))
    box, smtp, port, cert = alert_servers.smtp_server(tmp_path, implicit_tls=True)
    try:
        file = tmp_path / "channels.toml"
        file.write_text(f'[channels."局长"]\nkind = "email"\nhost = "127.0.0.1"\nport = {port}\n'
                        f'security = "ssl"\ncafile = "{cert}"\nsender = "a@example.org"\n'
                        'to = ["b@example.org", "c@example.org"]\n', encoding="utf-8")
        docx = b"PK\x03\x04 not really a docx, but bytes are bytes \xff\x00"
        out = deliver.send(["局长"], "汇报材料", "见附件。", attachment=("巴林左旗2012年汇报材料.docx", docx),
                           configured=load(file))
    finally:
        smtp.stop()
    assert [d.outcome for d in out] == ["sent"]
    assert box.envelopes == [("a@example.org", ["b@example.org", "c@example.org"])]
    mail = email.message_from_bytes(box.messages[0], policy=email.policy.default)
    part = next(mail.iter_attachments())
    assert part.get_filename() == "巴林左旗2012年汇报材料.docx"
    assert part.get_content_type().endswith("wordprocessingml.document")
    assert part.get_payload(decode=True) == docx
    assert mail.get_body(("plain",)).get_content().strip() == "见附件。"


def test_a_robots_refusal_is_retried_only_when_waiting_helps(env, loopback):
    """errcode 45009 (WeCom: over 20 a minute) is tried again after a wait; 310000 (DingTalk:
    a wrong signature or keyword) is not: no wait fixes it."""
    hooks, _, _, _ = loopback
    waits: list[float] = []
    hooks.errcodes[:] = [45009]
    limited = deliver.send(["办公室群"], "s", "t", sleep=waits.append)
    assert (limited[0].outcome, limited[0].attempts, waits) == ("sent", 2,
                                                               [deliver.BASE_DELAY_S])
    hooks.errcodes[:] = [310000]
    refused = deliver.send(["领导钉钉群"], "s", "t", sleep=waits.append)
    assert (refused[0].outcome, refused[0].attempts) == ("failed", 1)
    assert "errcode 310000" in refused[0].error and len(waits) == 1
    assert [r["outcome"] for r in deliver.deliveries()] == ["failed", "sent", "retried"]
