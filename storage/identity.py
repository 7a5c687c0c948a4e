"""The fingerprint of the identity secret this database's pseudonymous keys were made with."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, to_db_time


async def claim_fingerprint(db: Database, fingerprint: str, now: datetime) -> str:
    """Store ``fingerprint`` if the database has none yet; return the one it has."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO identity_check (id, fingerprint, created_at) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (fingerprint, to_db_time(now)),
        )
        cursor = await tx.execute("SELECT fingerprint FROM identity_check WHERE id = 1")
        row = await cursor.fetchone()
    assert row is not None
    return str(row[0])
