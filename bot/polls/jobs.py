"""The poll schedule: each poll closes at its time and reminds non-voters once before.

PTB's JobQueue keeps nothing over a restart, so the jobs are rebuilt from the database at
start; a close or reminder missed while the bot was down runs then. Both are claimed in the
database (:mod:`storage.polls`), so they happen once even when a job runs twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import JobQueue

from bot import scheduler
from bot.context import QatysuContext
from bot.polls import service as polls
from storage import polls as repo
from storage.db import utcnow
from storage.polls import Poll

_LOGGER = logging.getLogger(__name__)
REBUILD_NAME = "polls-rebuild"  # scheduled at start by :func:`bot.jobs.schedule_all`


def _name(kind: str, poll_id: int) -> str:
    return f"poll-{kind}-{poll_id}"


async def close_job(context: QatysuContext) -> None:
    """Close the poll of this job (nothing if staff closed it already)."""
    assert context.job is not None and isinstance(context.job.data, int)
    await polls.close(context.services, context.job.data)


async def remind_job(context: QatysuContext) -> None:
    """Remind the non-voters of this job's poll."""
    assert context.job is not None and isinstance(context.job.data, int)
    await polls.remind(context.services, context.job.data)


def schedule(job_queue: JobQueue[Any], poll: Poll, reminder: timedelta) -> None:
    """Schedule a poll's close and reminder (at once when their time has passed), however late."""
    unschedule(job_queue, poll.id)  # scheduling again (the rebuild at start) never doubles them
    now = utcnow()
    scheduler.once(job_queue, close_job, max(poll.closes_at, now), data=poll.id,
                   name=_name("close", poll.id))  # fmt: skip
    remind_at = polls.reminder_at(poll, reminder)
    if remind_at is not None and poll.closes_at > now:
        scheduler.once(job_queue, remind_job, max(remind_at, now), data=poll.id,
                       name=_name("remind", poll.id))  # fmt: skip


def unschedule(job_queue: JobQueue[Any], poll_id: int) -> None:
    """Forget a poll's jobs (it closed early)."""
    for kind in ("close", "remind"):
        scheduler.cancel(job_queue, _name(kind, poll_id))


class JobQueueSchedule:
    """The poll schedule on PTB's job queue, handed to the poll service by the composition root.

    The service owns every write and the jobs it implies, yet cannot import this module (its
    jobs call the service): it reaches the schedule through :class:`bot.context.PollSchedule`.
    """

    def __init__(self, job_queue: JobQueue[Any], reminder: timedelta) -> None:
        self._job_queue = job_queue
        self._reminder = reminder

    def schedule(self, poll: Poll) -> None:
        """Close the poll at its time, and remind non-voters before."""
        schedule(self._job_queue, poll, self._reminder)

    def unschedule(self, poll_id: int) -> None:
        """Forget the poll's jobs (it closed early)."""
        unschedule(self._job_queue, poll_id)


async def rebuild(context: QatysuContext) -> None:
    """At start: publish results a crash left unsent, schedule every open poll."""
    services = context.services
    published = await polls.publish_missing(services)
    open_polls = await repo.open_polls(services.db)
    assert context.job_queue is not None
    for poll in open_polls:
        schedule(context.job_queue, poll, services.settings.poll_reminder)
    _LOGGER.info("Polls: %d scheduled, %d results published late", len(open_polls), published)
