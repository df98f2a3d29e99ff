"""数据导入 with AppTest: a good file, a partly bad one, one that is not a station export, and the
same file twice; the warehouse and its quality tables change accordingly."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from etl.parse import make_id
from tests.apptest_pages import summary, upload, upload_page
from ui import upload_view as uv

ROOT = Path(__file__).resolve().parents[2]
A, B = make_id("15070219800101001"), make_id("15070219800101002")
HEAD = "序号,姓名,身份证号码,帮扶站点,帮扶类型,救助对象类别,资金来源,金额（元）,发放日期\n"


def roster(*rows: str, encoding: str = "utf-8") -> bytes:
    return (HEAD + "".join(f"{i},张{i},{r}\n" for i, r in enumerate(rows, 1))).encode(encoding)


GOOD = roster(f"{A},150702001,两节慰问,困难职工,社会捐助,500,2012-01-10",
              f"{B},150702002,临时救助,困难职工,工会自筹,800,2012-03-05", encoding="gb18030")
# A's festival relief again, from another station: a cross-station duplicate.
PARTLY_BAD = roster(f"{A},150702003,送温暖,困难职工,社会捐助,600,2012-01-12",
                    f"{B},150702003,临时救助,困难职工,工会自筹,1,200元整,2012-04-05",
                    "1.50702E+17,150702003,临时救助,困难职工,工会自筹,100,2012-03-05")
NOT_A_STATION_EXPORT = "姓名,电话,备注\n张三,13800000000,无\n".encode()


def _count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()[0][0]
    finally:
        con.close()


def test_upload_good_bad_foreign_and_repeated_files(upload_db):
    at = upload_page().run()
    assert not at.exception
    assert at.button(key="upload_go").disabled  # nothing chosen yet

    upload(at, ("海拉尔区2012年两节慰问.csv", GOOD))
    assert not at.exception
    (row,) = summary(at)
    assert (row["识别为"], row["状态"], row["载入行数"], row["拒绝行数"]) == (
        "救助发放花名册", "已载入", 2, 0)
    assert at.success and _count(upload_db, "SELECT count(*) FROM relief") == 2

    upload(at, ("station3.csv", PARTLY_BAD), ("通讯录.csv", NOT_A_STATION_EXPORT),
            ("海拉尔区2012年两节慰问.csv", GOOD))
    assert not at.exception
    by_file = {r["文件"]: r for r in summary(at)}
    assert (by_file["station3.csv"]["状态"], by_file["station3.csv"]["载入行数"],
            by_file["station3.csv"]["拒绝行数"]) == ("部分载入", 1, 2)
    assert by_file["通讯录.csv"]["状态"] == "未载入"
    assert "表头" in by_file["通讯录.csv"]["说明"]
    assert by_file["海拉尔区2012年两节慰问.csv"]["状态"] == "已载入过，跳过"
    rejects = at.dataframe[1].value
    assert set(rejects["文件"]) == {"station3.csv", "通讯录.csv"}
    assert rejects["原因"].str.contains("身份证").any()
    assert at.warning  # some loaded, some not

    # 2 + 1 rows; the repeated file counted once; A's two festival payments are a duplicate.
    assert _count(upload_db, "SELECT count(*) FROM relief") == 3
    assert _count(upload_db, "SELECT count(DISTINCT flag_key) FROM dq_duplicate_relief") == 1
    assert _count(upload_db, "SELECT count(*) FROM load_rejects") == 3


def test_the_language_switch_keeps_the_outcome(upload_db):
    at = upload_page().run()
    upload(at, ("good.csv", GOOD))
    at.session_state["lang"] = "en"
    at.run()
    (row,) = summary(at)
    assert (row["recognised as"], row["status"]) == ("relief roster", "loaded")


def test_other_roles_cannot_open_the_upload_page(upload_db, tmp_path, monkeypatch):
    from ui import auth

    cfg = tmp_path / "auth.yaml"
    auth.add_user("lead", "leader", "Passwort-123", cfg)
    monkeypatch.setenv("UNION_DASH_AUTH", str(cfg))
    at = upload_page()
    at.session_state["union_dash_user"] = auth.User("lead", "leader")
    at.run()
    assert not at.file_uploader and any("无权" in e.value for e in at.error)


def test_screen_refuses_big_and_foreign_files():
    ok, refused = uv.screen([("a.csv", b"x" * 10), ("b.xlsx", b"x" * 2000), ("c.pdf", b"%PDF")],
                            limit=1000)
    assert [n for n, _ in ok] == ["a.csv"]
    assert [(r.name, "MB" in r.zh, "MB" in r.en) for r in refused][0] == ("b.xlsx", True, True)
    assert refused[1].name == "c.pdf" and "Excel" in refused[1].zh


def test_rejects_report_is_excel_ready_csv(upload_db):
    report = uv.run_load([("bad.csv", PARTLY_BAD)], upload_db)
    data = uv.rejects_csv(uv.rejects_table(report, []))
    assert data.startswith(b"\xef\xbb\xbf")
    table = pl.read_csv(data)
    assert table.height == 2 and "原因 reason_zh" in table.columns


def test_withdraw_a_batch_behind_a_confirmation(upload_db):
    at = upload_page().run()
    upload(at, ("good.csv", GOOD))
    assert _count(upload_db, "SELECT count(*) FROM relief") == 2
    pick = at.selectbox(key="withdraw_batch")
    (label,) = pick.options  # the registry is named by the roster's stations: not offered
    assert label.startswith("good.csv · ")
    pick.set_value(label.split(" · ")[1]).run()
    # the confirmation is Markdown that shows the file's name as typed (core/literal.py)
    shown = [re.sub(r"\\(.)", r"\1", w.value).replace("\u2060", "") for w in at.warning]
    assert any("good.csv" in w and "删除 2 行" in w for w in shown)
    assert at.button(key="withdraw_go").disabled  # not before the confirmation is ticked
    at.checkbox(key="withdraw_sure").check().run()
    at.button(key="withdraw_go").click().run()
    assert not at.exception
    assert any("已撤销批次" in s.value for s in at.success)
    assert _count(upload_db, "SELECT count(*) FROM relief") == 0
    assert _count(upload_db, "SELECT count(*) FROM load_batches WHERE file_name = 'good.csv'") == 0


def test_the_registry_editor_shows_dates_as_dates_and_empty_cells_empty(upload_db):
    """The 帮扶站点名录 editor showed 成立日期 as "2012-03-03 00:00:00" (a Polars date is a
    timestamp in pandas) and an empty 所属乡镇街道 or 撤销日期 as a grey "None"."""
    import json

    at = upload_page().run()
    assert not at.exception
    (editor,) = [d for d in at.dataframe if "established_on" in d.value.columns]
    columns = json.loads(editor.proto.columns)
    for c, label in (("established_on", "成立日期"), ("closed_on", "撤销日期")):
        assert columns[c]["label"] == label
        assert columns[c]["type_config"]["type"] == "date"
        assert columns[c]["type_config"]["format"] == "YYYY-MM-DD"
    assert editor.value["closed_on"].isna().any()  # the sample's stations are open
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""
