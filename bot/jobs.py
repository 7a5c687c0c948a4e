"""Every timed job of the bot, in one commented list: :func:`schedule_all`.

It runs once the job queue runs (``bot.app.QatysuApplication.start``), so no job falls due
before the scheduler can start it, however long the start-up calls to Telegram took. Jobs
scheduled later (a new poll's close) go through the same helpers, :mod:`bot.scheduler`.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import cast

from bot import botapi, persistence, staff_notices
from bot.appeals import deadlines
from bot.broadcast import oversight
from bot.budget import jobs as budget_jobs
from bot.context import QatysuApp, QatysuContext
from bot.hearings import reminders as hearing_reminders
from bot.polls import jobs as poll_jobs
from bot.reports import delivery
from bot.scheduler import daily, once, repeating
from storage import broadcasts, received, updates
from storage.db import utcnow

_LOGGER = logging.getLogger(__name__)
# Telegram keeps an unconfirmed update for 24 hours; remember handled ids a little longer.
UPDATE_MEMORY = timedelta(hours=48)
HOUSEKEEPING_EVERY = timedelta(hours=6)
HEARING_REMINDERS_EVERY = timedelta(minutes=1)
TOKEN_CHECK_EVERY = timedelta(minutes=5)
DIALOG_SWEEP_EVERY = timedelta(hours=1)
DIALOG_SWEEP_MIN = timedelta(minutes=1)
COMPACTION_AT = time(3, 30)  # local time: the quietest hour
COMPACTION_CATCH_UP = timedelta(minutes=10)
NOTICE_REQUESTS_EVERY = timedelta(minutes=10)


async def forget_old_updates(context: QatysuContext) -> None:
    """Drop handled update ids older than Telegram could re-deliver, and updates received
    as long ago."""
    before = utcnow() - UPDATE_MEMORY
    dropped = await updates.forget_updates_before(context.services.db, before)
    # Updates received and never claimed that long ago: too old to handle now.
    stale = await received.forget_before(context.services.db, before)
    _LOGGER.info("Forgot %d handled update ids, %d stale received updates", dropped, stale)


async def forget_abandoned_dialogs(context: QatysuContext) -> None:
    """End dialogs untouched for DIALOG_TIMEOUT_HOURS, and drop their drafts; no draft or
    dialog state outlives DRAFT_RETENTION_DAYS."""
    settings = context.services.settings
    app = cast(QatysuApp, context.application)
    await persistence.forget_abandoned(
        app, settings.dialog_timeout, utcnow(), retention=settings.draft_retention
    )


async def compact_outbox(context: QatysuContext) -> None:
    """Keep only the counts of broadcasts finished more than OUTBOX_RETENTION_DAYS ago."""
    retention = context.services.settings.outbox_retention
    compacted = await broadcasts.compact_finished(context.services.db, utcnow() - retention)
    _LOGGER.info("Compacted the outbox of %d finished broadcasts", compacted)


async def settle_notice_requests(context: QatysuContext) -> None:
    """Let notices nobody approved in time lapse; send approved ones a crash held back."""
    lapsed = await oversight.expire(context.services, context.bot)
    if lapsed:
        _LOGGER.info("%d notices waiting for approval lapsed", lapsed)


def schedule_all(app: QatysuApp) -> None:
    """Schedule every timed job; called once, when the job queue has started."""
    job_queue = app.job_queue
    services = app.bot_data.services
    assert job_queue is not None and services is not None
    settings = services.settings
    zone = settings.zone
    # Polls: rebuild every open poll's close and reminder; those missed while down run now,
    # and results a crash left unsent go out.
    once(job_queue, poll_jobs.rebuild, 0, name=poll_jobs.REBUILD_NAME)
    # Budget cycles: each one's next phase change; those missed while down happen now, and
    # what a crash kept from going out after one (the ballot, the results) goes.
    once(job_queue, budget_jobs.rebuild, 0, name=budget_jobs.REBUILD_NAME)
    # Hearings: every minute, the reminders that are due (after downtime too, once each).
    repeating(
        job_queue, hearing_reminders.reminder_job, HEARING_REMINDERS_EVERY, first=5,
        name="hearing-reminders",
    )  # fmt: skip
    # Appeals: the deadline check every day at 09:00, and soon after start for a missed day.
    at_nine = deadlines.CHECK_AT.replace(tzinfo=zone)
    daily(job_queue, deadlines.deadline_job, at_nine, name="appeal-deadlines")
    once(job_queue, deadlines.deadline_job, deadlines.CATCH_UP_AFTER,
         name="appeal-deadlines-catch-up")  # fmt: skip
    # Reports: the staff digest and the coordinators' weekly summary as configured, and soon
    # after start whatever was due earlier today.
    for name, setting, callback in (
        ("staff-digest", settings.digest_schedule, delivery.digest_job),
        ("weekly-summary", settings.summary_schedule, delivery.summary_job),
    ):
        plan = delivery.Schedule.parse(setting)
        if plan is not None:
            daily(job_queue, callback, plan.at.replace(tzinfo=zone), days=plan.ptb_days, name=name)
    once(job_queue, delivery.catch_up_job, delivery.CATCH_UP_AFTER, name="reports-catch-up")
    # Staff notices: what a previous run left in the outbox goes out now (later ones at once).
    once(job_queue, staff_notices.send_pending, 0, name="staff-notices")
    # Notices waiting for approval: lapse after a day (their authors are told); an approved
    # one whose broadcast a crash kept from being made goes out. Soon after start, then often.
    repeating(job_queue, settle_notice_requests, NOTICE_REQUESTS_EVERY, first=30,
              name="notice-requests")  # fmt: skip
    # Housekeeping: forget handled update ids Telegram can no longer re-deliver.
    repeating(job_queue, forget_old_updates, HOUSEKEEPING_EVERY, first=60, name="forget-updates")
    # Dialogs: abandoned ones (their step, their draft) end after DIALOG_TIMEOUT_HOURS, at
    # most a quarter of it (or an hour) late.
    sweep_every = max(DIALOG_SWEEP_MIN, min(DIALOG_SWEEP_EVERY, settings.dialog_timeout / 4))
    repeating(job_queue, forget_abandoned_dialogs, sweep_every, first=90,
              name="abandoned-dialogs")  # fmt: skip
    # Broadcasts: finished ones keep only their counts after OUTBOX_RETENTION_DAYS; daily at
    # night, and soon after start for a night the bot was down.
    daily(job_queue, compact_outbox, COMPACTION_AT.replace(tzinfo=zone), name="outbox-compaction")
    once(job_queue, compact_outbox, COMPACTION_CATCH_UP, name="outbox-compaction-catch-up")
    # Webhook mode: no getUpdates tells that Telegram stopped accepting the token; ask getMe.
    if settings.webhook_url:
        repeating(job_queue, botapi.token_check_job, TOKEN_CHECK_EVERY, first=TOKEN_CHECK_EVERY,
                  name="token-check")  # fmt: skip
