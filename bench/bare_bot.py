"""A bare python-telegram-bot bot making the same Bot API calls as Qatysu, storing nothing.

Started by ``bench/serve.py`` as ``python bench/bare_bot.py`` with ``BOT_TOKEN`` and
``BOT_API_BASE_URL`` pointing at the simulator, next to ``python -m bot run``. It answers:

- a vote tap (``v1:poll:v:…``) or a budget ballot's Vote (``v1:bdg:c:…``):
  ``answerCallbackQuery``, then ``editMessageText``;
- the five steps of a complaint: ``/complaint`` → a reply with category buttons; a category
  → answer and edit; the text → a reply with Next; Next → answer and edit (the summary);
  Send → answer, a notice to the staff member, edit ("registered");
- ``/mydata``: one reply.

It paces nothing (PTB's ``AIORateLimiter`` would hold edits and answers to taps at 30 a
second too), so ``bench/serve.py`` runs it against a simulator without Telegram's flood limits:
its complaint and mixed figures are what Telegram would not allow (30 messages a second).
Updates are handled with Qatysu's update processor (each chat in order, 32 chats at once), so
the ratio in the benchmark compares the bots, not the processors (``CONCURRENT_UPDATES``
sets its limit, as for Qatysu). It talks HTTP through PTB's default transport (httpx), or with
``BARE_TRANSPORT=aiohttp`` through Qatysu's (``bot/transport.py``), sized as Qatysu sizes it:
then the ratio compares the bots on the same transport too.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.concurrency import ChatLanes
from bot.transport import AiohttpRequest

STAFF_ID = int(os.environ.get("BARE_STAFF_ID", "5001"))
CATEGORY, TEXT, ATTACH, SUMMARY = range(4)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


CATEGORIES = _keyboard(
    ("🛣 Дороги", "v1:cmp:cat:roads"), ("💧 Вода", "v1:cmp:cat:water"),
    ("💡 Свет", "v1:cmp:cat:light"), ("✖ Отмена", "v1:cmp:cancel"),
)  # fmt: skip
NEXT = _keyboard(("▶ Далее", "v1:cmp:next"), ("✖ Отмена", "v1:cmp:cancel"))
SUMMARY_KEYS = _keyboard(("✅ Отправить", "v1:cmp:send"), ("✖ Отмена", "v1:cmp:cancel"))


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count nothing; answer the tap and show the vote."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer("✅ Ваш голос учтён.")
    text = getattr(query.message, "text", "") or ""
    await query.edit_message_text(f"{text}\n\n✅ Ваш голос: {query.data}", reply_markup=None)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask for the category."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Выберите категорию:", reply_markup=CATEGORIES)
    return CATEGORY


async def category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask for the text."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text("Опишите проблему одним сообщением.")
    return TEXT


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask for attachments."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Фото, голос, место — или Далее.", reply_markup=NEXT)
    return ATTACH


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Show the summary."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text("Проверьте и отправьте.", reply_markup=SUMMARY_KEYS)
    return SUMMARY


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Tell the staff member, then the resident."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(STAFF_ID, "Новая жалоба", reply_markup=NEXT)
    await query.edit_message_text("✅ Ваша жалоба зарегистрирована под номером 1.")
    return ConversationHandler.END


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with what is stored (nothing)."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Ваши данные: имя, язык, село.")


def build() -> Application:  # type: ignore[type-arg]
    """The bare bot, pointed at ``BOT_API_BASE_URL``."""
    builder = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .concurrent_updates(ChatLanes(int(os.environ.get("CONCURRENT_UPDATES", "32"))))
    )
    if os.environ.get("BARE_TRANSPORT") == "aiohttp":
        builder = builder.request(AiohttpRequest(connection_pool_size=256)).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    app = builder.build()
    app.add_handler(CallbackQueryHandler(vote, pattern=r"^v1:(poll:v|bdg:c):"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # per_message=False is intended, as in Qatysu
        dialog = ConversationHandler(
            entry_points=[CommandHandler("complaint", start)],
            states={
                CATEGORY: [CallbackQueryHandler(category, pattern=r"^v1:cmp:cat:")],
                TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text)],
                ATTACH: [CallbackQueryHandler(summary, pattern=r"^v1:cmp:next$")],
                SUMMARY: [CallbackQueryHandler(send, pattern=r"^v1:cmp:send$")],
            },
            fallbacks=[],
        )
    app.add_handler(dialog)
    app.add_handler(CommandHandler("mydata", my_data))
    return app


def main() -> None:
    """Poll, or serve a webhook when ``WEBHOOK_URL`` is set (as ``python -m bot run`` does)."""
    logging.basicConfig(level=logging.WARNING)
    app = build()
    url = os.environ.get("WEBHOOK_URL")
    if not url:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
        return
    app.run_webhook(
        listen=os.environ.get("WEBHOOK_LISTEN", "127.0.0.1"),
        port=int(os.environ["WEBHOOK_PORT"]),
        url_path=urlsplit(url).path.lstrip("/"),
        webhook_url=url,
        secret_token=os.environ.get("WEBHOOK_SECRET"),
        allowed_updates=ALLOWED_UPDATES,
    )


if __name__ == "__main__":
    main()
