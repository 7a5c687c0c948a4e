"""Per-update work before and after the features: one effect per update, person, language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import QatysuApp, QatysuContext
from bot.i18n import app_language
from storage import people, sessions
from storage.db import utcnow

BEFORE = -1
AFTER = 99


async def open_session(update: Update, context: QatysuContext) -> None:
    """Drop a repeated update; load the person and resolve their language.

    Claiming the update and loading the person share one transaction with the updates handled
    at the same moment (group commit), so concurrent updates cost one commit together.
    """
    services = context.services
    user = update.effective_user
    chat = update.effective_chat
    # Residents and staff talk to the bot in private; groups only receive its posts.
    served = user is not None and not user.is_bot and chat is not None and chat.type == chat.PRIVATE
    arrival = sessions.Arrival(
        update_id=update.update_id,
        at=utcnow(),
        telegram_id=user.id if served and user is not None else None,
        first_name=user.first_name if served and user is not None else None,
        language=app_language(user.language_code) if served and user is not None else None,
        person_key=services.identity.person_key(user.id) if served and user is not None else None,
        retry=update.update_id in services.retrying,
    )
    services.retrying.discard(update.update_id)
    session = await sessions.open_session(services.db, arrival)
    if not session.claimed or session.person is None:
        raise ApplicationHandlerStop
    assert user is not None
    context.person = session.person
    context.tr = services.i18n.for_person(session.person.language, user.language_code)
    if context.person.blocked:
        await people.unblock(services.db, context.person.id)
    query = update.callback_query
    if query is not None and not query.data:
        # PTB hands a tap without data to every button handler whatever its pattern: a forged
        # tap would reach the first feature's handler. Answer it here as a stale button.
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        raise ApplicationHandlerStop


async def close_session(update: Update, context: QatysuContext) -> None:
    """Write changed conversation states now, so a crash right after loses no dialog step."""
    # Updates of other chats flush at the same time: PTB runs one flush after another (a lock),
    # each writing every state changed until then. So once this returns, this update's state
    # is stored, by this flush or by the one before it; a chat's next update waits for it.
    await context.application.update_persistence()


def register(app: QatysuApp) -> None:
    """Wrap every update: the session opens first and closes last."""
    app.add_handler(TypeHandler(Update, open_session), group=BEFORE)
    app.add_handler(TypeHandler(Update, close_session), group=AFTER)
