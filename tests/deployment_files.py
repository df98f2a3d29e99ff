"""Station files of deployments outside the sample, as their staff keep them: a 广州市
registry and roster (tests/etl/test_deployments.py), and 德阳市, 银川市 and 北京市朝阳区 in their
own words (tests/etl/test_vocabulary.py); the briefing, alert and target tests load them too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.messy_files import make_id

STATIONS = """站点名称,所属旗县区,所属乡镇街道,成立日期
天河区五山街道帮扶站,天河区,五山街道,2018-03-01
天河区石牌街道帮扶站,440106,石牌街道,2019年5月1日
"""
AMOUNTS = (500, 600, 700, 800, 900)


def roster(path: Path, station: str, county: str | None = None, prefix: str = "440106",
           day: str = "2026-01-2") -> Path:
    header = "序号,姓名,身份证号码,帮扶站点,帮扶类型,资金来源,金额（元）,发放日期"
    lines = [header + (",所属地区" if county else "")]
    for i, amount in enumerate(AMOUNTS):
        pid = make_id(f"{prefix}19{80 + i}0101{100 + i:03d}")
        lines.append(f"{i + 1},张{i},{pid},{station},两节慰问,工会自筹,{amount},{day}{i}"
                     + (f",{county}" if county else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path



def county_roster(path: Path, title: str, rows: list[tuple[str, str, str, str, str, str]],
                  total: str, born: int = 80) -> Path:
    """A relief roster CSV with a title, a 所属县（市、区） column and a 合计 line: `rows` of
    (station, county as written, the person's area code, fund, amount, date as written)."""
    lines = [f"{title},,,,,,,,",
             "序号,姓名,身份证号码,帮扶站点,所属县（市、区）,帮扶类型,资金来源,金额（元）,发放日期"]
    for i, (station, county, area, fund, amount, day) in enumerate(rows):
        pid = make_id(f"{area}19{born + i}0101{100 + i:03d}")
        lines.append(f"{i + 1},王{i},{pid},{station},{county},两节慰问,{fund},{amount},{day}")
    lines.append(f"合计,,,,,,,{total},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Place:
    scope: str
    county: str  # the county-level word
    fund: str  # the provincial special fund's label
    header: str  # the county column as that region's staff head it
    county_name: str
    station: str
    town: str
    fund_as_written: str  # what their files say


PLACES = {
    "deyang": Place("510600", "区（市）县", "省级专项", "所属区（市）县", "旌阳区",
                    "旌阳区旌阳街道帮扶站", "旌阳街道", "省级专项"),
    "yinchuan": Place("640100", "县（市、区）", "自治区专项", "所属县（市、区）", "兴庆区",
                      "兴庆区富宁街道帮扶站", "富宁街道", "自治区专项"),
    "chaoyang": Place("110105", "区", "市级专项", "所属区", "朝阳区", "朝阳区建外街道帮扶站",
                      "建外街道", "市级专项"),
}
OTHER_FUNDS = {"省级专项", "自治区专项", "市级专项"}


def station_files(where: Path, p: Place) -> list[Path]:
    stations = where / "帮扶站点名录.csv"
    stations.write_text(f"站点名称,{p.header},所属乡镇街道,成立日期\n"
                        f"{p.station},{p.county_name},{p.town},2018-03-01\n", encoding="utf-8")
    roster = where / "救助花名册.csv"
    # as a station keeps it: a title, a 填报单位 line, the table, 合计, signatures and a note
    lines = [f"{p.county_name}总工会2026年“两节”慰问困难职工花名册,,,,,,,,",
             f"填报单位：{p.station},,,,,填报日期：2026年2月5日,,,",
             f"序号,姓名,身份证号码,帮扶站点,{p.header},帮扶类型,资金来源,金额（元）,发放日期"]
    for i, (fund, amount) in enumerate([(p.fund_as_written, 800), ("中央财政专项", 600),
                                        (p.fund_as_written, 500), ("工会自筹", 300)]):
        pid = make_id(f"{p.scope}19{80 + i}0101{100 + i:03d}")
        lines.append(f"{i + 1},王{i},{pid},{p.station},{p.county_name},两节慰问,{fund},"
                     f"{amount},2026-01-1{i}")
    lines += ["合计,,,,,,,2200,", "经办人：张三,,,审核人：李四,,,负责人：王五,,",
              "注：本表一式三份，报上级工会一份。,,,,,,,,"]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [stations, roster]


def forbidden(p: Place, text: str) -> list[str]:
    """The words this deployment must not read: 旗, another region's fund word, 示例数据."""
    words = ["旗", "示例数据", *sorted(OTHER_FUNDS - {p.fund})]
    return [w for w in words if w in text]


def fresh(where: Path, scope: str, stations: str, *files: Path):
    """A fresh deployment for `scope` (`etl init`) with its station registry (`stations`, the
    CSV's text) and `files` loaded into where/w.duckdb: (warehouse path, load report)."""
    from etl import load
    from etl.__main__ import main as etl_main

    db = where / "w.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", scope]) == 0
    registry = where / "stations.csv"
    registry.write_text(stations, encoding="utf-8")
    return db, load.load_files([registry, *files], db, rejects_dir=where / "rej")


def guangzhou(where: Path):
    """A fresh 广州市 deployment (`etl init --scope 440100`) with its station registry and one
    station's roster loaded: (warehouse path, load report)."""
    return fresh(where, "440100", STATIONS, roster(where / "relief.csv", "天河区五山街道帮扶站"))
