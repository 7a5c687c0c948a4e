"""The daily deadline check: staff hear of items due soon; overdue ones go up to the district.

Each notice is claimed in the database before it is sent, so it goes out once even when the
check runs again (at start, to catch up on a missed day, or in a second worker).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from telegram import Bot

from bot import messaging
from bot.appeals import notices, texts
from bot.appeals.service import local_today
from bot.context import QatysuContext, Services
from bot.i18n import Translator
from storage import appeals as repo
from storage import territory
from storage.appeals import Appeal
from storage.db import utcnow

_LOGGER = logging.getLogger(__name__)
CHECK_AT = time(9, 0)  # local time of the daily check
DUE_SOON_DAYS = 2
CATCH_UP_AFTER = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """How many items were newly flagged."""

    due_soon: int
    overdue: int


def _digest(tr: Translator, key: str, items: list[Appeal]) -> str:
    lines = [tr.nt(key, len(items))]
    lines += [
        tr.t("deadline.line", number=texts.number(a), category=texts.category(tr, a.category),
             due=tr.date(a.due_on))
        for a in items
    ]  # fmt: skip
    return texts.clip("\n".join(lines), texts.MAX_MESSAGE)


async def check_deadlines(services: Services, bot: Bot, now: datetime | None = None) -> CheckResult:
    """Flag items due within two days to their staff; escalate overdue ones, each once."""
    now = now or utcnow()
    db = services.db
    today = local_today(services, now)
    soon: dict[int, list[Appeal]] = defaultdict(list)
    late: dict[int, list[Appeal]] = defaultdict(list)
    counts = {"due_soon": 0, "overdue": 0}
    due = await repo.unanswered_due_by(
        db, today + timedelta(days=DUE_SOON_DAYS), unflagged_on=today
    )
    for appeal in due:
        handler = await territory.get_village(db, appeal.handler_village_code)
        assert handler is not None
        kind = "overdue" if appeal.due_on < today else "due_soon"
        if not await repo.claim_notice(db, appeal.id, kind, appeal.due_on, now):
            continue
        counts[kind] += 1
        if kind == "overdue":
            await repo.add_event(db, appeal.id, "escalated", None, None, now)
            for staff_id in await notices.escalation_staff(services, handler):
                late[staff_id].append(appeal)
        else:
            district_level = appeal.level == "district"
            for staff_id in await notices.staff_covering(
                services, handler, district_level=district_level
            ):
                soon[staff_id].append(appeal)
    for key, batch in (("deadline.due_soon", soon), ("deadline.overdue", late)):
        for staff_id, items in batch.items():
            tr = await messaging.translator_of(services, staff_id)
            await messaging.send(bot, staff_id, _digest(tr, key, items), notices.inbox_button(tr))
    if counts["due_soon"] or counts["overdue"]:
        _LOGGER.info("Deadlines: %d due soon, %d overdue", counts["due_soon"], counts["overdue"])
    return CheckResult(due_soon=counts["due_soon"], overdue=counts["overdue"])


async def deadline_job(context: QatysuContext) -> None:
    """JobQueue callback of the daily check."""
    await check_deadlines(context.services, context.bot)
