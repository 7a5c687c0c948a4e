"""Updates received: every one is stored before Telegram is told it arrived, so none is lost.

python-telegram-bot confirms a batch of updates to Telegram with the next ``getUpdates``
(its offset) as soon as it has fetched it, and a webhook's 200 confirms the update posted: a
process killed after that and before handling them would lose them, Telegram delivering them
no more. So :class:`KeepingBot` stores each batch it fetches (one transaction) before handing it
to the Updater, the webhook stores an update before answering 200 (bot/webhook.py), and a
process that becomes active (at start; on PostgreSQL when it takes the lead) first queues the
updates stored and not handled, in update_id order, through the normal path (the chat lanes
keep each chat's order).

An update is claimed (processed_updates) when its handling starts, and finished when it ends
(:func:`finisher`: the claim is marked, the stored row goes). A repeated update (Telegram's
redelivery, the store and Telegram both) finds the claim and is not handled again. An update
claimed and never finished was in hand when its process died: its effects may or may not have
been committed, so it is handled again (``Services.retrying``): a ballot is one per person and
poll, a complaint filed again is refused as a repeat. At least once for the handful in flight
at a crash, exactly once otherwise; one cut short twice is given up (it may be the crash's
cause: a process must not restart into it for ever).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ExtBot

from bot.context import QatysuApp
from storage import received
from storage.db import Database, utcnow

_LOGGER = logging.getLogger(__name__)


class KeepingBot(ExtBot[dict[str, Any]]):
    """PTB's bot, whose ``get_updates`` stores what it fetched before returning it."""

    def __init__(self, *args: Any, db: Database, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._received_db = db  # PTB freezes a bot's attributes but those with a leading _

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Fetch a batch; store it (the next call's offset will confirm it to Telegram)."""
        updates = await super().get_updates(*args, **kwargs)
        batch = [
            received.Received(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False))
            for u in updates
        ]
        await self.keep(batch)
        return updates

    async def keep(self, batch: Sequence[received.Received]) -> None:
        """Store updates; a failure is a network error to PTB, which fetches them again."""
        try:
            await received.keep(self._received_db, batch, utcnow())
        except Exception as error:  # not confirmed to Telegram: it delivers them again
            raise NetworkError(f"could not store the updates received: {error}") from error


async def requeue(app: QatysuApp) -> int:
    """Queue the updates stored and not handled (before any new one); return how many."""
    services = app.bot_data.services
    assert services is not None
    found = await received.take_up(services.db, utcnow())
    stored = found.to_handle
    services.retrying.update(u.update_id for u in stored if u.interrupted)
    for update in stored:
        await app.update_queue.put(Update.de_json(json.loads(update.body), app.bot))
    if stored:
        interrupted = sum(1 for u in stored if u.interrupted)
        _LOGGER.info(
            "Received before and never handled: %d updates, queued (%d interrupted mid-way)",
            len(stored),
            interrupted,
        )
    for update_id in found.given_up:
        _LOGGER.warning(
            "Update %d was cut short %d times: given up", update_id, received.MAX_ATTEMPTS
        )
    return len(stored)


def finisher(db: Database) -> Callable[[object], Awaitable[None]]:
    """What the chat lanes call after each update's handling (bot/concurrency.py)."""

    async def finished(update: object) -> None:
        if not isinstance(update, Update):
            return
        try:
            await received.finish(db, update.update_id, utcnow())
        except Exception as error:  # the database gone: handled again at the next start
            _LOGGER.warning("Could not record the end of update %d: %r", update.update_id, error)

    return finished


async def dropped(db: Database, update_id: int) -> None:
    """An update dropped on purpose (a flood) is not to be handled at the next start either."""
    await received.forget(db, update_id)
