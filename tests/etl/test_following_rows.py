"""Monthly files in date order (etl/touched.stage's FOLLOWING persons): the new rows of a
person whose rows all come before them take their per-person columns from the person's last
rows (schema.PERSON_LAST), and only the persons' rows from the first period of the file are
staged for the checks. After each load, a roster and corrections, every derived table equals
what a full refresh makes, EXCEPT ALL both ways; some persons of each monthly file take the
new way, and not all of them (a person who moves to a second place does not, nor do the
persons of the roster). A corrected person takes it too when the replaced rows came after
their other rows (their last rows move back first, by the replaced rows' gaps), not when a
row of theirs that stays is as late. Withdrawals the same way (etl/touched.recede): of the
latest file, whose rows follow their persons' others (groups a person had only in it go,
persons only in it go), and of its correction (the rows it replaced come back, derived as a
load's would be), not, for the persons with later rows, of an earlier file."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from etl import load, touched, withdraw
from etl.parse import make_id
from tests.etl import change_files
from tests.etl.change_files import RELIEF_HEADER
from tests.registry import registered

TYPES = ["两节慰问", "临时救助", "医疗救助", "生活救助"]
SOURCES = ["中央专项", "工会自筹", "地方财政配套"]
GROUPS = ["困难职工", "劳模", ""]


def _month_rows(rng: random.Random, stations: list[str], month: dt.date,
                homes: dict[str, str]) -> list[list[str]]:
    """Rows of about half the persons in `month`, each at their home station but one in
    five elsewhere (a second place for them from then on)."""
    rows = []
    for person in rng.sample(change_files.PERSONS, 8):
        station = rng.choice(stations) if rng.random() < 0.2 else homes[person]
        day = month + dt.timedelta(days=rng.randrange(27))
        kind = "两节慰问" if month.month in (12, 1, 2) and rng.random() < 0.6 else rng.choice(TYPES)
        rows.append(["", "某某", person, station, kind, rng.choice(SOURCES),
                     str(rng.choice([200, 500, 800, 1500])), day.isoformat(), rng.choice(GROUPS)])
    return [[str(i), *r[1:]] for i, r in enumerate(rows, start=1)]


@pytest.fixture
def following(monkeypatch) -> list[tuple[int, int]]:
    """(following persons, touched persons) of every load's stage."""
    seen: list[tuple[int, int]] = []
    choose = touched._following

    def spied(con, added):
        choose(con, added)
        if added:
            seen.append(tuple(con.execute(
                f"SELECT (SELECT count(*) FROM {touched.FOLLOWING}), "
                f"(SELECT count(*) FROM {touched.PERSONS})").fetchall()[0]))
    monkeypatch.setattr(touched, "_following", spied)
    return seen


@pytest.fixture
def receding(monkeypatch) -> list[tuple[int, int]]:
    """(receding persons, touched persons) of every scoped withdrawal."""
    seen: list[tuple[int, int]] = []
    choose = touched.recede

    def spied(con, batches):
        choose(con, batches)
        seen.append(tuple(con.execute(
            f"SELECT (SELECT count(*) FROM {touched.FOLLOWING}), "
            f"(SELECT count(*) FROM {touched.PERSONS})").fetchall()[0]))
    monkeypatch.setattr(touched, "recede", spied)
    return seen


def _june_rows(rng: random.Random, stations: list[str], homes: dict[str, str]) -> list[list[str]]:
    """Two persons never seen before (one with two rows on one day), and three known persons
    with a relief type none of them had (金秋助学), one of them again three days later."""
    fresh = [make_id(f"1507021999060{i}99{i}") for i in (1, 2)]
    rows = [["", "某某", fresh[0], stations[0], "临时救助", "工会自筹", "300", "2012-06-10", ""],
            ["", "某某", fresh[0], stations[0], "医疗救助", "工会自筹", "500", "2012-06-10", ""],
            ["", "某某", fresh[1], stations[1], "生活救助", "社会捐助", "200", "2012-06-12", "劳模"]]
    for person in change_files.PERSONS[:3]:
        rows.append(["", "某某", person, homes[person], "金秋助学", rng.choice(SOURCES), "1000",
                     "2012-06-15", rng.choice(GROUPS)])
    rows.append([*rows[-1][:4], "临时救助", *rows[-1][5:7], "2012-06-18", rows[-1][8]])
    return [[str(i), *r[1:]] for i, r in enumerate(rows, start=1)]


