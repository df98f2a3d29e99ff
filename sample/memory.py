"""Memory the generator's C heap has freed, handed back to the system.

Numpy's arrays and Python's objects come from glibc's malloc, which keeps most freed pages
for reuse rather than return them: after `make_tables` at `--scale 20` the process held
0.19 GB of them (1.30 GB resident, 1.11 after `malloc_trim`). Polars' own allocator is told to
give back at once (etl/config.GENERATE_ALLOCATOR). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back
        return None


def give_back() -> None:
    """Return the C heap's free pages to the system (glibc's `malloc_trim(0)`)."""
    if (trim := _trim()) is not None:
        trim(0)
