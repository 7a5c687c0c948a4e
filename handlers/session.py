"""Per-update work before and after the features: one effect per update, person, language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import QatysuApp, QatysuContext
from storage import people, updates
from storage.db import utcnow

BEFORE = -1
AFTER = 99


async def open_session(update: Update, context: QatysuContext) -> None:
    """Drop a repeated update; load the person and resolve their language."""
    services = context.services
    if not await updates.claim_update(services.db, update.update_id, utcnow()):
        raise ApplicationHandlerStop
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != chat.PRIVATE:
        # Residents and staff talk to the bot in private; groups only receive its posts.
        raise ApplicationHandlerStop
    context.person = await people.ensure_person(services.db, user.id, user.first_name)
    if context.person.blocked:
        await people.unblock(services.db, context.person.id)
    context.tr = services.i18n.for_person(context.person.language, user.language_code)
    query = update.callback_query
    if query is not None and not query.data:
        # PTB hands a tap without data to every button handler whatever its pattern: a forged
        # tap would reach the first feature's handler. Answer it here as a stale button.
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        raise ApplicationHandlerStop


async def close_session(update: Update, context: QatysuContext) -> None:
    """Write changed conversation states now, so a crash right after loses no dialog step."""
    await context.application.update_persistence()


def register(app: QatysuApp) -> None:
    """Wrap every update: the session opens first and closes last."""
    app.add_handler(TypeHandler(Update, open_session), group=BEFORE)
    app.add_handler(TypeHandler(Update, close_session), group=AFTER)
