"""The SHA-256 of a station file's content, by which a file loaded before is recognised.

A file bigger than BACKGROUND_DIGEST_BYTES is hashed in a thread while its first chunks are
read and checked (10^7 rows, 1.1 GB: ~1 s off the load; hashlib lets go of the GIL while it
hashes); a smaller one at once, so that a repeat is skipped before it is read.
"""

from __future__ import annotations

import hashlib
import os
from concurrent import futures
from pathlib import Path

BACKGROUND_DIGEST_BYTES = 64 * 2**20


def digest(source: bytes | Path) -> futures.Future:
    """The hex SHA-256 of the content, as a future (done at once for a small file).
    Raises OSError if the file cannot be read."""
    if isinstance(source, bytes) or os.stat(source).st_size <= BACKGROUND_DIGEST_BYTES:
        done: futures.Future = futures.Future()
        done.set_result(sha256(source))
        return done
    pool = futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(sha256, source)
    finally:
        pool.shutdown(wait=False)


def sha256(source: bytes | Path) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with open(source, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
