"""Choosing villages for a broadcast, a hearing or a poll: only villages in the staff's scope.

A rural okrug with several villages in the area has a row of its own, before its villages, that
takes or leaves the whole okrug in one tap. The choice lives in the dialog's draft, so it
survives a restart. Callback data: ``v1:<feature>:vt:<code>:<page>`` toggles a village,
``vo:<okrug>:<page>`` a whole okrug, ``vall:<page>`` all, ``vp:<page>`` turns the page, ``vok``
finishes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.auth import refuse, villages_in_scope
from bot.context import QatysuContext
from bot.i18n import BUTTON_WIDTH, Translator, button_label, sort_key
from bot.territory import okrugs_of
from handlers.widgets.keyboards import PAGE_SIZE, button, page_count
from storage import drafts
from storage.models import Role, Village

DRAFT_KEY = "villages"
CHOSEN, NOT_CHOSEN = "☑️ ", "⬜ "
Done = Callable[[Update, QatysuContext, list[Village]], Awaitable[object]]


async def in_scope(update: Update, context: QatysuContext) -> list[Village]:
    """The villages this staff member may address, in reading order."""
    assert update.effective_user is not None
    villages = await villages_in_scope(context, update.effective_user.id, (Role.STAFF,))
    return sorted(villages, key=lambda v: sort_key(v.names.get(context.tr.language)))


async def chosen_in_scope(update: Update, context: QatysuContext, dialog: str) -> tuple[str, ...]:
    """The villages chosen in the dialog's draft that are still in scope (re-checked at the end,
    since a role can be revoked while a dialog is open)."""
    assert update.effective_user is not None
    draft = await drafts.load(context.services.db, update.effective_user.id, dialog)
    allowed = {v.code for v in await in_scope(update, context)}
    return tuple(code for code in draft.get(DRAFT_KEY, []) if code in allowed)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the picker: a village, or a whole rural okrug (its villages in the area)."""

    name: str
    code: str
    villages: frozenset[str]
    okrug: bool = False


def _village_row(tr: Translator, village: Village) -> Row:
    return Row(village.names.get(tr.language), village.code, frozenset([village.code]))


def rows_of(tr: Translator, villages: list[Village]) -> list[Row]:
    """Villages and okrugs by name, each okrug of several villages followed by its villages
    (``villages`` in reading order)."""
    okrugs = okrugs_of(villages)
    tops: list[tuple[Row, list[Village]]] = [
        (_village_row(tr, v), []) for v in villages if v.okrug_code not in okrugs
    ]
    for code, group in okrugs.items():
        names = group[0].okrug_names
        name = names.get(tr.language) if names is not None else code
        tops.append((Row(name, code, frozenset(v.code for v in group), okrug=True), group))
    tops.sort(key=lambda top: sort_key(top[0].name))
    return [row for top, group in tops for row in (top, *(_village_row(tr, v) for v in group))]


def row_label(tr: Translator, row: Row) -> str:
    """A village's name, or "🏘 <okrug>, all 4 villages" (a long okrug name cut with «…»).

    The name is what gets cut, so that "all 4 villages" always shows.
    """
    if not row.okrug:
        return row.name
    villages = tr.nt("picker.count", len(row.villages))
    room = BUTTON_WIDTH - len(CHOSEN) - len(tr.t("picker.okrug", okrug="", villages=villages))
    return tr.t("picker.okrug", okrug=button_label(row.name, max(room, 8)), villages=villages)


def _label(tr: Translator, row: Row, chosen: set[str]) -> str:
    return (CHOSEN if row.villages <= chosen else NOT_CHOSEN) + row_label(tr, row)


