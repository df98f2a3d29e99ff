"""The English of an autonomous division names its nationalities as words: a 新疆 deployment
read Changjihuizu Autonomous Prefecture, Bayinguolengmenggu Autonomous Prefecture and
Chabuchaerxibo Autonomous County (the nationalities run into the place's pinyin) where the
usual English is Changji Hui Autonomous Prefecture."""

from __future__ import annotations

import duckdb
import pytest

from etl import national
from etl.__main__ import main as etl_main


@pytest.mark.parametrize(("zh", "en"), [
    ("昌吉回族自治州", "Changji Hui Autonomous Prefecture"),
    ("伊犁哈萨克自治州", "Yili Kazakh Autonomous Prefecture"),
    ("巴音郭楞蒙古自治州", "Bayinguoleng Mongol Autonomous Prefecture"),
    ("察布查尔锡伯自治县", "Chabuchaer Xibe Autonomous County"),
    ("恩施土家族苗族自治州", "Enshi Tujia and Miao Autonomous Prefecture"),
    ("双江拉祜族佤族布朗族傣族自治县", "Shuangjiang Lahu, Va, Blang and Dai Autonomous County"),
    ("延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture"),
    ("鄂伦春自治旗", "Oroqen Autonomous Banner"),
    ("鄂温克族自治旗", "Ewenki Autonomous Banner"),
    ("龙胜各族自治县", "Longsheng Various Nationalities Autonomous County"),
    ("天河区", "Tianhe District"),
    ("阿克苏地区", "Akesu Prefecture"),
])
def test_an_autonomous_divisions_nationalities_are_words(zh, en):
    assert national.english_name(zh) == en


def test_a_new_deployment_reads_them(tmp_path):
    """Pinyin with the nationalities as words where no established name is kept (昌吉,
    察布查尔); the established names of prefecture-level divisions whose English is not
    their pinyin (Wulumuqi City, Kashi Prefecture, Yili … were read) from
    etl/mappings/region_names_en.csv."""
    db = tmp_path / "w.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", "650000"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        names = dict(con.sql("SELECT region_code, name_en FROM regions WHERE region_code IN "
                             "('652300', '654022', '652800', '650100', '653100', '654000')"
                             ).fetchall())
    assert names == {"652300": "Changji Hui Autonomous Prefecture",
                     "654022": "Chabuchaer Xibe Autonomous County",
                     "652800": "Bayingolin Mongol Autonomous Prefecture",
                     "650100": "Urumqi", "653100": "Kashgar Prefecture",
                     "654000": "Ili Kazakh Autonomous Prefecture"}
