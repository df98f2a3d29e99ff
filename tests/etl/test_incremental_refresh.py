"""A load or a withdrawal refreshes the derived tables (per-person columns, rollups, season
tables, dq_* findings) only for what its batch touched (etl/derived.py, etl/touched.py):
after random sequences of loads, corrections (a file loaded again with changes) and
withdrawals, every table equals what a full refresh (`python -m etl refresh`) makes from the
same facts, EXCEPT ALL both ways."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from core import engine
from etl import __main__ as cli
from etl import load, rollups, withdraw, zero_reports
from tests.etl import change_files
from tests.etl.change_files import RELIEF_HEADER
from tests.registry import registered

TYPES = ["两节慰问", "临时救助", "医疗救助", "金秋助学", "生活救助"]
SOURCES = ["中央专项", "工会自筹", "自治区专项", "地方财政配套"]
GROUPS = ["困难职工", "劳模", "未填写", ""]
# the kinds of change and the weights of a random draw
KINDS = {"relief": 5, "correction": 3, "hardship": 1, "allocation": 1, "zero": 1, "withdraw": 3}



def _date(rng: random.Random) -> str:
    return (dt.date(2011, 10, 1) + dt.timedelta(days=rng.randrange(560))).isoformat()


def _amount(rng: random.Random) -> str:
    return str(rng.choice([30000, 9000]) if rng.random() < 0.08
               else rng.choice([200, 300, 500, 800, 1000, 1500]) + rng.randrange(3) * 50)


def _relief_rows(rng: random.Random, stations: list[str], n: int) -> list[list[str]]:
    rows, keys = [], set()
    for _ in range(n):
        # two types most often: strata of 20+ rows, where the robust z applies
        person, station = rng.choice(change_files.PERSONS), rng.choice(stations)
        kind = rng.choices(TYPES, weights=[4, 4, 1, 1, 1])[0]
        date = _date(rng)
        if (person, station, kind, date) in keys:  # one row per natural key in a file
            continue
        keys.add((person, station, kind, date))
        rows.append(["", "某某", person, station, kind, rng.choice(SOURCES), _amount(rng), date,
                     rng.choice(GROUPS)])
    return [[str(i), *r[1:]] for i, r in enumerate(rows, start=1)]


def _corrected(rng: random.Random, rows: list[list[str]], stations: list[str]
               ) -> list[list[str]]:
    """The same file sent again: some amounts and sources changed, a few rows added."""
    changed = [[*r[:5], rng.choice(SOURCES), _amount(rng), *r[7:]] if rng.random() < 0.4
               else list(r) for r in rows]
    extra = [r for r in _relief_rows(rng, stations, 3)
             if tuple(r[2:5] + r[7:8]) not in {tuple(c[2:5] + c[7:8]) for c in changed}]
    return [[str(i), *r[1:]] for i, r in enumerate(changed + extra, start=1)]


def _hardship_rows(rng: random.Random, stations: list[str]) -> list[list[str]]:
    rows = []
    for i, person in enumerate(rng.sample(change_files.PERSONS, 4), start=1):
        registered_on = _date(rng)
        exited = (dt.date.fromisoformat(registered_on) + dt.timedelta(days=rng.randrange(60, 300))
                  ).isoformat() if rng.random() < 0.5 else ""
        rows.append([str(i), "某某", person, rng.choice(stations),
                     rng.choice(["低收入", "因病致困", "下岗失业"]), registered_on, exited])
    return rows


def _allocation_rows(rng: random.Random, stations: list[str]) -> list[list[str]]:
    county = rng.choice(stations)[:6]
    return [[str(year), county, source, str(allocated), str(allocated - rng.choice([0, 500]))]
            for year in (2012, 2013) for source in ("中央专项", "地方财政配套")
            for allocated in [rng.choice([1000, 3000, 8000])]]


class Run:
    """One random sequence of changes to one warehouse."""

    def __init__(self, tmp: Path, seed: int) -> None:
        self.tmp, self.rng = tmp, random.Random(seed)
        self.db = registered(tmp / "w.duckdb")
        self.stations = change_files.stations(self.db)
        self.sent: list[tuple[str, list[list[str]]]] = []  # relief files: name, rows
        self.n = 0

    def _load(self, path: Path) -> None:
        load.load_files([path], self.db, rejects_dir=self.tmp / "rej")

    def _name(self, what: str) -> Path:
        self.n += 1
        return self.tmp / f"{what}_{self.n}.csv"

    def step(self, what: str | None = None) -> str:
        """One change: `what` (one of KINDS), or one drawn with the weights of KINDS."""
        rng = self.rng
        what = what or rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        if what == "correction" and self.sent:
            name, rows = rng.choice(self.sent)
            rows = _corrected(rng, rows, self.stations)
            self.sent.append((name, rows))
            self._load(change_files.csv(self.tmp / f"{self.n}_{name}", RELIEF_HEADER, rows))
            self.n += 1
        elif what == "hardship":
            self._load(change_files.csv(self._name("hardship"), [
                "序号", "姓名", "身份证号码", "帮扶站点", "困难类别", "建档日期", "脱困日期"],
                _hardship_rows(rng, self.stations)))
        elif what == "allocation":
            self._load(change_files.csv(self._name("allocation"), [
                "年度", "所属旗县区", "资金来源", "下拨金额（元）", "到位金额（元）"],
                _allocation_rows(rng, self.stations)))
        elif what == "zero":
            month = dt.date(2011 + rng.randrange(3), 1 + rng.randrange(12), 1)
            load.load_bytes([zero_reports.declaration_file(rng.choice(self.stations), month)],
                            self.db, rejects_dir=self.tmp / "rej")
        elif what == "withdraw" and self.sent:
            batches = withdraw.batches(self.db)
            open_ = batches.filter(batches["withdrawable"]
                                   & (batches["table_name"] != "help_stations"))
            if open_.is_empty():
                return "nothing to withdraw"
            withdraw.withdraw(self.db, rng.choice(open_["batch_id"].to_list()))
        else:
            what = "relief"
            rows = _relief_rows(rng, self.stations, rng.randrange(30, 60))
            path = change_files.csv(self._name("relief"), RELIEF_HEADER, rows)
            self.sent.append((path.name, rows))
            self._load(path)
        return what


# The statistics of the outlier check as the rows give them (median and MAD of the log
# amounts per relief type x county; the mean absolute deviation where the MAD is 0).
ROW_STATISTICS = """
WITH x AS (SELECT relief_type, county_code, ln(amount_yuan::DOUBLE) AS la
           FROM relief WHERE amount_yuan > 0),
