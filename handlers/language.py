"""/language: choose the language of the bot's messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.callbacks import Feature
from bot.commands import refresh_person_commands
from bot.context import QatysuApp, QatysuContext
from handlers.menu import send_home
from handlers.widgets import keyboards
from storage import people

FEATURE = Feature.LANGUAGE


async def ask_language(update: Update, context: QatysuContext) -> None:
    """Show the three languages (/language or the menu)."""
    assert update.effective_message is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    await update.effective_message.reply_text(
        context.tr.t("language.choose"),
        reply_markup=keyboards.languages(FEATURE, "set", context.tr.language),
    )


async def set_language(update: Update, context: QatysuContext) -> None:
    """Store the chosen language and answer in it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    language = callbacks.parse(query.data).arg(0)
    services = context.services
    await people.set_language(services.db, update.effective_user.id, language)
    context.tr = services.i18n.get(language)
    await query.answer()
    await query.edit_message_text(context.tr.t("language.set"))
    await refresh_person_commands(context, update.effective_user.id)
    await send_home(update, context)  # the reply menu again, in the new language


def register(app: QatysuApp) -> None:
    """Register /language and its buttons."""
    app.add_handler(CommandHandler("language", ask_language))
    app.add_handler(
        CallbackQueryHandler(ask_language, pattern=callbacks.matches(Feature.MENU, "language"))
    )
    app.add_handler(CallbackQueryHandler(set_language, pattern=callbacks.matches(FEATURE, "set")))
