"""Synthetic people of the sample: 18-digit ID numbers, Chinese names, phones, employers.

ID numbers follow GB 11643: six digits of the county code, the birth date, a three-digit
sequence whose last digit is odd for men and even for women, and the ISO 7064 MOD 11-2
check digit. Every number is unique within the whole sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))
_EPOCH = np.datetime64("1940-01-01")

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
                 "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
                 "郝龚邵万钱覃武戴孔包乌那")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志海波宁燕春林峰凤琴云莲"
              "辉鹏亮斌宇浩凯晶慧丹雪荣新利文君玲淑珍翠花德成福生俊庆东哲巴特尔其木格乌兰图雅")


def check_digit(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an (n, 17) array of digits."""
    return _CHECK[(first17 * _WEIGHTS).sum(axis=1) % 11]


def as_typed_number(id_number: str) -> float:
    """An ID as Excel holds it once typed into a cell as a number. An ID ending in X cannot be
    typed so (Excel keeps it as text): its first 17 digits and a 0 stand in for it, as the
    sample's rows of IDs typed as numbers are to be rejected either way."""
    return float(id_number[:17] + "0" if id_number.endswith("X") else id_number)


def id_numbers(county: str, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Valid 18-character ID numbers from birth dates (datetime64[D]) and 3-digit sequences."""
    ymd = pl.Series(birth).dt.strftime("%Y%m%d").to_numpy().astype(str)
    body = np.char.add(np.char.add(county, ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(np.char.encode(body, "ascii").astype("S17").tobytes(), np.uint8)
    return np.char.add(body, check_digit(digits.reshape(-1, 17).astype(np.int64) - 48))


@dataclass
class People:
    """Registry of every person of the sample, with IDs unique per county."""

    rng: np.random.Generator
    _used: dict[str, np.ndarray] = field(default_factory=dict)  # sorted keys taken per county
    _parts: list[pl.DataFrame] = field(default_factory=list)
    _next_pid: int = 0

    def new(self, county: str, n: int, born_from: int = 1950,
            born_to: int = 1990) -> dict[str, np.ndarray]:
        """n new people of a county: pid, county, id_number, name, gender, birth."""
        lo = (np.datetime64(f"{born_from}-01-01") - _EPOCH).astype(int)
        hi = (np.datetime64(f"{born_to}-12-31") - _EPOCH).astype(int)
        keys = self._unique_keys(county, n, lo * 1000, (hi + 1) * 1000)
        birth = _EPOCH + (keys // 1000).astype("timedelta64[D]")
        seq = keys % 1000
        ids = id_numbers(county, birth, seq)
        part = {
            "pid": np.arange(self._next_pid, self._next_pid + n, dtype=np.int64),
            "county": np.full(n, county),
            "id_number": ids,
            "name": names(self.rng, n),
            "gender": np.where(seq % 2 == 1, "M", "F"),
            "birth": birth,
        }
        self._next_pid += n
        # kept as a frame: numpy holds an 18-character ID in 72 bytes (at --scale 52, 4 M people)
        self._parts.append(stack([part]))
        return part

    def _unique_keys(self, county: str, n: int, lo: int, hi: int) -> np.ndarray:
        """n keys in [lo, hi) not taken before in the county, in the order drawn."""
        used = self._used.get(county, np.empty(0, dtype=np.int64))
        out: list[np.ndarray] = []
        need = n
        while need:
            cand = np.unique(self.rng.integers(lo, hi, size=need * 2 + 10))
            self.rng.shuffle(cand)
            fresh = cand[~np.isin(cand, used, assume_unique=True)][:need]
            used = np.union1d(used, fresh)
            out.append(fresh)
            need -= len(fresh)
        self._used[county] = used
        return np.concatenate(out).astype(np.int64) if out else np.empty(0, dtype=np.int64)

    def frame(self) -> pl.DataFrame:
        return pl.concat(self._parts, rechunk=True)

    def __len__(self) -> int:
        """How many people were made (without building the frame: at --scale 52 that copy
        was the generation's peak)."""
        return self._next_pid


def stack(parts: list[dict[str, np.ndarray]], strings: tuple[str, ...] = ()) -> pl.DataFrame:
    """One frame from column dicts of numpy arrays (building many small frames is slow).
    Object columns (with None) become String, or Boolean where they hold booleans."""
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out = {}
    for k, v in cols.items():
        if k in strings or v.dtype == object:
            vals = v.tolist()
            is_bool = bool in set(map(type, vals))  # any(isinstance(x, bool)), in C
            out[k] = pl.Series(k, vals, dtype=pl.Boolean if is_bool else pl.String)
        else:
            out[k] = v
    return pl.DataFrame(out)


def lookup(persons: pl.DataFrame) -> dict[str, pl.Series]:
    """Columns of the people frame indexed by pid (pids are 0..n-1 in order)."""
    return {c: persons[c] for c in ("id_number", "name", "gender")}


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = rng.choice(_SURNAMES, n)
    g1 = rng.choice(_GIVEN, n)
    g2 = np.where(rng.random(n) < 0.6, rng.choice(_GIVEN, n), "")
    return np.char.add(np.char.add(sur, g1), g2)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = rng.choice(["139", "138", "135", "150", "151", "158", "186", "189", "133"], n)
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))


def employers(rng: np.random.Generator, county_zh: str, n: int) -> np.ndarray:
    kinds = ["毛纺厂", "糖厂", "木材加工厂", "机械厂", "建筑公司", "商贸公司", "运输公司",
             "食品公司", "乳业公司", "水泥厂", "供销社", "物业公司", "个体", "无"]
    picked = rng.choice(kinds, n)
    return np.where(np.isin(picked, ["个体", "无"]), picked,
                    np.char.add(np.where(rng.random(n) < 0.5, "原", ""),
                                np.char.add(county_zh, picked)))

