"""Updates received but not yet handled: stored before Telegram is told they arrived.

A row goes when its update is claimed (storage/sessions.py deletes it in the claim's
transaction), or after a retention when it never is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Statements, to_db_time


@dataclass(frozen=True, slots=True)
class Received:
    """One update as Telegram sent it: its id and its JSON."""

    update_id: int
    body: str


async def _keep(conn: Statements, batches: list[tuple[Sequence[Received], str]]) -> list[None]:
    rows = [(u.update_id, u.body, at) for batch, at in batches for u in batch]
    await conn.executemany(
        "INSERT INTO received_updates (update_id, body, received_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    return [None] * len(batches)


async def keep(db: Database, updates: Sequence[Received], at: datetime) -> None:
    """Store a batch of updates (one transaction, shared with other writes of the moment)."""
    if updates:
        await db.grouped(_keep, (updates, to_db_time(at)))


async def unhandled(db: Database) -> list[Received]:
    """The stored updates never claimed, in update_id order."""
    rows = await db.fetch_all(
        "SELECT update_id, body FROM received_updates i WHERE NOT EXISTS "
        "(SELECT 1 FROM processed_updates p WHERE p.update_id = i.update_id) "
        "ORDER BY update_id"
    )
    return [Received(int(row[0]), str(row[1])) for row in rows]


async def forget(db: Database, update_id: int) -> None:
    """Drop one update's row: it was dropped on purpose (a flood), never to be handled."""
    await db.grouped(_forget, update_id)


async def _forget(conn: Statements, update_ids: list[int]) -> list[None]:
    await conn.executemany(
        "DELETE FROM received_updates WHERE update_id = ?", [(i,) for i in update_ids]
    )
    return [None] * len(update_ids)


async def forget_before(db: Database, received_at: datetime) -> int:
    """Drop rows received before ``received_at`` (claimed ones are gone already)."""
    return await db.execute_write(
        "DELETE FROM received_updates WHERE received_at < ?", (to_db_time(received_at),)
    )
