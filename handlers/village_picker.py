"""Choosing villages for a broadcast, a hearing or a poll: only villages in the staff's scope.

The choice lives in the dialog's draft, so it survives a restart. Callback data:
``v1:<feature>:vt:<code>:<page>`` toggles a village, ``vall:<page>`` toggles all, ``vp:<page>``
turns the page, ``vok`` finishes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.auth import refuse, villages_in_scope
from bot.context import QatysuContext
from bot.i18n import button_label, sort_key
from handlers.keyboards import PAGE_SIZE, page_count
from storage import drafts
from storage.models import Role, Village

DRAFT_KEY = "villages"
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


def _markup(
    context: QatysuContext, feature: str, villages: list[Village], chosen: set[str], page: int
) -> InlineKeyboardMarkup:
    tr = context.tr
    page = min(max(page, 0), page_count(len(villages)) - 1)
    shown = villages[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [
            InlineKeyboardButton(
                button_label(("☑️ " if v.code in chosen else "⬜ ") + v.names.get(tr.language)),
                callback_data=callbacks.build(feature, "vt", v.code, page),
            )
        ]
        for v in shown
    ]
    arrows = []
    if page > 0:
        arrows.append(
            InlineKeyboardButton("‹", callback_data=callbacks.build(feature, "vp", page - 1))
        )
    if page < page_count(len(villages)) - 1:
        arrows.append(
            InlineKeyboardButton("›", callback_data=callbacks.build(feature, "vp", page + 1))
        )
    if arrows:
        rows.append(arrows)
    everything = len(chosen) == len(villages)
    rows.append(
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
    return InlineKeyboardMarkup(rows)


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
    allowed = {v.code for v in await in_scope(update, context)}
    draft = await drafts.load(db, user_id, dialog)
    chosen = set(draft.get(DRAFT_KEY, [])) & allowed
    page = 0
    if parsed.action == "vt":
        code, page = parsed.arg(0), parsed.int_arg(1)
        if code not in allowed:
            await refuse(update, context, "auth.out_of_scope", f"picker village {code!r}")
            return
        chosen ^= {code}
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
        """Toggle a village, all villages, or turn the page."""
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
        CallbackQueryHandler(tap, pattern=callbacks.matches(feature, "vt", "vall", "vp")),
        CallbackQueryHandler(finish, pattern=callbacks.matches(feature, "vok")),
    ]
