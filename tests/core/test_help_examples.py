"""The commands' --help give this deployment's codes as examples: a 佛山市 warehouse's
`etl zero-report --help` said "help-station codes, e.g. 150702001" and `ui.auth add-user
--help` "e.g. 150702 (a county)", codes of the sample's 海拉尔区 it does not hold."""

from __future__ import annotations

import pytest

from etl import warehouse
from etl.__main__ import main as etl_main
from tests.deployment_files import guangzhou
from ui.auth.__main__ import main as auth_main


def _help(capsys, main, argv) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_zero_report_help_names_a_station_of_the_warehouse(tmp_path, capsys):
    db, report = guangzhou(tmp_path)  # stations 440106001, 440106002 (天河区)
    assert report.exit_code == 0
    said = _help(capsys, etl_main, ["zero-report", "--db", str(db), "--help"])
    assert "e.g. 440106001" in said, said
    assert "150702" not in said


def test_a_warehouse_without_stations_gives_a_county_code_and_001(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    warehouse.init(db, ["440600"])
    said = _help(capsys, etl_main, ["zero-report", "--db", str(db), "--help"])
    assert "e.g. 440604001" in said, said


def test_add_user_help_names_a_county_of_the_warehouse(tmp_path, capsys, monkeypatch):
    db = tmp_path / "w.duckdb"
    warehouse.init(db, ["440600"])
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    said = " ".join(_help(capsys, auth_main, ["add-user", "--help"]).split())
    assert "e.g. 440604 (禅城区)" in said, said
    assert "150702" not in said


def test_no_warehouse_no_example(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(tmp_path / "none.duckdb"))
    said = _help(capsys, etl_main, ["zero-report", "--help"])
    assert "help-station codes" in said and "e.g. 1507" not in said
