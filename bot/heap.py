"""Give the memory start-up used and freed back to the system.

Start-up allocates much it frees again at once (module code being run, migrations read,
schedules rebuilt); glibc keeps freed memory in the process for later use, so it would count in
the resident set for as long as the bot runs. ``malloc_trim(0)`` hands the free pages back:
about 1 MB of the idle bot's (``bench/serve.py``). Elsewhere (macOS, musl) nothing is done.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys

_LOGGER = logging.getLogger(__name__)


def release() -> None:
    """Collect garbage once, then return free heap pages to the system (Linux with glibc)."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc's; musl (Alpine) has none
    except (AttributeError, OSError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    _LOGGER.debug("Freed heap returned to the system")
