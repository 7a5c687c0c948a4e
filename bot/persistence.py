"""Conversation state kept in the bot's own SQLite database (no pickle files).

Only conversation states are persisted through PTB: user, chat and bot data are not used,
since everything else Qatysu keeps lives in its own tables (and so PTB is kept from noting
every chat and user id it sees: ``QatysuApplication._mark_for_persistence_update``).

Dialogs nobody touched for ``DIALOG_TIMEOUT_HOURS`` are forgotten: PTB's timer ends those it
watches; :func:`forget_abandoned` ends the rest (a restart loses PTB's timers) and their drafts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram.ext import BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.concurrency import ChatLanes
from storage import conversations, drafts
from storage.db import Database

if TYPE_CHECKING:
    from bot.context import QatysuApp

_LOGGER = logging.getLogger(__name__)

# The session handler also flushes after every update; this is the fallback interval.
UPDATE_INTERVAL_SECONDS = 5.0


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    """Stores ConversationHandler states in the ``conversations`` table."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL_SECONDS,
        )
        self.db = db

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load every stored state of one conversation."""
        await self.db.open()
        return await conversations.load_all(self.db, name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store or forget one conversation state."""
        await self.db.open()
        await conversations.save(self.db, name, key, new_state)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """User data is not persisted."""
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Chat data is not persisted."""
        return {}

    async def get_bot_data(self) -> Any:
        """Bot data is not persisted."""
        return None

    async def get_callback_data(self) -> CDCData | None:
        """Arbitrary callback data is not used."""
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """User data is not persisted."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not persisted."""

    async def update_bot_data(self, data: Any) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not persisted."""

    async def drop_user_data(self, user_id: int) -> None:
        """User data is not persisted."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """User data is not persisted."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not persisted."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Every write is committed as it happens; nothing to flush."""


async def forget_abandoned(app: QatysuApp, after: timedelta, now: datetime) -> int:
    """End the dialogs untouched for ``after`` that PTB's timer does not watch; return how many.

    Those are the ones a restart brought back from the database. Each is ended in memory and
    in the database; then the drafts untouched as long are forgotten, except those of people
    still in a dialog. A chat with an update in hand is left for the next sweep.
    """
    db = app.bot_data.services.db if app.bot_data.services is not None else None
    if db is None:
        return 0
    cutoff = now - after
    dialogs = {
        handler.name: handler
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler) and handler.name
    }
    lanes = app.update_processor if isinstance(app.update_processor, ChatLanes) else None
    ended = 0
    for name, key in await conversations.untouched_since(db, cutoff):
        dialog = dialogs.get(name)
        if dialog is not None:
            if key in dialog.timeout_jobs or (lanes is not None and lanes.busy(int(key[0]))):
                continue  # PTB's timer watches it, or the person is being answered right now
            dialog._update_state(ConversationHandler.END, key)  # PTB's own way to end one
        await conversations.save(db, name, key, None)
        ended += 1
    in_dialogs = {int(key[-1]) for dialog in dialogs.values() for key in dialog._conversations}
    dropped = await drafts.forget_untouched(db, cutoff, keep=in_dialogs)
    if ended or dropped:
        _LOGGER.info("Forgot %d abandoned dialogs and %d drafts", ended, dropped)
    return ended