def _markup(
    context: QatysuContext, feature: str, villages: list[Village], chosen: set[str], page: int
) -> InlineKeyboardMarkup:
    tr = context.tr
    rows = rows_of(tr, villages)
    page = min(max(page, 0), page_count(len(rows)) - 1)
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    keyboard = [
        [
            InlineKeyboardButton(
                _label(tr, row, chosen),
                callback_data=callbacks.build(feature, "vo" if row.okrug else "vt", row.code, page),
            )
        ]
        for row in shown
    ]
    arrows = []
    if page > 0:
        arrows.append(
            InlineKeyboardButton("‹", callback_data=callbacks.build(feature, "vp", page - 1))
        )
    if page < page_count(len(rows)) - 1:
        arrows.append(
            InlineKeyboardButton("›", callback_data=callbacks.build(feature, "vp", page + 1))
        )
    if arrows:
        keyboard.append(arrows)
    everything = len(chosen) == len(villages)
    keyboard.append(
        [
            InlineKeyboardButton(
                tr.t("picker.none" if everything else "picker.all"),
                callback_data=callbacks.build(feature, "vall", page),
            ),
            InlineKeyboardButton(
                tr.t("picker.done"), callback_data=callbacks.build(feature, "vok")
            ),
        ]
    )
    # « Back to the wizard's previous step (handlers.widgets.steps).
    keyboard.append([button(tr.t("button.back"), feature, "back")])
    return InlineKeyboardMarkup(keyboard)


async def show(
    update: Update,
    context: QatysuContext,
    feature: str,
    dialog: str,
    page: int = 0,
    *,
    edit: bool = False,
) -> None:
    """Show (or refresh) the picker with the draft's current choice."""
    assert update.effective_user is not None and update.effective_chat is not None
    villages = await in_scope(update, context)
    draft = await drafts.load(context.services.db, update.effective_user.id, dialog)
    chosen = set(draft.get(DRAFT_KEY, []))
    text = context.tr.t("picker.title", count=context.tr.nt("picker.count", len(chosen)))
    markup = _markup(context, feature, villages, chosen, page)
    if edit and update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def _tap(update: Update, context: QatysuContext, feature: str, dialog: str) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    parsed = callbacks.parse(query.data)
    db = context.services.db
    user_id = update.effective_user.id
    villages = await in_scope(update, context)
    allowed = {v.code for v in villages}
    draft = await drafts.load(db, user_id, dialog)
    chosen = set(draft.get(DRAFT_KEY, [])) & allowed
    page = 0
    if parsed.action in ("vt", "vo"):
        code, page = parsed.arg(0), parsed.int_arg(1)
        okrug = parsed.action == "vo"
        group = {v.code for v in villages if (v.okrug_code if okrug else v.code) == code}
        if not group:
            await refuse(update, context, "auth.out_of_scope", f"picker {parsed.action} {code!r}")
            return
        chosen = chosen - group if group <= chosen else chosen | group
    elif parsed.action == "vall":
        page = parsed.int_arg(0)
        chosen = set() if chosen == allowed else set(allowed)
    else:
        page = parsed.int_arg(0)
    await drafts.update(db, user_id, dialog, **{DRAFT_KEY: sorted(chosen)})
    await query.answer()
    await show(update, context, feature, dialog, page, edit=True)


def handlers(
    feature: str, dialog: str, done: Done
) -> list[BaseHandler[Update, QatysuContext, object]]:
    """Handlers for the picker's buttons, to put in a conversation state."""

    async def tap(update: Update, context: QatysuContext) -> None:
        """Toggle a village, a whole okrug, all villages, or turn the page."""
        await _tap(update, context, feature, dialog)

    async def finish(update: Update, context: QatysuContext) -> object:
        """Hand the chosen villages (still in scope) to the dialog, or ask for one."""
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        draft = await drafts.load(context.services.db, update.effective_user.id, dialog)
        chosen = set(draft.get(DRAFT_KEY, []))
        villages = [v for v in await in_scope(update, context) if v.code in chosen]
        if not villages:
            await query.answer(context.tr.t("picker.choose_one"), show_alert=True)
            return None
        await query.answer()
        await query.edit_message_reply_markup(None)
        return await done(update, context, villages)

    return [
        CallbackQueryHandler(tap, pattern=callbacks.matches(feature, "vt", "vo", "vall", "vp")),
        CallbackQueryHandler(finish, pattern=callbacks.matches(feature, "vok")),
    ]
