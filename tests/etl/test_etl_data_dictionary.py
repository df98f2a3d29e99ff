"""docs/data_dictionary.md documents every table and column of the warehouse schema."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from core import schema

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md").read_text(
    encoding="utf-8")


def _columns(table: str) -> list[str]:
    con = duckdb.connect()
    con.sql(schema.ddl()[list(schema.TABLES).index(table)])
    return [r[0] for r in con.sql(f"DESCRIBE {table}").fetchall()]


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_every_column_documented(table):
    section = DOC.split(f"## `{table}`")[1].split("\n## ")[0]
    documented = re.findall(r"^\| `(\w+)` ", section, flags=re.M)
    assert documented == _columns(table)
