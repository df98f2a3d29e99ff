"""The scoped rollup refresh (etl/rollups.py `scope`) rebuilds the (station, month) and
(station, season) cells a batch touched, reading relief only within those cells' dates. Here
the cells lie apart (months and seasons not next to one another), and the row a load
displaces lies on the first day of its season: a bound a day or a cell short, or a missed
change of a person's later row, leaves a cell stale. The cells found are the expected ones,
and every state equals a full refresh (EXCEPT ALL both ways on every derived table)."""

from __future__ import annotations

import datetime as dt

import duckdb

from core import festival
from etl import load, rollups, withdraw
from tests.etl import change_files
from tests.etl.change_files import RELIEF_HEADER
from tests.registry import registered

FESTIVAL, OTHER = "两节慰问", "临时救助"
# the first day of the 2014 season (2013-08-06): its rows count towards the 2014 festival
SEASON_2014 = next(start for season, _, start, _ in festival.spring_festivals()
                   if season == 2014)


def _rows(rows: list[tuple[str, str, str, dt.date]]) -> list[list[str]]:
    """Roster lines of (person, station, relief type, date), one source and group."""
    return [[str(i), "某某", person, station, kind, "工会自筹", "500", day.isoformat(), "困难职工"]
            for i, (person, station, kind, day) in enumerate(rows, start=1)]


def _month_key(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def test_a_load_refreshes_the_distant_cells_of_the_rows_it_displaces(tmp_path, monkeypatch):
    db = registered(tmp_path / "w.duckdb")
    one, *_, other = change_files.stations(db)
    p, q = change_files.PERSONS[:2]
    cells: list[tuple[set, set]] = []
    scope = rollups.scope

    def spy(con: duckdb.DuckDBPyConnection, *args) -> bool:
        partial = scope(con, *args)
        cells.append(tuple(set(con.sql(f"SELECT station_code, {key} FROM {table}").fetchall())
                           for table, key in ((rollups.MONTHS, "month_key"),
                                              (rollups.SEASONS, "season"))))
        return partial

    monkeypatch.setattr(rollups, "scope", spy)

    def loaded(name: str, rows: list[tuple[str, str, str, dt.date]]) -> str:
        path = change_files.csv(tmp_path / name, RELIEF_HEADER, _rows(rows))
        report = load.load_files([path], db, rejects_dir=tmp_path / "rej")
        assert report.exit_code == 0, [f.line for f in report.files]
        return report.files[0].batch_id

    def as_full_refresh() -> None:
        full = change_files.full_refresh_of(db, tmp_path)
        assert change_files.derived_differences(db, full) == {}

    # q: a festival and another row in every month from October 2011 to March 2014
    months = [dt.date(2011 + (9 + i) // 12, (9 + i) % 12 + 1, 15) for i in range(30)]
    a = loaded("a.csv", [(p, one, FESTIVAL, dt.date(2012, 1, 31)),
                         (p, one, FESTIVAL, SEASON_2014),
                         (p, one, OTHER, dt.date(2014, 2, 28)),
                         *((q, one, kind, day) for day in months for kind in (FESTIVAL, OTHER))])
    as_full_refresh()
    # p's festival on 1 March 2012 is the previous payment of its row on the 2014 season's
    # first day, 17 months later: the cells of March 2012 and August 2013, of the 2012 and
    # 2014 seasons, and no other
    b = loaded("b.csv", [(p, one, FESTIVAL, dt.date(2012, 3, 1))])
    assert cells[-1] == ({(one, _month_key(dt.date(2012, 3, 1))), (one, _month_key(SEASON_2014))},
                         {(one, 2012), (one, 2014)})
    as_full_refresh()
    # p elsewhere on the first of a month: all p's rows are no longer in one place
    loaded("c.csv", [(p, other, OTHER, dt.date(2013, 1, 1))])
    assert cells[-1][0] == {(one, _month_key(d)) for d in (
        dt.date(2012, 1, 31), dt.date(2012, 3, 1), SEASON_2014, dt.date(2014, 2, 28))} | {
        (other, _month_key(dt.date(2013, 1, 1)))}
    as_full_refresh()
    # b withdrawn: the row after it (c's) and p's next festival, on the 2014 season's first
    # day, have their earlier gaps back
    withdraw.withdraw(db, b)
    assert cells[-1] == ({(one, _month_key(dt.date(2012, 3, 1))), (one, _month_key(SEASON_2014)),
                          (other, _month_key(dt.date(2013, 1, 1)))},
                         {(one, 2012), (one, 2014), (other, 2013)})
    as_full_refresh()
    withdraw.withdraw(db, a)  # the old rows go: p's last row is in one place again
    as_full_refresh()
