"""One-time invitation links that grant a role when opened in Telegram."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.settings import Settings
from storage import roles as roles_repo
from storage.db import Database, utcnow
from storage.models import Invite, Role, Scope

INVITE_PREFIX = "i_"


def deep_link(bot_username: str | None, payload: str) -> str:
    """Return the t.me link that opens the bot with ``/start <payload>``."""
    if bot_username:
        return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"
    return f"/start {payload}"


async def create(db: Database, settings: Settings, role: Role, scope: Scope) -> Invite:
    """Store a new invite valid for ``INVITE_VALID_DAYS``."""
    token = secrets.token_urlsafe(18)
    expires_at = utcnow() + timedelta(days=settings.invite_valid_days)
    return await roles_repo.create_invite(db, token, role, scope, expires_at)


async def all_invites(db: Database) -> list[Invite]:
    """Every invite, oldest first."""
    return await roles_repo.list_invites(db)


async def revoke(db: Database, invite_id: int) -> bool:
    """Make an unused invite unusable; False when there is no such unused invite."""
    return await roles_repo.revoke_invite(db, invite_id)


def state(invite: Invite, now: datetime) -> str:
    """In one word: used, revoked, expired or open."""
    if invite.used_by is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    return "expired" if invite.expires_at <= now else "open"


async def redeem(db: Database, payload_token: str, telegram_id: int) -> Invite | None:
    """Grant the invite's role to ``telegram_id`` once; None when used, expired or unknown."""
    if not payload_token or len(payload_token) > 60:
        return None
    return await roles_repo.redeem_invite(db, payload_token, telegram_id)
