"""The recorded warehouse contract (core/warehouse_tables.json) is the tables and columns the
ETL makes: a change to a table that is not recorded fails here, so every layer's check of a
warehouse an earlier version made (`lacking`) knows the current shape."""

from __future__ import annotations

from core import warehouse_tables
from etl import warehouse


def test_the_recorded_tables_are_those_the_etl_makes():
    made = warehouse.made_tables()
    assert warehouse_tables.recorded() == made, (
        "core/warehouse_tables.json is out of date: run `python -m etl.warehouse` and commit "
        f"it (not recorded: {sorted(made - warehouse_tables.recorded())[:5]}, recorded but not "
        f"made: {sorted(warehouse_tables.recorded() - made)[:5]})")


def test_lacking_names_tables_and_columns():
    have = warehouse_tables.recorded() - {("relief", "prev_gap")}
    have = {(t, c) for t, c in have if t != "relief_mart"}
    assert warehouse_tables.lacking(have) == ["relief.prev_gap", "relief_mart"]
    assert warehouse_tables.lacking(warehouse_tables.recorded()) == []
