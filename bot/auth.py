"""Authorization: the one place that decides what a staff member or coordinator may do.

Every staff and coordinator handler is wrapped in :func:`requires`; every action on a village
(commands and button taps alike, since a client can forge callback data) goes through
:func:`authorize_village`. Both read the roles from storage on each update.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Update

from bot.context import QatysuContext, Services
from bot.logs import who
from storage import roles as roles_repo
from storage import territory
from storage.models import Role, RoleGrant, Scope, ScopeKind, Village

_LOGGER = logging.getLogger(__name__)
R = TypeVar("R")
Callback = Callable[[Update, QatysuContext], Coroutine[Any, Any, R]]


@dataclass(frozen=True, slots=True)
class Access:
    """The roles one Telegram user holds, with their scopes."""

    telegram_id: int
    grants: tuple[RoleGrant, ...]
    is_admin: bool

    def has(self, role: Role) -> bool:
        """Whether the user holds ``role`` anywhere (admins hold every role)."""
        return self.is_admin or any(grant.role is role for grant in self.grants)

    @property
    def roles(self) -> frozenset[Role]:
        """Every role held."""
        if self.is_admin:
            return frozenset(Role)
        return frozenset(grant.role for grant in self.grants)

    def scopes(self, role: Role) -> list[Scope]:
        """The scopes in which the user holds ``role``."""
        if self.is_admin:
            return [Scope(ScopeKind.ALL)]
        return [grant.scope for grant in self.grants if grant.role is role]

    def covers(self, role: Role, village: Village) -> bool:
        """Whether the user holds ``role`` for ``village``."""
        return any(scope.covers(village) for scope in self.scopes(role))


async def read_access(services: Services, telegram_id: int) -> Access:
    """Read a user's roles from storage; ``ADMIN_IDS`` are admins."""
    grants = tuple(await roles_repo.grants_of(services.db, telegram_id))
    is_admin = telegram_id in services.settings.admin_ids or any(
        grant.role is Role.ADMIN for grant in grants
    )
    return Access(telegram_id=telegram_id, grants=grants, is_admin=is_admin)


async def load_access(context: QatysuContext, telegram_id: int) -> Access:
    """Return the user's roles, read once per update."""
    cached = context._access
    if isinstance(cached, Access) and cached.telegram_id == telegram_id:
        return cached
    access = await read_access(context.services, telegram_id)
    context._access = access
    return access


async def refuse(update: Update, context: QatysuContext, key: str, reason: str) -> None:
    """Tell the person politely that they may not do this, and log the refusal."""
    user_id = update.effective_user.id if update.effective_user else None
    _LOGGER.warning("Refused %s: %s (update %s)", who(user_id), reason, update.update_id)
    text = context.tr.t(key)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


def requires(*roles: Role) -> Callable[[Callback[R]], Callback[R | None]]:
    """Run the wrapped handler only for holders of one of ``roles``; refuse everyone else."""

    def decorate(handler: Callback[R]) -> Callback[R | None]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: QatysuContext) -> R | None:
            user = update.effective_user
            if user is not None:
                access = await load_access(context, user.id)
                if any(access.has(role) for role in roles):
                    return await handler(update, context)
            reason = f"{handler.__name__} needs {'/'.join(roles)}"
            await refuse(update, context, f"auth.refused.{roles[0].value}", reason)
            return None

        return guarded

    return decorate


async def authorize_village(
    update: Update, context: QatysuContext, role: Role, village_code: str
) -> Village | None:
    """Return the village when the user holds ``role`` for it; refuse and return None if not."""
    user = update.effective_user
    village = await territory.get_village(context.services.db, village_code)
    access = await load_access(context, user.id) if user is not None else None
    if village is not None and access is not None and access.covers(role, village):
        return village
    await refuse(update, context, "auth.out_of_scope", f"{role} outside scope: {village_code!r}")
    return None


async def villages_in_scope(
    context: QatysuContext,
    telegram_id: int,
    roles: tuple[Role, ...],
    district_code: str | None = None,
) -> list[Village]:
    """Return the villages (of one district, or all) the user holds any of ``roles`` for."""
    access = await load_access(context, telegram_id)
    every = await territory.list_villages(context.services.db, district_code)
    return [v for v in every if any(access.covers(role, v) for role in roles)]
