"""Pseudonymisation: keyed, stable, masked; the key file is made once with mode 0600."""

from __future__ import annotations

import stat

import polars as pl
import pytest

from etl import pseudonym


def test_key_file_made_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("UNION_DASH_KEY", raising=False)
    monkeypatch.setenv("UNION_DASH_KEY_FILE", str(tmp_path / "sub" / "k.key"))
    first = pseudonym.load_key()
    assert stat.S_IMODE((tmp_path / "sub" / "k.key").stat().st_mode) == 0o600
    assert pseudonym.load_key() == first and len(first) == 64


def test_key_from_env_wins(monkeypatch):
    monkeypatch.setenv("UNION_DASH_KEY", "secret-a")
    a = pseudonym.person_key("11010519491231002X")
    monkeypatch.setenv("UNION_DASH_KEY", "secret-b")
    assert pseudonym.person_key("11010519491231002X") != a


def test_key_file_under_data_refused(monkeypatch):
    from core.warehouse import DATA
    monkeypatch.delenv("UNION_DASH_KEY", raising=False)
    monkeypatch.setenv("UNION_DASH_KEY_FILE", str(DATA / "k.key"))
    with pytest.raises(RuntimeError):
        pseudonym.load_key()


def test_person_keys_stable_and_distinct():
    ids = pl.Series(["11010519491231002X", None, "11010519491231002X", "150702198001011239"])
    keys = pseudonym.person_keys(ids, key=b"k").to_list()
    assert keys[0] == keys[2] != keys[3] and keys[1] is None
    assert all(0 <= k < 2**64 for k in (keys[0], keys[3]))


def test_mask():
    masked = pl.select(pseudonym.mask_id(pl.lit("150702198001011239"))).item()
    assert masked == "150702********1239"


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"long key " * 12])
def test_person_keys_are_standard_hmac_sha256(key):
    """The fast path (pre-hashed pads) gives exactly RFC 2104 HMAC, for short, block-sized
    and over-long keys, so keys made before it stay the same."""
    import hashlib
    import hmac
    ids = ["11010519491231002X", "150702198001011239"]
    expected = [_first_64_bits(hmac.new(key, i.encode(), hashlib.sha256)) for i in ids]
    assert pseudonym.person_keys(pl.Series(ids), key=key).to_list() == expected


def test_many_ids_hashed_by_duckdb_equal_standard_hmac():
    """Past `_MANY` distinct IDs the HMAC runs in DuckDB: the same keys as RFC 2104."""
    import hashlib
    import hmac
    ids = [f"150702{n:011d}X" for n in range(pseudonym._MANY + 10)] + [None, "15070200000000001X"]
    keys = pseudonym.person_keys(pl.Series(ids), key=b"long key " * 12).to_list()
    expected = [None if i is None else _first_64_bits(hmac.new(b"long key " * 12, i.encode(),
                                                                hashlib.sha256)) for i in ids]
    assert keys == expected


def _first_64_bits(mac) -> int:
    return int.from_bytes(mac.digest()[:8], "big")
