"""The English briefing does not list a group breakdown that is all 'not stated': a 新疆
deployment's rosters, like most stations', have no 救助对象类别 column, and its English
briefing read 'Condolence visits reached 40 persons (group not stated: 40)' where the Chinese
reads 两节慰问40人."""

from __future__ import annotations

from analytics.briefing import parse_period
from analytics.briefing.content import gather
from analytics.briefing.text import festival
from tests.deployment_files import guangzhou


def test_a_festival_without_any_stated_group_says_the_persons_alone(tmp_path, monkeypatch):
    db, report = guangzhou(tmp_path)  # one roster of 5 两节慰问, no 救助对象类别 column
    assert report.exit_code == 0
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    b = gather("440100", parse_period("2026Q1"))
    en, zh = festival(b, "en"), festival(b, "zh")
    assert "not stated" not in en, en
    assert "5 persons" in en and "3,500 yuan" in en, en
    assert "两节慰问5人" in zh and "未填写" not in zh, zh
