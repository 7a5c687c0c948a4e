"""Conversation state kept in the bot's own SQLite database (no pickle files).

Only conversation states are persisted through PTB: user, chat and bot data are not used,
since everything else Qatysu keeps lives in its own tables (and so PTB is kept from noting
every chat and user id it sees: ``QatysuApplication._mark_for_persistence_update``).

Dialogs nobody touched for ``DIALOG_TIMEOUT_HOURS`` are forgotten by :func:`forget_abandoned`,
a periodic sweep. PTB's own ``conversation_timeout`` is not used: it schedules and cancels an
APScheduler job on every dialog step (about 0.3 ms of CPU each here), keeps each open dialog's
last update and context for the whole timeout, and its jobs are lost on a restart anyway.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    BasePersistence,
    ConversationHandler,
    PersistenceInput,
)
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.concurrency import ChatLanes
from bot.context import QatysuContext
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
        # What the database holds (loaded at start, then written through here): each dialog
        # in progress, as PTB holds it too, and forgotten with it.
        self._stored: dict[tuple[str, ConversationKey], object] = {}

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load every stored state of one conversation."""
        await self.db.open()
        found = await conversations.load_all(self.db, name)
        self._stored.update(((name, key), state) for key, state in found.items())
        return found

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store or forget one conversation state, unless it is stored so already.

        PTB hands over every state a step returned, also the one the dialog was at (a photo
        added, a text refused): that one is on disk already and costs no write.
        """
        if self._stored.get((name, key)) == new_state:  # None: nothing stored, nothing to forget
            return
        await self.db.open()
        await conversations.save(self.db, name, key, new_state)
        if new_state is None:
            self._stored.pop((name, key), None)
        else:
            self._stored[(name, key)] = new_state

    async def forget(self, name: str, key: ConversationKey) -> None:
        """Forget a conversation's stored state, whatever this persistence knew of it."""
        await conversations.save(self.db, name, key, None)
        self._stored.pop((name, key), None)

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


class TimedConversation(ConversationHandler[QatysuContext]):
    """A ConversationHandler that notes when each of its conversations was last touched.

    One float per open conversation, dropped when it ends; :func:`forget_abandoned` reads it.
    """

    __slots__ = ("touched",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touched: dict[ConversationKey, float] = {}  # epoch seconds of the last step

    def touch(self, key: ConversationKey) -> None:
        """Note that the person acted in this conversation now."""
        self.touched[key] = time.time()

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Application[Any, QatysuContext, Any, Any, Any, Any],
        check_result: tuple[
            object, ConversationKey, BaseHandler[Update, QatysuContext, Any], object
        ],
        context: QatysuContext,
    ) -> object | None:
        """Note the step, then handle it as PTB does."""
        self.touch(check_result[1])
        return await super().handle_update(update, application, check_result, context)

    def _update_state(
        self,
        new_state: object,
        key: ConversationKey,
        handler: BaseHandler[Update, QatysuContext, Any] | None = None,
    ) -> None:
        """Change the state as PTB does; forget the time of a conversation that ended."""
        super()._update_state(new_state, key, handler)
        if key not in self._conversations:
            self.touched.pop(key, None)


async def forget_abandoned(
    app: QatysuApp, after: timedelta, now: datetime, *, retention: timedelta | None = None
) -> int:
    """End the dialogs nobody touched for ``after``, and old drafts; return how many ended.

    Untouched: no step since ``now - after`` as the running bot saw it, or, for those it has
    not seen since it started (a restart brought them back), as the database dates them. Each
    is ended in memory and in the database; then drafts as old are forgotten, except those of
    people still in a dialog. A chat with an update in hand is left for the next sweep.
    ``retention`` (DRAFT_RETENTION_DAYS) bounds both: no draft older is kept, whoever's.
    """
    services = app.bot_data.services
    if services is None:
        return 0
    if retention is not None:
        after = min(after, retention)
    db, cutoff = services.db, now - after
    dialogs = {
        handler.name: handler
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, TimedConversation) and handler.name
    }
    lanes = app.update_processor if isinstance(app.update_processor, ChatLanes) else None
    found = [
        (name, key)
        for name, dialog in dialogs.items()
        for key, seen in dialog.touched.items()
        if seen < cutoff.timestamp()
    ]
    found += await conversations.untouched_since(db, cutoff)
    ended = 0
    for name, key in dict.fromkeys(found):
        dialog = dialogs.get(name)
        if dialog is not None and dialog.touched.get(key, 0.0) >= cutoff.timestamp():
            continue  # a step lately, as the running bot saw (the database dates changes only)
        if lanes is not None and lanes.busy(int(key[0])):
            continue  # the person is being answered right now
        if dialog is not None:
            dialog._update_state(ConversationHandler.END, key)  # PTB's own way to end one
        if isinstance(app.persistence, SqlitePersistence):  # it knows what is stored
            await app.persistence.forget(name, key)
        else:
            await conversations.save(db, name, key, None)
        ended += 1
    in_dialogs = {int(key[-1]) for dialog in dialogs.values() for key in dialog._conversations}
    dropped = await drafts.forget_untouched(db, cutoff, keep=in_dialogs)
    if retention is not None:
        dropped += await drafts.forget_untouched(db, now - retention)
    if ended or dropped:
        _LOGGER.info("Forgot %d abandoned dialogs and %d drafts", ended, dropped)
    return ended


async def forget_person(app: QatysuApp, telegram_id: int) -> int:
    """End every dialog of one person, in memory and in the database (/deletedata).

    Without this a dialog open in memory would be written back at the next flush.
    """
    ended = 0
    for group in app.handlers.values():
        for dialog in group:
            if not isinstance(dialog, TimedConversation) or not dialog.name:
                continue
            for key in [k for k in dialog._conversations if telegram_id in k]:
                dialog._update_state(ConversationHandler.END, key)
                if isinstance(app.persistence, SqlitePersistence):
                    await app.persistence.forget(dialog.name, key)
                ended += 1
    return ended
