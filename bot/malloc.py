"""Give freed memory back to the system promptly (glibc only).

Every chart reply sends a PNG of about 140 KB, and discord.py and aiohttp copy it into buffers of
that size. glibc raises its mmap threshold each time such a buffer is freed, so later ones come
from the heap, whose freed memory it then keeps: the bot's RSS rose by about 85 MB after a burst
of chart replies and never came down. A fixed threshold keeps large buffers in their own
mappings, returned on free (bench.ranking_memory: +86 MB -> +12 MB after idle).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Buffers this large or larger get their own mapping; free heap above this is trimmed.
THRESHOLD_BYTES = 128 * 1024


def return_freed_memory_promptly() -> bool:
    """Fix glibc's thresholds; False (and nothing changed) where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, macOS): their allocators do not keep memory this way
    ok = bool(mallopt(_M_MMAP_THRESHOLD, THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, THRESHOLD_BYTES)
    )
    if not ok:
        log.debug("mallopt refused the thresholds; memory is returned as glibc decides")
    return ok