g AS (SELECT relief_type, county_code, count(*) AS n, median(la) AS med, mad(la) AS mad
      FROM x GROUP BY ALL)
SELECT g.*, m0.meanad FROM g LEFT JOIN (
    SELECT x.relief_type, x.county_code, avg(abs(x.la - g.med)) AS meanad
    FROM x JOIN g USING (relief_type, county_code) WHERE g.mad = 0 GROUP BY ALL) m0
USING (relief_type, county_code)"""


def _sequence(tmp: Path, seed: int) -> tuple[Run, list[str], list[dict]]:
    """A relief file first, then each other kind of change once in a random order, then one
    drawn at random: the run, what each step did and what it left apart from a full refresh
    (the comparison is made after every step)."""
    run = Run(tmp, seed)
    kinds = [k for k in KINDS if k != "relief"]
    done, apart = [], []
    for what in ["relief", *run.rng.sample(kinds, len(kinds)), None]:
        done.append(run.step(what))
        full = change_files.full_refresh_of(run.db, tmp)
        apart.append(change_files.derived_differences(run.db, full))
    return run, done, apart


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> Callable[[int], tuple[Run, list[str], list[dict]]]:
    """`_sequence` of a seed, run once per module: the refresh command's test starts from the
    warehouse one of them left (copied)."""
    made: dict[int, tuple[Run, list[str], list[dict]]] = {}

    def of(seed: int) -> tuple[Run, list[str], list[dict]]:
        if seed not in made:
            made[seed] = _sequence(tmp_path_factory.mktemp(f"seq{seed}"), seed)
        return made[seed]
    return of


@pytest.mark.parametrize("seed", [1, 2])
def test_random_changes_leave_the_tables_a_full_refresh_makes(sequences, seed):
    """Every kind of change in each sequence (two orders); after each step the derived tables
    equal a full refresh's."""
    run, done, apart = sequences(seed)
    assert set(done) == set(KINDS), done
    for n, found in enumerate(apart):
        assert found == {}, done[:n + 1]
    # the sequence made findings to compare, not empty tables
    with engine.attached(run.db) as con:
        counts = dict(con.sql("SELECT code, findings FROM dq_summary").fetchall())
        relief = con.sql("SELECT count(*) FROM relief").fetchall()[0][0]
    assert relief and sum(1 for n in counts.values() if n) >= 5, (done, counts)


