"""What a robot receives is fit to forward: in the rule's language unless the channel names
its own, and, where a message is longer than the robot takes, cut after a whole finding so
that no link is cut short (found by sending every kind of rule to a loopback receiver)."""

from __future__ import annotations

from datetime import datetime

from alerts import channels, deliver, engine, messages, rules
from alerts.model import Finding, Rule
from tests.alert_servers import free_port, webhook_server


def _channels(tmp_path, url: str):
    file = tmp_path / "channels.toml"
    file.write_text(f'[channels.plain]\nkind = "wecom"\nwebhook = "{url}/plain?key=K"\n'
                    f'[channels.zh]\nkind = "wecom"\nlang = "zh"\nwebhook = "{url}/zh?key=K"\n',
                    "utf-8")
    return channels.load(file)


def test_a_channel_without_a_language_speaks_the_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_DASH_AUDIT", str(tmp_path / "audit.sqlite"))
    hooks, server = webhook_server()
    try:
        configured = _channels(tmp_path, hooks.url(""))
        out = deliver.send(["plain", "zh"], {"zh": "【预警】低", "en": "[Alert] low"},
                           {"zh": "巴林左旗偏低", "en": "Bairin Left Banner is low"}, lang="en",
                           configured=configured, state=tmp_path / "alerts.sqlite")
    finally:
        server.shutdown()
    assert [d.outcome for d in out] == ["sent", "sent"]
    (plain,), (zh,) = hooks.to("/plain"), hooks.to("/zh")
    assert plain.body["markdown"]["content"] == "### [Alert] low\nBairin Left Banner is low"
    assert zh.body["markdown"]["content"] == "### 【预警】低\n巴林左旗偏低"  # its own wins


def test_a_long_text_message_is_cut_after_a_whole_line():
    lines = [f"【覆盖率偏低】第{i}区救助覆盖率为3.5%，低于90.0%。查看：http://dash.example.org/"
             f"?region=1504{i:02d}&from=2012-05&to=2012-05&gran=month" for i in range(30)]
    robot = channels.Channel("t", "wecom", {"webhook": "http://x", "msgtype": "text"})
    content = channels._payload(robot, "【预警】覆盖率偏低（30处）", "\n".join(lines))["text"]["content"]
    assert len(content.encode("utf-8")) <= channels.MAX_BYTES["text"]
    head, *kept, mark = content.split("\n")
    assert head == "【预警】覆盖率偏低（30处）" and mark == "…"
    assert 10 < len(kept) < 30 and kept == lines[:len(kept)]  # whole lines, each link whole


def test_a_single_petition_reads_right_in_english():
    f = Finding("pet", "150422", "巴林左旗", "2012-05", "", 1.0, 0.0, "petitions_above",
                {"rule": "群体性诉求", "kind": "collective", "n": 0,
                 "region_names": ["巴林左旗", "Bairin Left Banner"], "period_start": "2012-05-01"},
                "/petitions?region=150422")
    assert messages.render(f, "en") == (
        "[群体性诉求] Bairin Left Banner, May 2012: collective petitions received: 1, above 0. "
        "View: /petitions?region=150422&lang=en")
    assert messages.render(f, "zh") == (
        "【群体性诉求】巴林左旗2012年5月受理群体性诉求1件，超过0件。查看：/petitions?region=150422")


def test_a_figure_follows_its_words_in_english():
    base = {"rule": "少", "region_names": ["林西县", "Linxi County"], "period_start": "2012-05-01",
            "op": "<=", "unit": "persons"}
    low = Finding("t", "150424", "林西县", "2012-05", "relieved", 1.0, 3.0, "threshold", base, "/")
    assert "Linxi County, May 2012: Persons relieved 1, at or below 3." in messages.render(low, "en")
    assert "林西县2012年5月救助人数为1人，不高于3人。" in messages.render(low, "zh")
    change = {**base, "op": ">", "basis": "mom", "pct": -100.0, "change": -14.3, "unit": "count"}
    fell = Finding("c", "150424", "林西县", "2012-05", "relief_count", 18.0, 21.0, "change",
                   change, "/")
    assert ": Relief payments 18, -14.3% on the period before (was 21)." in messages.render(
        fell, "en")


