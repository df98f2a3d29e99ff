"""The upload page offers a file's unknown stations for registration with their county: from
the name's start where it names one, else, for a county's own staff (one county in their
scope), that county. Before, a station not named after its county (猎德帮扶站) was offered
with an empty county, shown as "None", that a county's staff had to pick from a list of one."""

from __future__ import annotations

from pathlib import Path

from etl import rejects as rj
from etl.load import FileResult, LoadReport
from ui import registry_view as rv


def _report(*names: str) -> LoadReport:
    rows = [{"file": "r.csv", "row": i + 2, "column": "帮扶站点", "value": name,
             "reason_zh": f"未知的帮扶站点“{name}”；请先在“帮扶站点名录”中登记该站点后重新上传",
             "reason_en": f"Unknown help station '{name}'"} for i, name in enumerate(names)]
    return LoadReport(files=[FileResult(path=Path("r.csv"), status="partial",
                                        rejects=rj.frame(rows))])


def test_a_county_users_unknown_stations_are_offered_in_their_county():
    report = _report("猎德帮扶站", "天河区五山街道帮扶站")
    got = rv.unknown_stations(report, {"440106": "天河区"}).to_dicts()
    assert got == [{"name_zh": "猎德帮扶站", "county_zh": "天河区"},
                   {"name_zh": "天河区五山街道帮扶站", "county_zh": "天河区"}]


def test_with_several_counties_only_a_name_that_says_its_county_is_guessed():
    report = _report("猎德帮扶站", "荔湾区多宝街道帮扶站")
    got = rv.unknown_stations(report, {"440106": "天河区", "440103": "荔湾区"}).to_dicts()
    assert got == [{"name_zh": "猎德帮扶站", "county_zh": None},
                   {"name_zh": "荔湾区多宝街道帮扶站", "county_zh": "荔湾区"}]
