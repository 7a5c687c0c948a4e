"""Updates received but not yet handled: stored before Telegram is told they arrived.

A row goes when its update's handling ends (:func:`finish`), or after a retention when it
never is. An update claimed and never finished (its process was killed mid-update) is taken up
again by the next active process: handled at least once, not lost.
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
    interrupted: bool = False  # claimed, its handling never finished: handle it again


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


MAX_ATTEMPTS = 2  # an update cut short this many times is given up (it may be what kills us)


@dataclass(frozen=True, slots=True)
class TakenUp:
    """What a process that becomes active finds stored: to handle (in update_id order), and the
    ids of updates cut short :data:`MAX_ATTEMPTS` times, given up."""

    to_handle: list[Received]
    given_up: list[int]


async def take_up(db: Database, at: datetime) -> TakenUp:
    """The stored updates never claimed, or claimed and never finished: each of the latter
    counted as one more attempt, or given up (finished, its row deleted) after the last."""
    async with db.transaction() as tx:
        rows = await tx.execute_fetchall(
            "SELECT i.update_id, i.body, p.attempts FROM received_updates i "
            "LEFT JOIN processed_updates p ON p.update_id = i.update_id "
            "WHERE p.finished_at IS NULL ORDER BY i.update_id"
        )
        given_up = [int(r[0]) for r in rows if r[2] is not None and int(r[2]) >= MAX_ATTEMPTS]
        again = [(int(r[0]),) for r in rows if r[2] is not None and int(r[2]) < MAX_ATTEMPTS]
        await tx.executemany(
            "UPDATE processed_updates SET attempts = attempts + 1 WHERE update_id = ?", again
        )
        await tx.executemany(
            "UPDATE processed_updates SET finished_at = ? WHERE update_id = ?",
            [(to_db_time(at), update_id) for update_id in given_up],
        )
        await tx.executemany(
            "DELETE FROM received_updates WHERE update_id = ?", [(i,) for i in given_up]
        )
    handle = [Received(int(r[0]), str(r[1]), r[2] is not None) for r in rows]
    return TakenUp([u for u in handle if u.update_id not in given_up], given_up)


async def forget(db: Database, update_id: int) -> None:
    """Drop one update's row: it was dropped on purpose (a flood), never to be handled."""
    await db.grouped(_forget, update_id)


async def _forget(conn: Statements, update_ids: list[int]) -> list[None]:
    await conn.executemany(
        "DELETE FROM received_updates WHERE update_id = ?", [(i,) for i in update_ids]
    )
    return [None] * len(update_ids)


async def finish(db: Database, update_id: int, at: datetime) -> None:
    """An update's handling ended (whatever its outcome): its claim is final, its row goes.

    Shares one transaction with the other writes of the moment (group commit).
    """
    await db.grouped(_finish, (update_id, to_db_time(at)))


async def _finish(conn: Statements, ends: list[tuple[int, str]]) -> list[None]:
    await conn.executemany(
        "UPDATE processed_updates SET finished_at = ? WHERE update_id = ? AND finished_at IS NULL",
        [(at, update_id) for update_id, at in ends],
    )
    await conn.executemany(
        "DELETE FROM received_updates WHERE update_id = ?", [(i,) for i, _ in ends]
    )
    return [None] * len(ends)


async def forget_before(db: Database, received_at: datetime) -> int:
    """Drop rows received before ``received_at`` (handled ones are gone already)."""
    return await db.execute_write(
        "DELETE FROM received_updates WHERE received_at < ?", (to_db_time(received_at),)
    )
