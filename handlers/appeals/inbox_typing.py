"""Staff type an answer, a resolution comment, a rejection reason or an extension reason.

A persistent conversation with a draft: a restart in the middle keeps what was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.appeals import service as appeals
from bot.appeals import texts
from bot.appeals.service import STAFF_TEXT_MAX
from bot.auth import requires
from bot.context import QatysuApp, QatysuContext
from handlers.appeals.inbox import FEATURE, authorize_appeal, extension_refusal
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    message_of,
    query_of,
    tap,
    user_id,
)
from storage.appeals import ACTIVE
from storage.models import Role

TYPING = 0
DIALOG = "inbox"
END = ConversationHandler.END
ACTIONS = ("ans", "res", "rej", "extd")
STAFF_TEXT_MIN = 2


@dataclass(slots=True)
class TypingDraft(DialogDraft):
    """What the staff member types for: the item, the action, the days of an extension."""

    appeal_id: int = 0
    action: str = ""  # one of ACTIONS
    days: int = 0


DRAFTS = Drafts(DIALOG, TypingDraft)


@requires(Role.STAFF)
async def ask_text(update: Update, context: QatysuContext) -> int | None:
    """Ask for the text of an answer, comment or reason; remember which item it is for."""
    query = query_of(update)
    tr = context.tr
    parsed = callbacks.parse(query.data)
    appeal = await authorize_appeal(update, context, parsed.int_arg(0))
    if appeal is None:
        return None
    days = parsed.int_arg(1) if parsed.action == "extd" else 0
    if appeal.status not in ACTIVE:
        await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        return None
    if parsed.action == "extd" and days not in appeals.extension_options(context.services, appeal):
        await query.answer(extension_refusal(context, appeal), show_alert=True)
        return None
    await query.answer()
    await DRAFTS.save(update, context, TypingDraft(appeal.id, parsed.action, days))
    cancel = InlineKeyboardButton(
        tr.t("complaint.button_cancel"), callback_data=callbacks.build(FEATURE, "tcancel")
    )
    await query.edit_message_text(
        tr.t(f"inbox.type.{parsed.action}", number=texts.number(appeal)),
        reply_markup=InlineKeyboardMarkup([[cancel]]),
    )
    return TYPING


@requires(Role.STAFF)
async def got_text(update: Update, context: QatysuContext) -> int | None:
    """Check the scope again, then answer, resolve, reject or extend; the resident is told."""
    message = message_of(update)
    tr = context.tr
    problem = appeals.text_problem(message.text, STAFF_TEXT_MAX, STAFF_TEXT_MIN)
    if problem is not None:
        length = len((message.text or "").strip())
        await message.reply_text(
            tr.t(problem, min=STAFF_TEXT_MIN, max=STAFF_TEXT_MAX, length=length)
        )
        return TYPING
    draft = await DRAFTS.load(update, context)
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        await DRAFTS.drop(update, context)
        return END
    text = (message.text or "").strip()
    services, bot, actor = context.services, context.bot, user_id(update)
    action = draft.action
    if action == "ans":
        changed = await appeals.answer(services, bot, appeal, actor, text)
    elif action == "res":
        changed = await appeals.resolve(services, bot, appeal, actor, text)
    elif action == "rej":
        changed = await appeals.reject(services, bot, appeal, actor, text)
    else:
        changed = await appeals.extend(services, bot, appeal, actor, draft.days, text)
    await DRAFTS.drop(update, context)
    if changed is None:
        await message.reply_text(tr.t("inbox.changed_meanwhile"))
        return END
    open_again = InlineKeyboardButton(
        tr.t("inbox.open"), callback_data=callbacks.build(FEATURE, "open", changed.id)
    )
    await message.reply_text(
        tr.t(f"inbox.done.{action}", number=texts.number(changed), due=tr.date(changed.due_on)),
        reply_markup=InlineKeyboardMarkup([[open_again]]),
    )
    return END


async def text_expected(update: Update, context: QatysuContext) -> int:
    """Ask for text when something else was sent."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("inbox.type_text"))
    return TYPING


def register(app: QatysuApp) -> None:
    """Register the staff's typing dialog (persistent: it survives a restart)."""
    cancel = cancel_step(DIALOG)
    dialog = Dialog(
        "inbox",
        entry_points=[tap(FEATURE, ask_text, *ACTIONS)],
        states={
            TYPING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, got_text),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, text_expected),
            ]
        },
        draft=DIALOG,
        context_keys=("appeal_id", "action", "days"),  # which item and action: the button's
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "tcancel")],
    )
    app.add_handler(dialog)
