"""The one error handler: log what went wrong (never the token), tell the person kindly."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.callbacks import CallbackDataError
from bot.context import QatysuApp, QatysuContext
from bot.logs import who
from storage import people

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: QatysuContext) -> None:
    """Log the exception with the update id and apologise to the person."""
    update_id = update.update_id if isinstance(update, Update) else None
    if update is None and isinstance(context.error, NetworkError):
        # Polling met trouble at Telegram; PTB tries again by itself.
        _LOGGER.warning("Telegram not reached while polling: %s", context.error)
        return
    forged = isinstance(context.error, CallbackDataError)
    if forged:  # a button's arguments did not parse: forged, or from another version
        _LOGGER.info("Refused callback data of update %s: %s", update_id, context.error)
    else:
        _LOGGER.error("Error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    if user is not None:
        # Error handlers get a fresh context: find the person's language again.
        try:
            person = await people.get_by_telegram_id(context.services.db, user.id)
        except (sqlite3.Error, ValueError):
            person = None  # the database itself may be what failed
        language = person.language if person else None
        context.tr = context.services.i18n.for_person(language, user.language_code)
    try:
        if update.callback_query is not None:
            key = "error.stale_button" if forged else "error.generic"
            await update.callback_query.answer(context.tr.t(key), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, context.tr.t("error.generic"))
    except TelegramError:
        _LOGGER.warning("Could not tell %s about the error", who(update.effective_chat.id))


def register(app: QatysuApp) -> None:
    """Register the error handler."""
    app.add_error_handler(on_error)