def test_a_load_elsewhere_that_moves_a_types_p99_rescores_rows_it_did_not_touch(tmp_path):
    """The p99 rule is the relief type's across counties: a batch in one county that moves
    it changes a finding in another, which the scoped refresh must rescore too."""
    db = registered(tmp_path / "w.duckdb")
    one, *_, other = change_files.stations(db)
    rows = change_files.dated_rows

    def outliers() -> list[tuple]:
        with engine.attached(db) as con:
            return con.sql("SELECT station_code, amount_yuan::INTEGER FROM dq_amount_outliers "
                           "WHERE rule = 'p99x3' ORDER BY ALL").fetchall()

    # p99 500: the 1,600 is above 3 x p99; then 60 rows of 1,000 elsewhere raise p99 to
    # 1,000 and it is not
    load.load_files([change_files.csv(tmp_path / "a.csv", RELIEF_HEADER,
                                      rows(other, [500] * 150 + [1600], 0))], db)
    assert outliers() == [(other, 1600)]
    load.load_files([change_files.csv(tmp_path / "b.csv", RELIEF_HEADER,
                                      rows(one, [1000] * 60, 200))], db)
    assert outliers() == []
    assert change_files.derived_differences(db, change_files.full_refresh_of(db, tmp_path)) == {}


def test_a_load_that_moves_a_strata_statistics_rescores_its_rows_beyond_the_band(tmp_path):
    """A stratum's median and MAD move with a batch of other persons' rows: a row the batch
    did not touch becomes an outlier (it lies beyond the narrower band now), then a batch
    that widens the band clears the rows flagged before. The scoped refresh reads only the
    stratum's flagged rows and those beyond its band (etl/checks/amount_outliers.py BANDS),
    and gives a full refresh's findings."""
    db = registered(tmp_path / "w.duckdb")
    *_, other = change_files.stations(db)

    def flagged() -> list[int]:
        with engine.attached(db) as con:
            return [a for (a,) in con.sql(
                "SELECT amount_yuan::INTEGER FROM dq_amount_outliers WHERE rule = 'robust_z' "
                "ORDER BY ALL").fetchall()]

    def loaded(name: str, amounts: list[int], start: int) -> None:
        path = change_files.csv(tmp_path / name, RELIEF_HEADER,
                                change_files.dated_rows(other, amounts, start))
        assert load.load_files([path], db, rejects_dir=tmp_path / "rej").exit_code == 0
        assert change_files.derived_differences(
            db, change_files.full_refresh_of(db, tmp_path)) == {}, name

    loaded("spread.csv", [200, 250, 300, 350, 400] * 6 + [700, 1000], 0)
    assert flagged() == [1000]  # 700 lies within the band
    loaded("narrow.csv", [300] * 30, 40)  # MAD 0 now: the mean deviation, a narrower band
    assert flagged() == [700, 1000]
    loaded("wide.csv", [100, 150, 600, 900, 1200, 1500] * 10, 80)
    assert flagged() == []


