"""Putting jobs on PTB's job queue so that none is silently dropped.

APScheduler, under PTB's JobQueue, skips a run that starts more than ``misfire_grace_time``
late (PTB leaves it at 1 second) and only logs "Run time of job … was missed". Start-up
(getMe, command menus, deleteWebhook) takes longer than that on a slow link, and so can a
busy event loop. Hence:

- a one-off job (:func:`once`: a poll's close, a catch-up at start) has no grace limit: it
  runs late rather than never; each is claimed in the database, so a late run is harmless;
- a repeating or daily job (:func:`repeating`, :func:`daily`) merges missed runs into one
  (``coalesce``) and still runs within a grace period; past that, the next run does its work.

The grace is set per job (``job_kwargs``): ``scheduler.configure()`` would wipe PTB's set-up.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, time, timedelta
from typing import Any

from telegram.ext import Job, JobQueue

from bot.context import QatysuContext

Callback = Callable[[QatysuContext], Coroutine[Any, Any, None]]
When = float | timedelta | datetime
# A daily run late by less than this still goes (a digest at 10:30 instead of 09:00 is
# still worth reading); later, the next day's run does the work, and a run missed while
# the bot was down is caught up at start.
DAILY_GRACE = timedelta(hours=2)


def once(
    job_queue: JobQueue[Any], callback: Callback, when: When, *, name: str, data: object = None
) -> Job[Any]:
    """Run ``callback`` once at ``when`` (seconds from now, a delay or a moment), however late."""
    return job_queue.run_once(
        callback, when, data=data, name=name, job_kwargs={"misfire_grace_time": None}
    )


def repeating(
    job_queue: JobQueue[Any], callback: Callback, every: timedelta, *, first: When, name: str
) -> Job[Any]:
    """Run ``callback`` every ``every``; runs missed by a late loop become one run, not none."""
    grace = int(every.total_seconds())  # the newest missed run is never older than this
    return job_queue.run_repeating(
        callback, every, first=first, name=name,
        job_kwargs={"misfire_grace_time": grace, "coalesce": True},
    )  # fmt: skip


def daily(
    job_queue: JobQueue[Any],
    callback: Callback,
    at: time,
    *,
    name: str,
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6),
) -> Job[Any]:
    """Run ``callback`` at ``at`` (local time) on ``days`` (0 = Sunday), within the grace."""
    grace = int(DAILY_GRACE.total_seconds())
    return job_queue.run_daily(
        callback, at, days=days, name=name,
        job_kwargs={"misfire_grace_time": grace, "coalesce": True},
    )  # fmt: skip


def cancel(job_queue: JobQueue[Any], name: str) -> None:
    """Forget the jobs called ``name`` (so that scheduling again does not double them)."""
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
