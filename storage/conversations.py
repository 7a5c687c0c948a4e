"""Conversation states of ConversationHandlers, kept in SQLite."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database, Statements, to_db_time

ConversationKey = tuple[int | str, ...]
StoredState = tuple[str, str, str | None]  # conversation name, key, state as JSON (None: forget)


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


async def _write(conn: Statements, items: list[StoredState]) -> list[None]:
    """Write the last state given for each conversation of the group (None: forget it)."""
    last = {(name, key): state for name, key, state in items}
    gone = [name_key for name_key, state in last.items() if state is None]
    kept = [(*name_key, state) for name_key, state in last.items() if state is not None]
    if gone:
        await conn.executemany("DELETE FROM conversations WHERE name = ? AND key = ?", gone)
    if kept:
        await conn.executemany(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            kept,
        )
    return [None] * len(items)


async def save(db: Database, name: str, key: ConversationKey, state: Any) -> None:
    """Store a state, or forget the conversation when ``state`` is None.

    Committed with the other writes of the moment (group commit: concurrent updates' states
    and session claims share one transaction); returns once committed.
    """
    encoded = None if state is None else json.dumps(state)
    await db.grouped(_write, (name, encode_key(key), encoded))


async def untouched_since(db: Database, moment: datetime) -> list[tuple[str, ConversationKey]]:
    """Conversations (name, key) whose state last changed before ``moment``."""
    rows = await db.fetch_all(
        "SELECT name, key FROM conversations WHERE updated_at < ?", (to_db_time(moment),)
    )
    return [(row["name"], decode_key(row["key"])) for row in rows]
