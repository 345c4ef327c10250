"""Child processes that end when their parent does, however the parent ends (SIGKILL too).

A process pool's workers otherwise outlive a killed bot: they block on their task queue, whose
write end they hold themselves, so they never see it close. On Linux the kernel ends them:
``prctl(PR_SET_PDEATHSIG, SIGKILL)``. Elsewhere a daemon thread watches ``os.getppid()``, which
changes when the parent is gone (the orphan is re-parented to init or a subreaper).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger(__name__)

#: From <linux/prctl.h>.
PR_SET_PDEATHSIG = 1
#: How often the portable watch looks for its parent (s).
WATCH_INTERVAL = 0.5


def die_with_parent(parent_pid: int, *, kernel: bool = True) -> None:
    """End this process as soon as ``parent_pid`` (its parent) is gone (``kernel=False``: by
    the portable watch even where the kernel could do it).

    Linux caveat: the death signal fires when the *thread* that started this process ends, so
    the parent must start it from a thread that lives as long as the parent (its main thread).
    """
    if not (kernel and _kernel_death_signal()):
        threading.Thread(target=_watch, args=(parent_pid,), name="lifeline", daemon=True).start()
    # The parent may have died before the signal was armed (or the watch started): check now.
    if os.getppid() != parent_pid:
        os._exit(1)


def _kernel_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            return True
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as exc:
        log.warning("prctl is not available (%s); watching the parent instead", exc)
    return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)
