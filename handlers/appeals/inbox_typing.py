"""Staff type an answer, a resolution comment, a rejection reason or an extension reason.

A persistent conversation with a draft: a restart in the middle keeps what was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks, typed
from bot.appeals import handoff, texts
from bot.appeals import service as appeals
from bot.appeals.service import STAFF_TEXT_MAX
from bot.auth import requires
from bot.behalf import texts as behalf_texts
from bot.context import QatysuApp, QatysuContext
from handlers.appeals import inbox_handoff
from handlers.appeals.inbox import FEATURE, authorize_appeal, extension_refusal
from handlers.widgets import versions
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import behalf as behalf_repo
from storage.appeals import ACTIVE
from storage.models import Role
from storage.versions import Versions

TYPING = 0
OTHER_VERSION, SECOND = 21, 22  # the resident's language's version (stored states: apart)
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
    first: str | None = None  # the text typed, while its version in the reader's language is asked


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
    prompt = tr.t(f"inbox.type.{parsed.action}", number=texts.number(appeal))
    reads = tr.t(f"inbox.reads.{texts.reader_language(appeal)}")
    entry = await behalf_repo.entry_of(context.services.db, appeal.id)
    if entry is not None and entry.to_pass_on:  # nothing goes by Telegram: staff pass it on
        prompt = tr.t("inbox.type.pass_on", number=texts.number(appeal))
        reads = tr.t("inbox.reads.pass_on")
    rows = [[cancel]]
    if parsed.action == "rej" and await handoff.bodies_for(context.services, appeal):
        # Not the akimat's matter: pick the body whose it is (the resident gets its contacts).
        rows.insert(0, [button(tr.t("inbox.reject_to_body"), FEATURE, "hbl", appeal.id, "r", 0)])
    await query.edit_message_text(
        prompt + "\n" + reads,
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return TYPING


async def to_bodies(update: Update, context: QatysuContext) -> int:
    """🏢 on the rejection's prompt: leave the typing for the list of the district's bodies."""
    await DRAFTS.drop(update, context)
    await inbox_handoff.list_bodies(update, context)
    return END


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
    reader = texts.reader_language(appeal)
    written = typed.clearly_written_in(text)
    if reader in ("kk", "ru") and written in ("kk", "ru") and written != reader:
        draft.first = text  # the resident reads the other language: offer its version
        await DRAFTS.save(update, context, draft)
        markup = versions.add_or_send(context, FEATURE, reader)
        await message.reply_text(tr.t(f"inbox.other_version.{reader}"), reply_markup=markup)
        return OTHER_VERSION
    return await _act(update, context, draft, text, None)


async def other_version(update: Update, context: QatysuContext) -> int | None:
    """✍️ Add asks for the text in the resident's language; Send as it is sends the first."""
    draft = await DRAFTS.load(update, context)
    if not await versions.added(update):
        return await _act(update, context, draft, draft.first or "", None)
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        await DRAFTS.drop(update, context)
        return END
    await versions.ask(update, context, "note", texts.reader_language(appeal), draft.first or "")
    return SECOND


@requires(Role.STAFF)
async def got_second(update: Update, context: QatysuContext) -> int | None:
    """The text in the resident's language: both are stored, the resident gets theirs."""
    message = message_of(update)
    tr = context.tr
    problem = appeals.text_problem(message.text, STAFF_TEXT_MAX, STAFF_TEXT_MIN)
    if problem is not None:
        length = len((message.text or "").strip())
        await message.reply_text(
            tr.t(problem, min=STAFF_TEXT_MIN, max=STAFF_TEXT_MAX, length=length)
        )
        return SECOND
    draft = await DRAFTS.load(update, context)
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        await DRAFTS.drop(update, context)
        return END
    second = Versions.of({texts.reader_language(appeal): {"note": (message.text or "").strip()}})
    return await _act(update, context, draft, draft.first or "", second)


async def _act(
    update: Update,
    context: QatysuContext,
    draft: TypingDraft,
    text: str,
    second: Versions | None,
) -> int | None:
    """Answer, resolve, reject or extend (scope checked again); the resident is told."""
    tr = context.tr
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        await DRAFTS.drop(update, context)
        return END
    services, bot, actor = context.services, context.bot, user_id(update)
    action = draft.action
    if action == "ans":
        changed = await appeals.answer(services, bot, appeal, actor, text, second)
    elif action == "res":
        changed = await appeals.resolve(services, bot, appeal, actor, text, second)
    elif action == "rej":
        changed = await appeals.reject(services, bot, appeal, actor, text, second)
    else:
        changed = await appeals.extend(services, bot, appeal, actor, draft.days, text, second)
    await DRAFTS.drop(update, context)
    chat = chat_id(update)
    if changed is None:
        await context.bot.send_message(chat, tr.t("inbox.changed_meanwhile"))
        return END
    open_again = InlineKeyboardButton(
        tr.t("inbox.open"), callback_data=callbacks.build(FEATURE, "open", changed.id)
    )
    done = tr.t(f"inbox.done.{action}", number=texts.number(changed), due=tr.date(changed.due_on))
    if on_behalf := await behalf_texts.pass_on_note(services, tr, actor, changed):
        done = on_behalf  # a resident without Telegram: staff pass it on
    await context.bot.send_message(chat, done, reply_markup=InlineKeyboardMarkup([[open_again]]))
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
            ],
            OTHER_VERSION: [versions.step(FEATURE, other_version)],
            SECOND: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_second)],
        },
        draft=DIALOG,
        context_keys=("appeal_id", "action", "days"),  # which item and action: the button's
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "tcancel"), tap(FEATURE, to_bodies, "hbl")],
    )
    app.add_handler(dialog)
