"""What the budget's handlers share: reading a tap, naming a cycle's place, staff's scope."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks
from bot.auth import load_access, refuse
from bot.budget import service, texts
from bot.callbacks import Callback, CallbackDataError
from bot.context import QatysuContext
from storage import budget as repo
from storage import territory
from storage.budget import Cycle, Project
from storage.models import Role

RESIDENT, STAFF = callbacks.Feature.BUDGET, callbacks.Feature.BUDGET_STAFF


def tapped(update: Update) -> Callback | None:
    """The parsed data of the tapped button (None: not this bot's)."""
    query = update.callback_query
    try:
        return callbacks.parse(query.data if query is not None else None)
    except CallbackDataError:
        return None


def int_arg(update: Update, index: int) -> int | None:
    """Argument ``index`` of the tap as a number, if it is one."""
    parsed = tapped(update)
    try:
        return parsed.int_arg(index) if parsed is not None else None
    except CallbackDataError:
        return None


async def cycle_of_tap(update: Update, context: QatysuContext, index: int = 0) -> Cycle | None:
    """The cycle a tap names; a stale or forged one is answered politely."""
    cycle_id = int_arg(update, index)
    cycle = await repo.get(context.services.db, cycle_id) if cycle_id is not None else None
    if cycle is None:
        await refuse(update, context, "error.stale_button", f"no budget cycle {cycle_id}")
    return cycle


async def project_of_tap(update: Update, context: QatysuContext, index: int = 0) -> Project | None:
    """The project a tap names; a stale or forged one is answered politely."""
    project_id = int_arg(update, index)
    project = (
        await repo.project(context.services.db, project_id) if project_id is not None else None
    )
    if project is None:
        await refuse(update, context, "error.stale_button", f"no budget project {project_id}")
    return project


async def where(context: QatysuContext, cycle: Cycle) -> str:
    """The cycle's village or okrug, named in the reader's language."""
    names = await service.place_names(context.services, cycle)
    return texts.place(names, context.tr, cycle.scope_code)


async def village_names(context: QatysuContext, codes: tuple[str, ...]) -> dict[str, str]:
    """Villages by code, named in the reader's language."""
    found = {}
    for code in codes:
        village = await territory.get_village(context.services.db, code)
        found[code] = village.names.get(context.tr.language) if village else code
    return found


async def manages(update: Update, context: QatysuContext, cycle: Cycle) -> bool:
    """Whether the staff member covers every village of the cycle; refused if not."""
    assert update.effective_user is not None
    access = await load_access(context, update.effective_user.id)
    for code in cycle.village_codes:
        village = await territory.get_village(context.services.db, code)
        if village is None or not access.covers(Role.STAFF, village):
            await refuse(update, context, "auth.out_of_scope", f"budget cycle {cycle.id}")
            return False
    return True


async def send(
    update: Update, context: QatysuContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send a message to the chat of the update."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def answer(update: Update) -> None:
    """Answer the tap (if the update is one)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
