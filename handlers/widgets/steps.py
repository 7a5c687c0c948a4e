"""Back, Keep and Edit for the staff's wizards (a hearing, a poll, a notice).

Every step after the first has **« Back** (``v1:<feature>:back``; a typed «артқа» / «назад»
does the same), which asks the previous step again with everything entered kept; a step whose
field is already filled shows it ("Now: …") with **⏭ Keep as is** (``keep``), so going back
several steps costs no retyping. The preview has an **✏️** button per field (``ed:<field>``):
that field alone is asked, then the preview comes back with the other fields as they were; Back
while editing returns to the preview unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import MessageHandler, filters

from bot import callbacks
from bot.context import QatysuContext
from bot.i18n import Translator
from bot.typed import Word
from handlers.widgets.answers import Words
from handlers.widgets.dialogs import Callback, Drafts, Step, query_of, tap
from handlers.widgets.keyboards import button

BACK, KEEP, EDIT = "back", "keep", "ed"
SHOWN_MAX = 300  # characters of a field's current value shown above its question


def nav_rows(
    tr: Translator, feature: str, *, back: bool = True, keep: bool = False
) -> list[list[InlineKeyboardButton]]:
    """The rows under a step's question: Keep as is (when filled), Back (after the first)."""
    rows = []
    if keep:
        rows.append([button(tr.t("wizard.keep"), feature, KEEP)])
    if back:
        rows.append([button(tr.t("button.back"), feature, BACK)])
    return rows


def with_nav(
    tr: Translator,
    feature: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    back: bool = True,
    keep: bool = False,
) -> InlineKeyboardMarkup | None:
    """A step's own buttons (if any) followed by Keep and Back."""
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    rows += nav_rows(tr, feature, back=back, keep=keep)
    return InlineKeyboardMarkup(rows) if rows else None


def current(tr: Translator, value: str | None) -> str:
    """ "Now: …" under a question whose field is filled (empty when it is not)."""
    if not value:
        return ""
    shown = value if len(value) <= SHOWN_MAX else value[: SHOWN_MAX - 1] + "…"
    return "\n\n" + tr.t("wizard.current", value=shown)


def edit_rows(
    tr: Translator, feature: str, fields: Sequence[str]
) -> list[list[InlineKeyboardButton]]:
    """The preview's ✏️ buttons, two a row: ``wizard.edit.<field>`` → ``ed:<field>``."""
    buttons = [button(tr.t(f"wizard.edit.{field}"), feature, EDIT, field) for field in fields]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def tapped(step: Callback) -> Callback:
    """A Back or Keep tap: answered and its buttons taken away, then ``step``."""

    async def answered(update: Update, context: QatysuContext) -> object:
        query = update.callback_query
        if query is not None:
            await query.answer()
            await query.edit_message_reply_markup(None)
        return await step(update, context)

    return answered


def nav(feature: str, *, back: Callback | None = None, keep: Callback | None = None) -> list[Step]:
    """A state's handlers for Back (tapped or typed) and Keep; put them before its text step."""
    steps: list[Step] = []
    if back is not None:
        steps.append(tap(feature, tapped(back), BACK))
        typed = filters.TEXT & ~filters.COMMAND & Words(Word.BACK)
        steps.append(cast(Step, MessageHandler(typed, back)))
    if keep is not None:
        steps.append(tap(feature, tapped(keep), KEEP))
    return steps


def edit_field(drafts: Drafts[Any], edits: Mapping[str, Callback], preview_state: int) -> Callback:
    """✏️ at the preview (``ed:<field>``): ask that field alone; the preview follows."""

    async def edit(update: Update, context: QatysuContext) -> int:
        query = query_of(update)
        field = callbacks.parse(query.data).arg(0)
        if field not in edits:
            await query.answer(context.tr.t("error.stale_button"), show_alert=True)
            return preview_state
        await query.answer()
        await query.edit_message_reply_markup(None)
        await drafts.keep(update, context, editing=field)
        return int(await edits[field](update, context))

    return edit


def back_or_preview(drafts: Drafts[Any], preview: Callback, prompt: Callback) -> Callback:
    """« Back (tapped or typed): ``prompt``, the step before; while a field is being edited,
    the preview again, unchanged."""

    async def back(update: Update, context: QatysuContext) -> int:
        if (await drafts.load(update, context)).editing is not None:
            await drafts.keep(update, context, editing=None)
            return int(await preview(update, context))
        return int(await prompt(update, context))

    return back
