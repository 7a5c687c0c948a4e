"""The budget schedule: each cycle moves to its next phase at that phase's date.

PTB's JobQueue keeps nothing over a restart, so the jobs are rebuilt from the database at start
(:func:`bot.jobs.schedule_all`); a phase change missed while the bot was down happens then, and
what a crash kept from going out right after one (the ballot, the results) is sent. Every change
is claimed in the database (:mod:`storage.budget`), so it happens once even when a job runs twice.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import JobQueue

from bot import scheduler
from bot.budget import service
from bot.context import QatysuContext
from storage import budget as repo
from storage.budget import Cycle
from storage.db import utcnow

_LOGGER = logging.getLogger(__name__)
REBUILD_NAME = "budget-rebuild"  # scheduled at start by :func:`bot.jobs.schedule_all`


def _name(cycle_id: int) -> str:
    return f"budget-{cycle_id}"


async def advance_job(context: QatysuContext) -> None:
    """Make the phase changes of this job's cycle that are due (the service schedules the next)."""
    assert context.job is not None and isinstance(context.job.data, int)
    await service.advance(context.services, context.job.data)


def schedule(job_queue: JobQueue[Any], cycle: Cycle) -> None:
    """Schedule a cycle's next phase change (at once when its date has passed), however late."""
    scheduler.cancel(job_queue, _name(cycle.id))  # scheduling again never doubles it
    change = cycle.next_change()
    if change is None:
        return
    scheduler.once(
        job_queue, advance_job, max(change[1], utcnow()), data=cycle.id, name=_name(cycle.id)
    )


class JobQueueSchedule:
    """The budget schedule on PTB's job queue, handed to the budget service by the composition
    root (the service cannot import this module: its jobs call the service)."""

    def __init__(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue

    def schedule(self, cycle: Cycle) -> None:
        """Begin the cycle's next phase at its date (at once when it has passed)."""
        schedule(self._job_queue, cycle)


async def rebuild(context: QatysuContext) -> None:
    """At start: send what a crash left unsent, schedule every running cycle's next change."""
    services = context.services
    sent = await service.publish_missing(services)
    cycles = await repo.running(services.db)
    assert context.job_queue is not None
    for cycle in cycles:
        schedule(context.job_queue, cycle)
    _LOGGER.info("Budget cycles: %d scheduled, %d messages sent late", len(cycles), sent)
