"""The C allocator (glibc) tuned for a long-running server, and its free memory returned."""

from __future__ import annotations

import asyncio
import ctypes
import functools

MMAP_THRESHOLD = 1 << 20  # bytes; see tune
TRIM_THRESHOLD = 16 << 20  # bytes free at the heap's top before free() shrinks it
RELEASE_EVERY_S = 10.0
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def tune() -> None:
    """glibc gives every thread that allocates its own heap arena; the worker threads
    (database, usage batches) would each keep tens of MB resident. Two arenas suffice.

    glibc also raises its mmap threshold to the size of each large block freed, so after
    the first Argon2 check (19 MiB) every later one is carved from an arena and stays
    resident there: one 19 MiB block per concurrent check, for good. A fixed threshold
    keeps blocks of 1 MiB and more in their own mappings, returned when freed. Fixing it
    also fixes the trim threshold at its 128 KiB default, so the heap's top would be given
    back and taken again on nearly every request; it is raised instead, and
    ``release_forever`` returns what stays free."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 2)
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def release_free_memory() -> None:
    """Hand the pages that freed blocks leave inside the heap back to the system (what
    loading modules and tables at start frees is otherwise kept resident)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


async def release_forever(every_s: float = RELEASE_EVERY_S) -> None:
    """What requests free is released every ``every_s``: a burst of large bodies or long
    streams would otherwise leave its peak resident (about 0.1 ms per MB released, off the
    event loop)."""
    while True:
        await asyncio.sleep(every_s)
        await asyncio.to_thread(release_free_memory)
