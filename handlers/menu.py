"""The main menu and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access
from bot.callbacks import Feature
from bot.commands import commands_for
from bot.context import QatysuApp, QatysuContext
from handlers.widgets import keyboards
from storage.models import Role


async def send_home(
    update: Update,
    context: QatysuContext,
    text: str | None = None,
    *,
    resident: bool | None = None,
) -> None:
    """Send ``text`` (or the menu title) with the reply menu under the input field, to a
    resident with a village (``resident``: whether they have one now, when this update just
    bound it); anyone else gets the main menu."""
    assert update.effective_user is not None and update.effective_chat is not None
    person = context.person
    if resident is None:
        resident = person is not None and person.village_code is not None
    if not resident:
        await send_menu(update, context, text)
        return
    access = await load_access(context, update.effective_user.id)
    await context.bot.send_message(
        update.effective_chat.id,
        text or context.tr.t("menu.title"),
        reply_markup=keyboards.reply_menu(context.tr, access.roles),
    )


async def send_menu(update: Update, context: QatysuContext, text: str | None = None) -> None:
    """Send ``text`` (or the menu title) with the main menu for this person's roles."""
    assert update.effective_user is not None and update.effective_chat is not None
    access = await load_access(context, update.effective_user.id)
    person = context.person
    resident = person is not None and person.village_code is not None
    await context.bot.send_message(
        update.effective_chat.id,
        text or context.tr.t("menu.title"),
        reply_markup=keyboards.main_menu(context.tr, access.roles, resident),
    )


def help_text(context: QatysuContext, roles: frozenset[Role]) -> str:
    """List the commands of a resident, then those each of ``roles`` adds."""
    tr = context.tr
    lines = [tr.t("help.intro")]
    resident = {spec.name for spec in commands_for(frozenset())}
    lines += [f"/{spec.name} — {tr.t(spec.description_key)}" for spec in commands_for(frozenset())]
    for role in Role:
        extra = [spec for spec in commands_for(frozenset({role})) if spec.name not in resident]
        if role in roles and extra:
            lines += ["", tr.t(f"help.{role.value}")]
            lines += [f"/{spec.name} — {tr.t(spec.description_key)}" for spec in extra]
    return "\n".join(lines)


async def show_help(update: Update, context: QatysuContext) -> None:
    """List what this person may do (/help or the menu)."""
    assert update.effective_user is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    access = await load_access(context, update.effective_user.id)
    await send_menu(update, context, help_text(context, access.roles))


async def show_menu(update: Update, context: QatysuContext) -> None:
    """Show the main menu (/menu)."""
    await send_menu(update, context)


def register(app: QatysuApp) -> None:
    """Register /help and its menu button."""
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CommandHandler("menu", show_menu))
    app.add_handler(
        CallbackQueryHandler(show_help, pattern=callbacks.matches(Feature.MENU, "help"))
    )
