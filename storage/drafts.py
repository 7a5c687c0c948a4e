"""Drafts of dialogs in progress: saved at every step, so a restart loses nothing."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.db import Database, Statements, to_db_time, utcnow

Draft = dict[str, Any]
DraftWrite = tuple[int, str, str | None, str]  # telegram id, dialog, JSON (None: drop), when


async def load(db: Database, telegram_id: int, dialog: str) -> Draft:
    """Return the person's draft of ``dialog`` (empty when there is none)."""
    row = await db.fetch_one(
        "SELECT data FROM drafts WHERE telegram_id = ? AND dialog = ?", (telegram_id, dialog)
    )
    return dict(json.loads(row["data"])) if row else {}


async def _write(conn: Statements, items: list[DraftWrite]) -> list[None]:
    """Write the last draft given for each person and dialog of the group (None: drop it)."""
    last = {(telegram_id, dialog): (data, at) for telegram_id, dialog, data, at in items}
    gone = [key for key, (data, _) in last.items() if data is None]
    kept = [(*key, data, at) for key, (data, at) in last.items() if data is not None]
    if gone:
        await conn.executemany("DELETE FROM drafts WHERE telegram_id = ? AND dialog = ?", gone)
    if kept:
        await conn.executemany(
            "INSERT INTO drafts (telegram_id, dialog, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (telegram_id, dialog) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            kept,
        )
    return [None] * len(items)


async def save(db: Database, telegram_id: int, dialog: str, draft: Draft) -> None:
    """Store the whole draft (JSON-serializable values only).

    Committed with the other writes of the moment (group commit); returns once committed.
    """
    data = json.dumps(draft, ensure_ascii=False)  # here: a bad value fails this call alone
    write: DraftWrite = (telegram_id, dialog, data, to_db_time(utcnow()))
    await db.grouped(_write, write)


async def update(db: Database, telegram_id: int, dialog: str, **values: Any) -> Draft:
    """Merge ``values`` into the draft, store it, and return it."""
    draft = await load(db, telegram_id, dialog)
    draft.update(values)
    await save(db, telegram_id, dialog, draft)
    return draft


async def drop(db: Database, telegram_id: int, dialog: str) -> None:
    """Forget a draft (the dialog ended or was cancelled), with the other writes of the moment."""
    write: DraftWrite = (telegram_id, dialog, None, "")
    await db.grouped(_write, write)


async def forget_untouched(db: Database, moment: datetime, keep: Collection[int] = ()) -> int:
    """Forget drafts last saved before ``moment``, except those of ``keep`` (Telegram ids)."""
    return await db.execute_write(
        "DELETE FROM drafts WHERE updated_at < ? "
        "AND telegram_id NOT IN (SELECT value FROM json_each(?))",
        (to_db_time(moment), json.dumps(sorted(keep))),
    )
