"""An empty-state message is said once a page: 维权诉求 at a help station (petitions are not
kept by station) said 维权诉求数据不按帮扶站点记录 under each of its four sections; the later
sections now say 同上."""

from __future__ import annotations

from tests.apptest_pages import open_dashboard


def test_a_page_says_its_empty_state_once(sample_db, local_staff):
    at = open_dashboard(sample_db, local_staff, "pages/petitions.py", region="150702001",
                        **{"from": "2012-01", "to": "2012-12"})
    said = [i.value for i in at.info if "不按帮扶站点记录" in i.value]
    assert said and len(said) == len(set(said)), said  # 信访诉求's was said three times more
    assert any(s.startswith("信访诉求数据") for s in said)
    assert [c.value for c in at.caption].count("同上。") >= 3
