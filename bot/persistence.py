"""Conversation state kept in the bot's own SQLite database (no pickle files).

Only conversation states are persisted through PTB: user, chat and bot data are not used,
since everything else Qatysu keeps lives in its own tables.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage import conversations
from storage.db import Database

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
