"""数据质量's 导入拒收 in a deployment below the country (etl init --scope 440100): a rejected
row whose help station is not registered has no station code, so it lies in no county. The
deployment's whole view (its top region, or a region above it) counts it; a county's does not.
Before, only a country-rooted warehouse (the sample) counted such rows: a city federation's
page showed 0 rejects for a file whose every row named a station not yet registered."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import quality as q
from analytics.filters import COUNTRY, Filters
from analytics.reference import root_region
from tests.deployment_files import guangzhou, roster


@pytest.fixture(scope="module")
def gz_db(tmp_path_factory):
    where = tmp_path_factory.mktemp("gz_rejects")
    db, report = guangzhou(where)
    assert report.exit_code == 0
    from etl import load
    unknown = roster(where / "unknown.csv", "天河区未登记帮扶站")  # 5 rows, station unknown
    assert load.load_files([unknown], db, rejects_dir=where / "rej").exit_code != 0
    return db


def _view(region: str, scope: str = COUNTRY) -> Filters:
    return Filters(region=region, start=date(2000, 1, 1), end=date(2030, 12, 1), scope=scope)


@pytest.mark.parametrize("top", ["root", "440000", COUNTRY])
def test_rejects_without_a_station_count_in_the_deployments_whole_view(gz_db, monkeypatch,
                                                                        top):
    monkeypatch.setenv("UNION_DASH_DB", str(gz_db))
    region = root_region() if top == "root" else top
    assert root_region() == "440100"
    rej = q.rejects_by_reason(_view(region, scope=region))
    assert rej["rows"].sum() == 5, rej
    assert set(rej["station_code"]) == {"?"}
    assert all("未知的帮扶站点" in r for r in rej["reason_zh"])


def test_a_countys_view_does_not_count_them(gz_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(gz_db))
    assert q.rejects_by_reason(_view("440106")).height == 0