def test_kept_amount_statistics_are_those_of_the_rows(tmp_path):
    """The outlier check's strata statistics are made from kept counts per amount
    (dq_amount_stratum_counts), not from the rows: after loads and withdrawals that add
    amounts, leave a stratum with an even or odd number of rows, MAD 0 or not, and empty it,
    they are DuckDB's median and MAD over the rows, and the counts are the rows'."""
    db = registered(tmp_path / "w.duckdb")
    *_, other = change_files.stations(db)

    def check() -> int:
        with engine.attached(db) as con:
            apart = con.sql(f"""
                SELECT count(*) FROM ({ROW_STATISTICS}) r
                FULL JOIN dq_amount_groups g USING (relief_type, county_code)
                WHERE r.n IS DISTINCT FROM g.n OR r.med IS DISTINCT FROM g.med
                   OR r.mad IS DISTINCT FROM g.mad OR (r.meanad IS NULL) <> (g.meanad IS NULL)
                   OR abs(r.meanad - g.meanad) > 1e-12""").fetchall()[0][0]
            counts = con.sql("""
                SELECT count(*) FROM (
                    (SELECT relief_type, county_code, amount_yuan, count(*) AS n FROM relief
                     WHERE amount_yuan > 0 GROUP BY ALL
                     EXCEPT ALL FROM dq_amount_stratum_counts)
                    UNION ALL (FROM dq_amount_stratum_counts EXCEPT ALL
                               SELECT relief_type, county_code, amount_yuan, count(*) FROM relief
                               WHERE amount_yuan > 0 GROUP BY ALL))""").fetchall()[0][0]
            groups = con.sql("SELECT count(*) FROM dq_amount_groups").fetchall()[0][0]
        assert (apart, counts) == (0, 0)
        return groups

    def loaded(name: str, amounts: list[int], start: int) -> str:
        path = change_files.csv(tmp_path / name, RELIEF_HEADER,
                                change_files.dated_rows(other, amounts, start))
        return load.load_files([path], db, rejects_dir=tmp_path / "rej").files[0].batch_id

    # 23 rows, median 300 and MAD 0 (over half are 300): the mean deviation stands in
    a = loaded("a.csv", [300] * 12 + [500] * 9 + [1200, 80], 0)
    assert check() == 1
    b = loaded("b.csv", [700, 700, 310, 2000, 1450, 90, 400, 650], 100)  # 31 rows
    assert check() == 1
    # the 8 rows of b left: an even count, the median between 650 and 700, MAD > 0
    withdraw.withdraw(db, a)
    assert check() == 1
    withdraw.withdraw(db, b)  # the stratum is empty: no counts, no statistics
    assert check() == 0
    assert change_files.derived_differences(db, change_files.full_refresh_of(db, tmp_path)) == {}


def test_the_refresh_command_makes_every_derived_table_again(tmp_path, capsys, sequences):
    """`python -m etl refresh`: the derived tables emptied, then made again from the facts,
    equal those the loads left (a random sequence's warehouse); a missing warehouse is
    refused."""
    db, before = tmp_path / "w.duckdb", tmp_path / "before.duckdb"
    shutil.copyfile(sequences(1)[0].db, db)
    shutil.copyfile(db, before)
    con = duckdb.connect(str(db))
    for table in rollups.tables():
        con.execute(f"DELETE FROM {table}")
    con.execute("DROP TABLE dq_duplicate_relief")
    con.close()
    assert cli.main(["refresh", "--db", str(db)]) == 0
    assert "recomputed" in capsys.readouterr().out
    assert change_files.derived_differences(db, before) == {}
    assert cli.main(["refresh", "--db", str(tmp_path / "none.duckdb")]) == 2
