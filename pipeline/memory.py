"""Memory this process has freed, handed back to the system while a long run goes on.

A run maps and validates one return after another in this process, each leaving megabytes of freed objects
behind. glibc keeps freed heap for reuse, in one arena per thread that allocated it (up to 8 per core), so
the process's footprint grew with the number of returns read although the objects were gone (measured at
106,770 cases: ~900 MB for ~200 MB of live objects). Fewer arenas and a trim after each return keep it near
what is alive. Only on glibc (Linux); elsewhere these do nothing. Arrow's own pool (jemalloc, which holds
freed pages for a while) is swapped for the system allocator, so that the trim covers the case frames too.

Measured on the scale corpus (flow_bench --scale 1), peak RSS summed over the run's processes: 1,692 MB
before, 1,395 MB with the three together, at the same run time (50.7 s against 50.1 s).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import cache

_M_ARENA_MAX = -8          # mallopt parameter (glibc malloc.h)
ARENAS = 2                 # the main thread's and one shared by the task threads


@cache
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.malloc_trim, libc.mallopt  # noqa: B018 - glibc only (musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


def configure_process() -> None:
    """For ``foi run``, before pandas or pyarrow are imported and before any thread starts; settings the user
    exported (MALLOC_ARENA_MAX, ARROW_DEFAULT_MEMORY_POOL) win. Child processes inherit the Arrow setting."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    limit_arenas()


def limit_arenas(arenas: int = ARENAS) -> None:
    """Cap glibc's malloc arenas for this process (threads created later share them); MALLOC_ARENA_MAX wins."""
    libc = _libc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, arenas)


def release_freed_memory() -> None:
    """Return the heap this process has freed to the system (a few ms)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
