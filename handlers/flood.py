"""A per-person flood guard, before everything else (group -2).

More than ``FLOOD_UPDATES`` updates from one person within ``FLOOD_WINDOW_SECONDS`` (a sliding
window, in memory) are dropped before they touch the database; the person is told once per
window, in their Telegram app's language, to slow down. A person pressing buttons at human
speed never comes near it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import received
from bot.context import QatysuApp, QatysuContext
from bot.logs import who

_LOGGER = logging.getLogger(__name__)
GROUP = -2
_PRUNE_AT = 10_000  # people tracked before the quiet ones are forgotten


@dataclass(slots=True)
class _Window:
    """One person's recent updates, and when they were last told to slow down."""

    seen: deque[float] = field(default_factory=deque)
    warned_at: float = float("-inf")


class FloodGuard:
    """Counts each person's updates in a sliding window (``clock``: seconds, monotonic)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._people: dict[int, _Window] = {}

    def check(self, user_id: int, now: float) -> str:
        """'pass', 'warn' (drop, and say so) or 'drop' (drop silently) one update."""
        person = self._people.setdefault(user_id, _Window())
        seen = person.seen
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        if len(self._people) > _PRUNE_AT:
            self._forget_quiet(now)
        if len(seen) <= self.limit:
            return "pass"
        if now - person.warned_at >= self.window:
            person.warned_at = now
            return "warn"
        return "drop"

    def _forget_quiet(self, now: float) -> None:
        self._people = {
            uid: w for uid, w in self._people.items() if w.seen and w.seen[-1] > now - self.window
        }

    async def guard(self, update: Update, context: QatysuContext) -> None:
        """The handler of group -2, counting with this guard."""
        await _guard(self, update, context)


async def _guard(flood: FloodGuard, update: Update, context: QatysuContext) -> None:
    """Let the update through, or drop it (telling the person once per window)."""
    user = update.effective_user
    if user is None:
        return
    verdict = flood.check(user.id, flood.clock())
    if verdict == "pass":
        return
    if verdict == "warn":
        _LOGGER.warning("Flood from %s: dropping updates for a while", who(user.id))
        tr = context.services.i18n.for_person(None, user.language_code)
        text = tr.t("flood.slow_down")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError as error:
            _LOGGER.info("Could not tell %s to slow down: %s", who(user.id), error)
    await received.dropped(context.services.db, update.update_id)  # not at the next start
    raise ApplicationHandlerStop


def guard_of(app: QatysuApp) -> FloodGuard | None:
    """The application's flood guard, if it has one (tests move its clock)."""
    for handler in app.handlers.get(GROUP, []):
        owner = getattr(handler.callback, "__self__", None)
        if isinstance(owner, FloodGuard):
            return owner
    return None


def register(app: QatysuApp) -> None:
    """Guard every update before the session opens (the limit comes from the settings)."""
    services = app.bot_data.services
    assert services is not None
    settings = services.settings
    if settings.flood_updates > 0:
        flood = FloodGuard(settings.flood_updates, settings.flood_window_seconds)
        app.add_handler(TypeHandler(Update, flood.guard), group=GROUP)
