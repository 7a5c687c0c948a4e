"""Reaching one person: their translator, and one ``send`` with one retry policy.

The pacer (:mod:`bot.pacing`) already waits out a 429 and passing network trouble and tries
again within bounds, so :func:`send` never retries on its own: what still fails is logged and
reported as ``False``, and the caller records or forgets it. A person who blocked the bot,
never wrote to it, or whose chat is gone is not an error. Messages to many people go through
the broadcast engine instead; staff notices through their outbox (:mod:`bot.staff_notices`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.i18n import Translator
from bot.logs import who
from storage import people

if TYPE_CHECKING:
    from bot.context import Services

_LOGGER = logging.getLogger(__name__)


async def translator_of(services: Services, telegram_id: int) -> Translator:
    """The translator of a person: chosen language, else their Telegram app's, else default."""
    return services.i18n.of(await people.get_by_telegram_id(services.db, telegram_id))


async def send(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    thread_id: int | None = None,
) -> bool:
    """Send one message; whether it went (a chat that is gone, or trouble the pacer could not
    wait out, is logged and not retried)."""
    try:
        await bot.send_message(chat_id, text, reply_markup=markup, message_thread_id=thread_id)
    except (Forbidden, BadRequest) as error:
        _LOGGER.info("Could not tell %s: %s", who(chat_id), error.message)
        return False
    except (RetryAfter, NetworkError) as error:
        _LOGGER.warning("Message to %s not sent after retries: %s", who(chat_id), error.message)
        return False
    return True
