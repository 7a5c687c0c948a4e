"""A separate process for CPU-heavy work: result charts, report workbooks, CSV files and charts.

Drawing a chart or writing a workbook holds the GIL for up to seconds; in a thread of the
serving process that stalls every other update (taps waited p95 2.4 s while a poll's charts
were drawn). Such work runs here instead, in a pool of one worker process that is

- started on first use, with the "spawn" method: a fork of a process running an event loop,
  threads and open SQLite connections would copy them in an unknown state;
- run at a lower priority (:data:`NICENESS`), so that on a small machine it takes the CPU the
  serving process leaves, not the reverse. Where Linux groups processes by session for the
  CPU (autogroup, outside a container's cgroup), the worker gets a session and so a group of
  its own, at that niceness too: otherwise the CPU it takes would be charged to the serving
  process's group, and other sessions' work would push the serving process back meanwhile;
- stopped with the application (``post_shutdown``), by the CLI command that used it, and after
  :data:`IDLE_SECONDS` without work, so that its libraries (matplotlib, openpyxl, about 100 MB)
  are not kept for a week between two reports;
- given top-level functions and plain picklable arguments (texts already translated, figures,
  the path to write to), never a translator or a database connection.

matplotlib and openpyxl are therefore imported in the worker only, never by the serving process.
One process is shared by every caller in it: the pool is the process's, like its CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
# One at a time: the bot runs on a machine of few cores and must keep one for its updates.
WORKERS = 1
IDLE_SECONDS = 600.0
# The worker yields the CPU to the serving process (and to anything interactive) when both
# want it: a report may take a second longer, a tap must not.
NICENESS = 10


def lower_priority() -> None:
    """Make the worker process yield the CPU (its pool's initializer)."""
    os.setsid()  # a session of its own: under autogroup scheduling, a CPU group of its own
    with contextlib.suppress(OSError):  # no autogroup here (a container's cgroup, not Linux)
        Path("/proc/self/autogroup").write_text(f"{NICENESS}\n")
    os.nice(NICENESS)


class WorkerPool:
    """A process pool started on first use and stopped when idle or asked to."""

    def __init__(self, workers: int = WORKERS, idle_seconds: float = IDLE_SECONDS) -> None:
        self._workers = workers
        self._idle_seconds = idle_seconds
        self._executor: ProcessPoolExecutor | None = None
        self._running = 0
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def started(self) -> bool:
        """Whether a worker process is up (or starting)."""
        return self._executor is not None

    def _start(self) -> ProcessPoolExecutor:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self._workers, mp_context=context, initializer=lower_priority
            )
            _LOGGER.info("Worker process for charts and reports started")
        return self._executor

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run ``function(*args)`` in the worker process; return (or raise) what it did."""
        executor = self._start()
        self._running += 1
        try:
            # Submitting starts the worker process when none runs: fork and exec, which wait
            # for the child (tens of milliseconds on a busy machine), off the event loop.
            submitted = await asyncio.to_thread(executor.submit, function, *args)
            return await asyncio.wrap_future(submitted)
        except BrokenProcessPool:
            # The worker died (killed, out of memory): the next call starts a new one.
            if self._executor is executor:
                self._executor = None
            executor.shutdown(wait=False)
            raise
        finally:
            self._running -= 1
            if not self._running and self._executor is not None:
                loop = asyncio.get_running_loop()
                self._idle_timer = loop.call_later(self._idle_seconds, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        """Let the worker process go after a quiet spell (the next call starts another)."""
        self._idle_timer = None
        if self._running or self._executor is None:
            return
        executor, self._executor = self._executor, None
        executor.shutdown(wait=False)
        _LOGGER.info("Worker process for charts and reports stopped (idle)")

    async def shutdown(self) -> None:
        """Stop the worker process once the work it was given is done."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True)


_POOL = WorkerPool()


async def run(function: Callable[..., T], *args: object) -> T:
    """Run ``function(*args)`` in the process's worker (started when needed)."""
    return await _POOL.run(function, *args)


async def shutdown() -> None:
    """Stop the process's worker, if one runs."""
    await _POOL.shutdown()
