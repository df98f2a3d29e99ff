"""ID numbers → `person_key` (keyed hash) and `id_masked`; the raw number is never stored.

`person_key` is the first 64 bits of HMAC-SHA256(key, ID) as an unsigned integer: eight
bytes a row that DuckDB writes and joins several times cheaper than 32 hex characters (with
the row ids made integers too, the insert of 10^7 relief rows went 5.8 -> 3.7 s). Two
persons share a key with probability about n²/2^65 (10^7 persons: 3 in a million); the load
refuses a file in which that happens rather than merge them
(`etl.key_types.refuse_collisions`).

The key is a secret kept outside the warehouse and outside data/: from env `UNION_DASH_KEY`,
else the key file (env `UNION_DASH_KEY_FILE`, default ~/.config/union-dashboard/pseudonym.key),
created on first use. Without the key, a person_key cannot be turned back into an ID by
hashing all plausible ID numbers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl

from core import engine
from core import warehouse as paths
from core.secret_file import read_or_make

KEY_HEX_LEN = 16  # 64 bits of HMAC-SHA256, as hex before the cast to UBIGINT


def key_file() -> Path:
    default = Path.home() / ".config" / "union-dashboard" / "pseudonym.key"
    return Path(os.environ.get("UNION_DASH_KEY_FILE", default)).expanduser()


def load_key() -> bytes:
    """The HMAC key; the key file is made (mode 0600) on first use."""
    env = os.environ.get("UNION_DASH_KEY")
    if env:
        return env.encode()
    path = key_file()
    if path.resolve().is_relative_to(paths.DATA.resolve()):
        raise RuntimeError(f"the pseudonym key must not live under data/: {path}")
    return read_or_make(path)


def person_keys(id18: pl.Series, key: bytes | None = None, *, distinct: bool = False
                ) -> pl.Series:
    """The first 64 bits of HMAC-SHA256 of each 18-digit ID (UInt64); nulls stay null.

    Hashes each distinct ID once (callers pass a roster with repeated persons), or with
    `distinct` each ID as it comes (they hardly repeat: finding the distinct ones would cost
    more). Many IDs are hashed by DuckDB on every core (10^6 IDs: ~0.3 s instead of ~1.8 s
    in Python)."""
    key = key if key is not None else load_key()
    if distinct:
        return _keys(id18, key)
    unique = id18.drop_nulls().unique()
    return id18.replace_strict(unique, _keys(unique, key), default=None,
                               return_dtype=pl.UInt64)


def _keys(ids: pl.Series, key: bytes) -> pl.Series:
    if ids.len() >= _MANY:
        return _hmac_many(ids, key)
    one = _hmac_int(key)
    return pl.Series([None if v is None else one(v) for v in ids.to_list()], dtype=pl.UInt64)


_MANY = 5_000  # below this, Python's hashlib beats starting a DuckDB query


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """RFC 2104's inner and outer padded keys."""
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _hmac_many(values: pl.Series, key: bytes) -> pl.Series:
    """The same keys as `_hmac_int`, computed by DuckDB (sha256 of blobs), in order."""
    inner, outer = _pads(key)
    con = engine.connect()
    try:
        con.register("_ids", pl.DataFrame({"v": values}))
        return con.sql("SELECT ('0x' || left(sha256($o || unhex(sha256($i || encode(v)))), "
                       "$n))::UBIGINT AS k FROM _ids",
                       params={"i": inner, "o": outer, "n": KEY_HEX_LEN}).pl()["k"]
    finally:
        con.close()


def _hmac_int(key: bytes):
    """The key of one ID: HMAC-SHA256 (RFC 2104) with the padded key's inner and outer
    states hashed once (about twice as fast per value as copying an `hmac` object), its
    first 8 bytes read as a big-endian unsigned integer."""
    inner_pad, outer_pad = _pads(key)
    inner, outer = hashlib.sha256(inner_pad), hashlib.sha256(outer_pad)

    def one(value: str) -> str:
        h = inner.copy()
        h.update(value.encode())
        o = outer.copy()
        o.update(h.digest())
        return int.from_bytes(o.digest()[:KEY_HEX_LEN // 2], "big")
    return one


def person_key(id18: str, key: bytes | None = None) -> int:
    """One ID's person_key (the same code as `person_keys`)."""
    return person_keys(pl.Series([id18], dtype=pl.String), key).item()


def mask_id(id18: pl.Expr) -> pl.Expr:
    """First 6 + 8 stars + last 4, e.g. 150702********123X: the region stays readable."""
    return id18.str.slice(0, 6) + "********" + id18.str.slice(14, 4)
