"""Hearings on screen: the residents' buttons, and how each hearing broadcast reads."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.broadcast.engine import Outgoing, Renderer
from bot.hearings.service import CANCELLED, CHANGED, FEATURE, NEW, OUTCOME, REMINDER
from bot.hearings.texts import card, changed_text, deep_link, map_link
from bot.i18n import Translator
from bot.meetings import texts as meeting_texts
from storage import hearings, meetings
from storage.broadcasts import Broadcast
from storage.db import from_db_time
from storage.hearings import Hearing

if TYPE_CHECKING:
    from bot.context import Services


def buttons(
    tr: Translator, hearing: Hearing, bot_username: str | None, *, coming: bool = False
) -> InlineKeyboardMarkup:
    """I will come, calendar, question, share (and the map when there is a pin)."""
    hearing = hearing.read_in(tr.language)
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
        markup = buttons(tr, hearing, bot.username)
        payload = broadcast.payload
        if isinstance(payload.get("was"), str):  # a postponement, with its reason
            was, reason = from_db_time(payload["was"]), _reason(payload)
            first = bool(payload.get("first"))
            return Outgoing(meeting_texts.postponed(tr, hearing, was, reason, first=first), markup)
        return Outgoing(await changed_text(services, tr, hearing), markup)

    async def cancelled(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing, payload = await load(broadcast), broadcast.payload
        first = bool(payload.get("first"))
        return Outgoing(meeting_texts.cancelled(tr, hearing, _reason(payload), first=first))

    async def outcome(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        items = await meetings.items_of(services.db, hearing.id)
        return Outgoing(meeting_texts.outcome(tr, hearing, items))

    async def reminder(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        text = meeting_texts.reminder(tr, hearing)
        return Outgoing(text, buttons(tr, hearing, bot.username, coming=True))

    return {NEW: new, CHANGED: changed, CANCELLED: cancelled, OUTCOME: outcome, REMINDER: reminder}


def _reason(payload: dict[str, object]) -> str | None:
    reason = payload.get("reason")
    return reason if isinstance(reason, str) and reason else None
