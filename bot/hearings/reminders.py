"""Reminders before a hearing begins, to those who said they will come (a job every minute)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.hearings.service import REMINDER
from bot.messaging import translator_of
from storage import hearings
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.context import QatysuContext, Services


async def send_due_reminders(services: Services, now: datetime | None = None) -> int:
    """Send each reminder that is due, once, to those who will come; return how many went.

    A reminder missed while the bot was down still goes out if the hearing has not begun.
    """
    now = now or utcnow()
    offsets = sorted(services.settings.hearing_reminders)
    if not offsets:
        return 0
    sent = 0
    for hearing in await hearings.starting_between(services.db, now, now + offsets[-1]):
        # Only the closest due offset is sent: after downtime, one reminder, not two at once.
        due = [offset for offset in offsets if hearing.starts_at - offset <= now]
        if not due:
            continue
        minutes = [int(offset.total_seconds() // 60) for offset in due]
        claims = [await hearings.claim_reminder(services.db, hearing.id, m) for m in minutes]
        if not claims[0]:
            continue
        people = tuple(await hearings.coming(services.db, hearing.id))
        if people:
            tr = await translator_of(services, hearing.created_by)  # its author sees it go
            await services.engine.submit(
                kind=REMINDER, payload={}, created_by=hearing.created_by, ref_id=hearing.id,
                person_ids=people, report_to=(hearing.created_by, tr),
                report_title=(
                    tr.t("hearing.reminder_report", topic=hearing.topic)
                    if hearing.kind == "hearing"
                    else tr.t("meeting.reminder_report", topic=hearing.topic)
                ),
            )  # fmt: skip
            sent += 1
    return sent


async def reminder_job(context: QatysuContext) -> None:
    """JobQueue callback, every minute: the reminders that are due (catches up after downtime)."""
    await send_due_reminders(context.services)
