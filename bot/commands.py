"""Which commands each role sees, in each language; published to Telegram's command menus."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden

from bot.auth import load_access, read_access
from bot.context import QatysuContext, Services
from bot.i18n import I18n, Translator
from bot.logs import who
from bot.settings import LANGUAGES
from storage import people
from storage import roles as roles_repo
from storage.models import Role

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command, its description key, and the role it is for (None: everyone)."""

    name: str
    role: Role | None = None

    @property
    def description_key(self) -> str:
        """Locale key of the description shown in Telegram's menu and in /help."""
        return f"cmd.{self.name}"


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start"),
    CommandSpec("menu"),
    CommandSpec("language"),
    CommandSpec("village"),
    CommandSpec("mydata"),
    CommandSpec("deletedata"),
    CommandSpec("help"),
    CommandSpec("cancel"),
    CommandSpec("complaint"),
    CommandSpec("suggestion"),
    CommandSpec("my"),
    CommandSpec("meetings"),  # also /hearings, as before
    CommandSpec("newmeeting", Role.STAFF),  # also /newhearing: a public hearing at once
    CommandSpec("polls"),
    CommandSpec("broadcast", Role.STAFF),
    CommandSpec("residents", Role.STAFF),
    CommandSpec("inbox", Role.STAFF),
    CommandSpec("newpoll", Role.STAFF),
    CommandSpec("verify", Role.STAFF),
    CommandSpec("notices", Role.STAFF),
    CommandSpec("budget"),
    CommandSpec("newbudget", Role.STAFF),
    CommandSpec("behalf", Role.STAFF),  # for a resident without Telegram
    CommandSpec("residents", Role.COORDINATOR),
    CommandSpec("summary", Role.COORDINATOR),
    CommandSpec("notices", Role.COORDINATOR),
)


def commands_for(roles: frozenset[Role]) -> list[CommandSpec]:
    """Commands a person with ``roles`` may use, each once: the roles' own first (staff at
    work look for theirs), then a resident's."""
    ordered = [spec for spec in COMMANDS if spec.role is not None and spec.role in roles]
    ordered += [spec for spec in COMMANDS if spec.role is None]
    chosen: list[CommandSpec] = []
    names: set[str] = set()
    for spec in ordered:
        if spec.name not in names:
            chosen.append(spec)
            names.add(spec.name)
    return chosen


def bot_commands(tr: Translator, roles: frozenset[Role]) -> list[BotCommand]:
    """Telegram command menu entries in ``tr``'s language."""
    return [BotCommand(spec.name, tr.t(spec.description_key)) for spec in commands_for(roles)]


async def publish_defaults(bot: Bot, i18n: I18n) -> None:
    """Set the residents' command menu for every language, and the fallback one."""
    await bot.set_my_commands(bot_commands(i18n.get(None), frozenset()), BotCommandScopeDefault())
    for language in LANGUAGES:
        await bot.set_my_commands(
            bot_commands(i18n.get(language), frozenset()),
            BotCommandScopeDefault(),
            language_code=language,
        )


async def publish_for_chat(bot: Bot, tr: Translator, chat_id: int, roles: frozenset[Role]) -> None:
    """Set one person's command menu: their language, their roles."""
    try:
        await bot.set_my_commands(bot_commands(tr, roles), BotCommandScopeChat(chat_id))
    except (BadRequest, Forbidden) as error:
        # Someone granted a role before ever writing to the bot has no chat yet.
        _LOGGER.info("Command menu for %s not set: %s", who(chat_id), error.message)


async def refresh_person_commands(context: QatysuContext, telegram_id: int) -> None:
    """Re-publish one person's menu after their language or roles changed."""
    access = await load_access(context, telegram_id)
    await publish_for_chat(context.bot, context.tr, telegram_id, access.roles)


async def publish_all(bot: Bot, services: Services) -> None:
    """At start: the residents' menus, then each role holder's own."""
    await publish_defaults(bot, services.i18n)
    holders = {grant.telegram_id for grant in await roles_repo.all_grants(services.db)}
    for telegram_id in sorted(holders | set(services.settings.admin_ids)):
        person = await people.get_by_telegram_id(services.db, telegram_id)
        if person is None:
            # Never wrote to the bot: Telegram refuses a menu for a chat it has not seen. The
            # menu is published when their language or roles change, and at the next start.
            continue
        tr = services.i18n.of(person)
        access = await read_access(services, telegram_id)
        await publish_for_chat(bot, tr, telegram_id, access.roles)
