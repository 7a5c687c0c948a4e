"""What no feature handled: stale or forged buttons, stray text, unknown commands."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import QatysuApp, QatysuContext
from bot.logs import who
from handlers.menu import send_menu

_LOGGER = logging.getLogger(__name__)


async def stale_button(update: Update, context: QatysuContext) -> None:
    """Answer a button that no handler accepts: old, from another version, or forged."""
    query = update.callback_query
    assert query is not None
    _LOGGER.info(
        "Unhandled callback data %r from %s", (query.data or "")[:80], who(query.from_user.id)
    )
    await query.answer(context.tr.t("error.stale_button"), show_alert=True)


async def unknown_message(update: Update, context: QatysuContext) -> None:
    """Answer text, stickers or media outside a dialog with the main menu."""
    await send_menu(update, context, context.tr.t("error.unknown_text"))


async def nothing_to_cancel(update: Update, context: QatysuContext) -> None:
    """Answer /cancel outside any dialog."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("cancel.nothing"))


def register(app: QatysuApp) -> None:
    """Register the catch-alls; they must come after every feature."""
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.Command(False) & filters.Regex(r"^/cancel"),
            nothing_to_cancel,
        )
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, unknown_message)
    )
