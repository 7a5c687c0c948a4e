"""Drafts of dialogs in progress: saved at every step, so a restart loses nothing."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.db import Database, to_db_time, utcnow

Draft = dict[str, Any]


async def load(db: Database, telegram_id: int, dialog: str) -> Draft:
    """Return the person's draft of ``dialog`` (empty when there is none)."""
    row = await db.fetch_one(
        "SELECT data FROM drafts WHERE telegram_id = ? AND dialog = ?", (telegram_id, dialog)
    )
    return dict(json.loads(row["data"])) if row else {}


async def save(db: Database, telegram_id: int, dialog: str, draft: Draft) -> None:
    """Store the whole draft (JSON-serializable values only)."""
    await db.execute_write(
        "INSERT INTO drafts (telegram_id, dialog, data, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (telegram_id, dialog) DO UPDATE SET data = excluded.data, "
        "updated_at = excluded.updated_at",
        (telegram_id, dialog, json.dumps(draft, ensure_ascii=False), to_db_time(utcnow())),
    )


async def update(db: Database, telegram_id: int, dialog: str, **values: Any) -> Draft:
    """Merge ``values`` into the draft, store it, and return it."""
    draft = await load(db, telegram_id, dialog)
    draft.update(values)
    await save(db, telegram_id, dialog, draft)
    return draft


async def drop(db: Database, telegram_id: int, dialog: str) -> None:
    """Forget a draft (the dialog ended or was cancelled)."""
    await db.execute_write(
        "DELETE FROM drafts WHERE telegram_id = ? AND dialog = ?", (telegram_id, dialog)
    )


async def forget_untouched(db: Database, moment: datetime, keep: Collection[int] = ()) -> int:
    """Forget drafts last saved before ``moment``, except those of ``keep`` (Telegram ids)."""
    return await db.execute_write(
        "DELETE FROM drafts WHERE updated_at < ? "
        "AND telegram_id NOT IN (SELECT value FROM json_each(?))",
        (to_db_time(moment), json.dumps(sorted(keep))),
    )
