"""Update ids already handled, so that an update delivered twice has one effect."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, to_db_time


async def claim_update(db: Database, update_id: int, processed_at: datetime) -> bool:
    """Record an update id; False when it was handled before."""
    changed = await db.execute_write(
        "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?) "
        "ON CONFLICT DO NOTHING",
        (update_id, to_db_time(processed_at)),
    )
    return changed > 0


async def forget_updates_before(db: Database, processed_at: datetime) -> int:
    """Drop update ids older than Telegram keeps updates; return how many went."""
    return await db.execute_write(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db_time(processed_at),)
    )
