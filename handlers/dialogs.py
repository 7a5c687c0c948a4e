"""Small helpers for building ConversationHandler states."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.context import QatysuContext

Step = BaseHandler[Update, QatysuContext, object]


def tap(
    feature: str,
    callback: Callable[[Update, QatysuContext], Coroutine[Any, Any, Any]],
    *actions: str,
) -> Step:
    """A button handler for ``v1:<feature>:<action>`` taps, typed for any conversation state."""
    return cast(Step, CallbackQueryHandler(callback, pattern=callbacks.matches(feature, *actions)))
