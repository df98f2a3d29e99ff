"""`python -m analytics.briefing --help` names a region of the warehouse it will read: a
佛山市 deployment's help said "region code, e.g. 150702 (海拉尔区)", a region it does not hold."""

from __future__ import annotations

import pytest

from analytics.briefing.__main__ import main
from etl import warehouse


def _help(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_help_names_a_region_of_the_warehouse(tmp_path, capsys, monkeypatch):
    db = tmp_path / "foshan.duckdb"
    warehouse.init(db, ["440600"])
    said = _help(capsys, ["--db", str(db), "--help"])
    assert "440604 (禅城区)" in said, said
    assert "海拉尔" not in said
    monkeypatch.setenv("UNION_DASH_DB", str(db))  # the warehouse named by the environment
    assert "440604 (禅城区)" in _help(capsys, ["--help"])


def test_help_without_a_warehouse_still_answers(tmp_path, capsys):
    said = _help(capsys, ["--db", str(tmp_path / "none.duckdb"), "--help"])
    assert "--region" in said and "GB/T 2260" in said
