"""Public hearings: how they read, who is told, reminders before they begin."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.appeals.notices import translator_of
from bot.auth import Access
from bot.broadcast.engine import Outgoing, Renderer
from bot.i18n import Translator
from storage import hearings, territory
from storage.broadcasts import Broadcast
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Role, Village

if TYPE_CHECKING:
    from bot.context import QatysuContext, Services

_LOGGER = logging.getLogger(__name__)
FEATURE = "hr"
NEW, CHANGED, CANCELLED, OUTCOME, REMINDER = (
    "hearing.new", "hearing.changed", "hearing.cancelled", "hearing.outcome", "hearing.reminder",
)  # fmt: skip
TOPIC_MAX, PLACE_MAX, AGENDA_MAX, DECISIONS_MAX = 200, 200, 1500, 3000


def deep_link(bot_username: str | None, hearing_id: int) -> str:
    """The link that opens a hearing in the bot (for sharing)."""
    return f"https://t.me/{bot_username}?start=h_{hearing_id}"


def map_link(hearing: Hearing) -> str:
    """A map of the place, when staff dropped a pin."""
    lat, lon = hearing.latitude, hearing.longitude
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    )


async def village_names(services: Services, tr: Translator, codes: Sequence[str]) -> str:
    """The villages of a hearing, named in the reader's language."""
    names = []
    for code in codes:
        village = await territory.get_village(services.db, code)
        names.append(village.names.get(tr.language) if village else code)
    return ", ".join(names)


async def card(services: Services, tr: Translator, hearing: Hearing) -> str:
    """The hearing as residents read it."""
    return tr.t(
        "hearing.card",
        topic=hearing.topic,
        when=tr.datetime(hearing.starts_at),
        place=hearing.place,
        villages=await village_names(services, tr, hearing.village_codes),
        agenda=hearing.agenda,
    )


def cancelled_text(tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing is cancelled."""
    return tr.t("hearing.cancelled", topic=hearing.topic, when=tr.datetime(hearing.starts_at))


def outcome_text(tr: Translator, hearing: Hearing) -> str:
    """The notice of what a hearing decided."""
    return tr.t(
        "hearing.outcome",
        topic=hearing.topic,
        when=tr.date(hearing.starts_at),
        attendance=tr.number(hearing.attendance or 0),
        decisions=hearing.decisions or "",
    )


async def changed_text(services: Services, tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing's time or place changed, with the new card."""
    return tr.t("hearing.changed") + "\n\n" + await card(services, tr, hearing)


def buttons(
    tr: Translator, hearing: Hearing, bot_username: str | None, *, coming: bool = False
) -> InlineKeyboardMarkup:
    """I will come, calendar, question, share (and the map when there is a pin)."""
    come = tr.t("hearing.btn.coming" if coming else "hearing.btn.come")
    rows = [
        [
            InlineKeyboardButton(come, callback_data=callbacks.build(FEATURE, "go", hearing.id)),
            InlineKeyboardButton(
                tr.t("hearing.btn.calendar"),
                callback_data=callbacks.build(FEATURE, "ics", hearing.id),
            ),
        ],
        [
            InlineKeyboardButton(
                tr.t("hearing.btn.ask"), callback_data=callbacks.build(FEATURE, "ask", hearing.id)
            )
        ],
    ]
    if bot_username:
        link = deep_link(bot_username, hearing.id)
        share = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(hearing.topic)}"
        rows[1].append(InlineKeyboardButton(tr.t("hearing.btn.share"), url=share))
    if hearing.has_pin:
        rows.append([InlineKeyboardButton(tr.t("hearing.btn.map"), url=map_link(hearing))])
    return InlineKeyboardMarkup(rows)


def renderers(bot: Bot, services: Services) -> dict[str, Renderer]:
    """How each kind of hearing broadcast reads, in each resident's language."""

    async def load(broadcast: Broadcast) -> Hearing:
        assert broadcast.ref_id is not None
        hearing = await hearings.get(services.db, broadcast.ref_id)
        if hearing is None:
            raise LookupError(f"hearing {broadcast.ref_id} is gone")
        return hearing

    async def new(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        return Outgoing(await card(services, tr, hearing), buttons(tr, hearing, bot.username))

    async def changed(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        text = await changed_text(services, tr, hearing)
        return Outgoing(text, buttons(tr, hearing, bot.username))

    async def cancelled(broadcast: Broadcast, tr: Translator) -> Outgoing:
        return Outgoing(cancelled_text(tr, await load(broadcast)))

    async def outcome(broadcast: Broadcast, tr: Translator) -> Outgoing:
        return Outgoing(outcome_text(tr, await load(broadcast)))

    async def reminder(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        text = tr.t(
            "hearing.reminder",
            topic=hearing.topic,
            when=tr.datetime(hearing.starts_at),
            place=hearing.place,
        )
        return Outgoing(text, buttons(tr, hearing, bot.username, coming=True))

    return {NEW: new, CHANGED: changed, CANCELLED: cancelled, OUTCOME: outcome, REMINDER: reminder}


def may_manage(access: Access, villages: Sequence[Village]) -> bool:
    """Staff manage a hearing when every one of its villages is in their scope."""
    return bool(villages) and all(access.covers(Role.STAFF, village) for village in villages)


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
                report_title=tr.t("hearing.reminder_report", topic=hearing.topic),
            )  # fmt: skip
            sent += 1
    return sent


async def reminder_job(context: QatysuContext) -> None:
    """JobQueue callback, every minute: the reminders that are due (catches up after downtime)."""
    await send_due_reminders(context.services)
