"""Conversation states of ConversationHandlers, kept in SQLite."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database, to_db_time, utcnow

ConversationKey = tuple[int | str, ...]


def encode_key(key: ConversationKey) -> str:
    """Encode a conversation key as ``chat,user`` text."""
    return ",".join(str(part) for part in key)


def decode_key(text: str) -> ConversationKey:
    """Decode text written by :func:`encode_key`."""
    return tuple(int(part) if part.lstrip("-").isdigit() else part for part in text.split(","))


async def load_all(db: Database, name: str) -> dict[ConversationKey, object]:
    """Return every stored state of the conversation ``name``."""
    rows = await db.fetch_all("SELECT key, state FROM conversations WHERE name = ?", (name,))
    return {decode_key(row["key"]): json.loads(row["state"]) for row in rows}


async def save(db: Database, name: str, key: ConversationKey, state: Any) -> None:
    """Store a state (and when it changed), or forget the conversation when ``state`` is None."""
    if state is None:
        await db.execute_write(
            "DELETE FROM conversations WHERE name = ? AND key = ?", (name, encode_key(key))
        )
        return
    await db.execute_write(
        # The same step stored again (a wrong answer at a step) is no change: its time stays.
        "INSERT INTO conversations (name, key, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at WHERE state IS NOT excluded.state",
        (name, encode_key(key), json.dumps(state), to_db_time(utcnow())),
    )


async def untouched_since(db: Database, moment: datetime) -> list[tuple[str, ConversationKey]]:
    """Conversations (name, key) whose state last changed before ``moment``."""
    rows = await db.fetch_all(
        "SELECT name, key FROM conversations WHERE updated_at < ?", (to_db_time(moment),)
    )
    return [(row["name"], decode_key(row["key"])) for row in rows]