def test_an_alert_a_robot_missed_is_sent_to_it_at_the_next_runs(tmp_path, monkeypatch):
    """Robot a is down when the alert fires (b gets it): the next run sends it to a alone,
    once; robot c, down throughout, is tried at three runs in all, then left alone."""
    hooks, server = webhook_server()
    down = f"http://127.0.0.1:{free_port()}"
    channels_file = tmp_path / "channels.toml"

    def robots(first: str) -> None:
        channels_file.write_text(
            f'[channels.a]\nkind = "wecom"\nretries = 0\nwebhook = "{first}/a?key=K"\n'
            f'[channels.b]\nkind = "wecom"\nretries = 0\nwebhook = "{hooks.url("/b")}?key=K"\n'
            f'[channels.c]\nkind = "wecom"\nretries = 0\nwebhook = "{down}/c?key=K"\n',
            "utf-8")

    for k, v in {"UNION_DASH_DB": tmp_path / "w.duckdb", "UNION_DASH_AUDIT": tmp_path / "audit",
                 "UNION_DASH_CHANNELS": channels_file}.items():
        monkeypatch.setenv(k, str(v))
    monkeypatch.delenv("UNION_DASH_ALERTS", raising=False)
    rule = rules.save(Rule("", "配套资金未到位", "", "matching_arrears", {"by": "06-30"},
                           region="150400", recipients=("a", "b", "c")), check_known=False)
    found = [Finding(rule.rule_id, "150422", "巴林左旗", "2012", "", 0.0, 1.0,
                     "matching_arrears", {}, "/funds")]

    def run() -> engine.RunReport:
        return engine.run_rules(datetime(2012, 7, 1, 9).astimezone(),
                                evaluate=lambda *_: list(found),
                                render=lambda f, lang: f"{lang}:{f.region_name}{f.period}")

    try:
        robots(down)
        first = run()
        assert [(d.channel, d.outcome) for d in first.deliveries] == [
            ("a", "failed"), ("b", "sent"), ("c", "failed")]
        robots(hooks.url(""))
        again = run()
        assert [(d.channel, d.outcome) for d in again.deliveries] == [("a", "sent"),
                                                                       ("c", "failed")]
        assert again.fired == []  # fired once: sent again, not fired again
        assert [(d.channel, d.outcome) for d in run().deliveries] == [("c", "failed")]
        assert run().deliveries == []  # c: three runs tried
    finally:
        server.shutdown()
    assert [p.body["markdown"]["content"] for p in hooks.to("/a")] == [
        "### 【预警】配套资金未到位\nzh:巴林左旗2012"]
    assert len(hooks.to("/b")) == 1


def test_names_from_files_and_forms_mark_nothing_up_in_a_group_chat(tmp_path, monkeypatch):
    """A station registered as ``[点此查看](http://…)`` and a rule named ``**紧急**`` were sent
    as a link and bold text by the federation's own robot; their markup characters now go
    in full-width forms, which read the same."""
    silent = Finding("s", "150402", "红山区", "2012-05", "", 1.0, None, "silent_station",
                     {"rule": "**紧急**", "region_names": ["红山区", "Hongshan District"],
                      "period_start": "2012-05-01", "stations": ["S1"],
                      "station_names": [["[点此查看](http://evil.example/x)", "Evil"]],
                      "deadline": "2012-06-05", "day": 5}, "/quality?region=150402")
    text = messages.render(silent, "zh")
    assert "［点此查看］（http://evil.example/x）" in text and "＊＊紧急＊＊" in text
    assert "](" not in text and "**" not in text
    rule = Rule("s", "[赢取](http://evil.example)", "", "silent_station", {"day": 5})
    assert engine.subject(rule) == {"zh": "【预警】［赢取］（http://evil.example）",
                                    "en": "[Alert] ［赢取］（http://evil.example）"}
    monkeypatch.setenv("UNION_DASH_AUDIT", str(tmp_path / "audit.sqlite"))
    hooks, server = webhook_server()
    try:
        deliver.send(["plain"], engine.subject(rule), text,
                     configured=_channels(tmp_path, hooks.url("")), state=tmp_path / "a.sqlite")
    finally:
        server.shutdown()
    (got,) = hooks.to("/plain")
    assert "](" not in got.body["markdown"]["content"]
