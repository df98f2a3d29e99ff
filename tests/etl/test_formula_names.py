"""A name that begins as a spreadsheet formula (=, +, -, @) is refused at load: a station
registry with `=HYPERLINK(...)`, `+SUM(1;2)`, `@cmd` or `-2+3` as station or township names
loaded them (exit 0), to be shown on every page and briefing; the exports neutralised them,
the warehouse kept them. The row goes to the rejects with the cell and how to fix it; the
other rows load, and a lone "-" (a township marked empty) stays as typed."""

from __future__ import annotations

import duckdb
import pytest

from etl import load, mappings, templates
from tests import messy_files as mf
from tests.registry import registered

HEADER = ["站点代码", "站点名称", "所属旗县区", "所属乡镇街道", "成立日期", "撤销日期"]


def _registry(tmp_path, rows):
    path = mf.write_csv(tmp_path / "帮扶站点名录.csv", rows, header=HEADER, title=False)
    db = registered(tmp_path / "w.duckdb")
    return db, load.load_files([path], db, rejects_dir=tmp_path / "rej").files[0]


def test_formula_like_station_and_township_names_are_rejected_with_the_fix(tmp_path):
    rows = [["150702901", '=HYPERLINK("http://example.invalid","帮扶站")', "海拉尔区", "",
             "2005-01-01", ""],
            ["150702902", "+SUM(1;2)", "海拉尔区", "", "2005-01-01", ""],
            ["150702903", "@cmd", "海拉尔区", "", "2005-01-01", ""],
            ["150702904", "-2+3", "海拉尔区", "", "2005-01-01", ""],
            ["150702905", "建设街道帮扶站", "海拉尔区", "=1+1", "2005-01-01", ""],
            ["150702906", "胜利街道帮扶站", "海拉尔区", "-", "2005-01-01", ""]]
    db, f = _registry(tmp_path, rows)
    assert (f.rows_loaded, f.rows_rejected) == (1, 5), f.message_en
    got = f.rejects.select("row", "column", "value", "reason_zh", "reason_en").rows()
    assert [(r[0], r[1]) for r in got] == [(2, "站点名称"), (3, "站点名称"), (4, "站点名称"),
                                           (5, "站点名称"), (6, "所属乡镇街道")]
    first = {r[0]: r[2][0] for r in got}
    for row, _col, value, zh, en in got:
        assert f"以“{first[row]}”开头" in zh and "公式" in zh and "请去掉" in zh, zh
        assert f"begins with '{first[row]}'" in en and "formula" in en, en
        assert value and value[0] in "=+-@"
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute("SELECT station_code, name_zh, township_zh FROM help_stations "
                           "WHERE station_code LIKE '1507029%'").fetchall()
        names = con.execute("SELECT count(*) FROM regions WHERE name_zh SIMILAR TO '[=+@-].+'"
                            ).fetchone()[0]
    assert kept == [("150702906", "胜利街道帮扶站", "-")]
    assert names == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_says_how_a_name_is_written(lang):
    """The registry's template tells staff a name may not begin as a formula does."""
    (col,) = [c for c in mappings.columns("station") if c.name == "name_zh"]
    said = templates.spec(col, {}, False, lang).what
    assert ("不以 = + - @ 开头" if lang == "zh" else "not beginning with = + - @") in said