def test_monthly_files_in_date_order_leave_the_tables_a_full_refresh_makes(tmp_path: Path,
                                                                           following,
                                                                           receding):
    rng = random.Random(5)
    db = registered(tmp_path / "w.duckdb")
    stations = change_files.stations(db)
    homes = {p: rng.choice(stations) for p in change_files.PERSONS}
    steps, apart, sent = [], [], []

    def after(step: str) -> None:
        steps.append(step)
        apart.append(change_files.derived_differences(
            db, change_files.full_refresh_of(db, tmp_path)))

    batches = []
    for n, month in enumerate([dt.date(2011, 11, 1), dt.date(2011, 12, 1), dt.date(2012, 1, 1),
                               dt.date(2012, 2, 1), dt.date(2012, 3, 1), dt.date(2012, 5, 1)]):
        rows = _month_rows(rng, stations, month, homes)
        path = change_files.csv(tmp_path / f"relief_{n}.csv", RELIEF_HEADER, rows)
        batch = load.load_files([path], db, rejects_dir=tmp_path / "rej").files[0].batch_id
        sent.append((path, rows))
        batches.append(batch)
        after(f"relief {month:%Y-%m}")
        if n == 2:  # a roster: its persons' rows are checked against it, all of them
            roster = [[str(i), "某某", p, homes[p], "低收入", "2011-06-01", "2012-01-20"]
                      for i, p in enumerate(change_files.PERSONS[:4], start=1)]
            load.load_files([change_files.csv(tmp_path / "roster.csv", [
                "序号", "姓名", "身份证号码", "帮扶站点", "困难类别", "建档日期", "脱困日期"],
                roster)], db, rejects_dir=tmp_path / "rej")
            after("roster")
        if n == 3:  # the January file again, one amount corrected: rows replaced
            path, rows = sent[2]
            rows[0] = [*rows[0][:6], "990", *rows[0][7:]]
            load.load_files([change_files.csv(path, RELIEF_HEADER, rows)], db,
                            rejects_dir=tmp_path / "rej")
            after("correction")
        if n == 4:  # the March file withdrawn, then sent again
            withdraw.withdraw(db, batch)
            after("withdrawal")
            batches[-1] = load.load_files([sent[-1][0]], db,
                                          rejects_dir=tmp_path / "rej").files[0].batch_id
            after("March again")
    june_rows = _june_rows(rng, stations, homes)
    june = change_files.csv(tmp_path / "relief_june.csv", RELIEF_HEADER, june_rows)
    june_load = load.load_files([june], db, rejects_dir=tmp_path / "rej")
    assert june_load.exit_code == 0, june_load.files[0].line
    june_batch = june_load.files[0].batch_id
    after("June")
    # June corrected: the amount of a new person's only row, of a known person's only June
    # row, of the second of a new person's two rows on one day (the first stays) and of a
    # known person's row three days before one that stays
    rows = [list(r) for r in june_rows]
    for i in (1, 2, 4, 5):
        rows[i] = [*rows[i][:6], "1234", *rows[i][7:]]
    correction = load.load_files([change_files.csv(tmp_path / "relief_june_corrected.csv",
                                                   RELIEF_HEADER, rows)],
                                 db, rejects_dir=tmp_path / "rej").files[0]
    assert (correction.rows_updated, correction.rows_inserted) == (4, 0), correction.line
    after("June corrected")
    for name, gone in (("June's correction withdrawn", correction.batch_id),
                       ("June withdrawn", june_batch), ("December withdrawn", batches[1])):
        withdraw.withdraw(db, gone)
        after(name)
    for step, found in zip(steps, apart, strict=True):
        assert found == {}, (step, found)
    # by load: Nov (the first: its rows derived as they were written, none pending), Dec,
    # Jan, the roster, Feb, Jan's correction (its one replaced row the person's last), Mar,
    # Mar again, May, June, June's correction (not the persons with a row that stays as late)
    assert len(following) == 11, following
    assert following[3] == (0, 4) and following[5] == (1, 1), following
    assert following[10] == (2, 4), following
    monthly = [following[i] for i in (1, 2, 4, 6, 7, 8)]
    assert all(f > 0 for f, _ in monthly), following
    assert any(0 < f < n for f, n in monthly), following
    # by withdrawal: March (the latest then), June's correction (as its load), June (every
    # person of it in one place), Dec
    assert len(receding) == 4, receding
    (march, march_all), fixed, (june, june_all), (december, december_all) = receding
    assert 0 < march <= march_all and fixed == (2, 4), receding
    assert june > 2 and june_all == 5 and december < december_all, receding
