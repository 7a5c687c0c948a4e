"""Role grants and one-time invites."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.models import Invite, Role, RoleGrant, Scope, ScopeKind, Village


def _grant(row: sqlite3.Row) -> RoleGrant:
    return RoleGrant(
        id=row["id"],
        telegram_id=row["telegram_id"],
        role=Role(row["role"]),
        scope=Scope(ScopeKind(row["scope_kind"]), row["scope_code"]),
        granted_at=from_db_time(row["granted_at"]),
        granted_by=row["granted_by"],
    )


async def grant(db: Database, telegram_id: int, role: Role, scope: Scope, granted_by: str) -> bool:
    """Grant ``role`` within ``scope``; return False when it was already granted."""
    changed = await db.execute_write(
        "INSERT INTO role_grants (telegram_id, role, scope_kind, scope_code, granted_at, "
        "granted_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (telegram_id, role.value, scope.kind.value, scope.code, to_db_time(utcnow()), granted_by),
    )
    return changed > 0


async def revoke(db: Database, telegram_id: int, role: Role, scope: Scope | None) -> int:
    """Revoke ``role`` within ``scope`` (or in every scope); return how many grants went."""
    if scope is None:
        return await db.execute_write(
            "DELETE FROM role_grants WHERE telegram_id = ? AND role = ?",
            (telegram_id, role.value),
        )
    return await db.execute_write(
        "DELETE FROM role_grants WHERE telegram_id = ? AND role = ? AND scope_kind = ? "
        "AND scope_code = ?",
        (telegram_id, role.value, scope.kind.value, scope.code),
    )


async def grants_of(db: Database, telegram_id: int) -> list[RoleGrant]:
    """Return the grants held by one Telegram user."""
    rows = await db.fetch_all(
        "SELECT * FROM role_grants WHERE telegram_id = ? ORDER BY id", (telegram_id,)
    )
    return [_grant(row) for row in rows]


async def all_grants(db: Database) -> list[RoleGrant]:
    """Return every grant."""
    rows = await db.fetch_all("SELECT * FROM role_grants ORDER BY telegram_id, id")
    return [_grant(row) for row in rows]


def token_hash(token: str) -> str:
    """The SHA-256 of an invite token (hex): what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    db: Database, token: str, role: Role, scope: Scope, expires_at: datetime
) -> Invite:
    """Store a one-time invite under the hash of its token."""
    now = utcnow()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO invites (token_hash, role, scope_kind, scope_code, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash(token), role.value, scope.kind.value, scope.code, to_db_time(now),
             to_db_time(expires_at)),
        )  # fmt: skip
        invite_id = cursor.lastrowid
        await cursor.close()
    assert invite_id is not None
    return Invite(token=token, role=role, scope=scope, expires_at=expires_at, used_by=None,
                  id=invite_id, created_at=now)  # fmt: skip


async def redeem_invite(db: Database, token: str, telegram_id: int) -> Invite | None:
    """Use an unused, unrevoked, unexpired invite and grant its role; None when it cannot."""
    now = utcnow()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE invites SET used_by = ?, used_at = ? "
            "WHERE token_hash = ? AND used_by IS NULL AND revoked_at IS NULL AND expires_at > ? "
            "RETURNING *",
            (telegram_id, to_db_time(now), token_hash(token), to_db_time(now)),
        )
        row = await cursor.fetchone()
        await cursor.close()
        if row is None:
            return None
        invite = _invite(row)
        await tx.execute(
            "INSERT INTO role_grants (telegram_id, role, scope_kind, scope_code, granted_at, "
            "granted_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                telegram_id,
                invite.role.value,
                invite.scope.kind.value,
                invite.scope.code,
                to_db_time(now),
                f"invite:{invite.id}",
            ),
        )
    return invite


async def list_invites(db: Database) -> list[Invite]:
    """Every invite, oldest first (without tokens: only their hashes are stored)."""
    return [_invite(row) for row in await db.fetch_all("SELECT * FROM invites ORDER BY id")]


async def revoke_invite(db: Database, invite_id: int) -> bool:
    """Make an unused invite unusable; False when there is none by that id, or it was used."""
    changed = await db.execute_write(
        "UPDATE invites SET revoked_at = ? WHERE id = ? AND used_by IS NULL AND revoked_at IS NULL",
        (to_db_time(utcnow()), invite_id),
    )
    return changed > 0


def _invite(row: sqlite3.Row) -> Invite:
    def moment(name: str) -> datetime | None:
        return from_db_time(row[name]) if row[name] else None

    return Invite(
        token="",
        role=Role(row["role"]),
        scope=Scope(ScopeKind(row["scope_kind"]), row["scope_code"]),
        expires_at=from_db_time(row["expires_at"]),
        used_by=row["used_by"],
        id=row["id"],
        created_at=moment("created_at"),
        used_at=moment("used_at"),
        revoked_at=moment("revoked_at"),
    )


async def covering(
    db: Database, role: Role, village: Village, *, above_village: bool = False
) -> list[int]:
    """Telegram ids of the holders of ``role`` whose scope takes in ``village``, in id order.

    With ``above_village``, only scopes wider than the village's own akimat (district, region,
    all; not village or okrug: ``LOCAL_SCOPES``). The rule of
    :meth:`storage.models.Scope.covers`, in one query: a new scope kind goes in both.
    """
    rows = await db.fetch_all(
        "SELECT DISTINCT telegram_id FROM role_grants WHERE role = ? AND ("
        "scope_kind = 'all' OR (scope_kind = 'region' AND scope_code = ?) "
        "OR (scope_kind = 'district' AND scope_code = ?) "
        "OR (scope_kind = 'okrug' AND scope_code = ? AND NOT ?) "
        "OR (scope_kind = 'village' AND scope_code = ? AND NOT ?)) ORDER BY telegram_id",
        (role.value, village.region_code, village.district_code,
         village.okrug_code, above_village, village.code, above_village),
    )  # fmt: skip
    return [row["telegram_id"] for row in rows]


async def holding(db: Database, role: Role, scope: Scope) -> list[int]:
    """Telegram ids of the holders of ``role`` in exactly ``scope``, in id order."""
    rows = await db.fetch_all(
        "SELECT DISTINCT telegram_id FROM role_grants WHERE role = ? AND scope_kind = ? "
        "AND scope_code = ? ORDER BY telegram_id",
        (role.value, scope.kind.value, scope.code),
    )
    return [row["telegram_id"] for row in rows]
