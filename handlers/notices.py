"""/broadcast: staff send a notice to the residents of their villages, after a preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.auth import load_access, requires
from bot.broadcast import attachments, notices, oversight
from bot.broadcast.engine import FEATURE as ENGINE_FEATURE
from bot.broadcast.engine import preview_of
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from handlers.widgets import steps, versions, village_picker
from handlers.widgets.dialogs import (
    Callback,
    Dialog,
    DialogDraft,
    Drafts,
    answer_tap,
    cancel_step,
    chat_id,
    menu_entry,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from handlers.widgets.steps import current, with_nav
from storage import broadcasts as broadcasts_repo
from storage.models import Role, Village
from storage.versions import Versions

FEATURE = Feature.NOTICE
DIALOG = "notice"
CONTENT, VILLAGES, CONFIRM = range(3)
TEXT2 = 21  # the other state language's version (a stored state: numbered apart)


@dataclass(slots=True)
class NoticeDraft(DialogDraft):
    """A notice being written: its text or caption, a photo or a document (file ids)."""

    text: str | None = None
    photo: str | None = None
    document: str | None = None
    file_name: str | None = None  # a document's name and type, as Telegram reported them
    mime_type: str | None = None
    villages: list[str] | None = None  # the village picker's choice
    other: str | None = None  # the language of the version being added
    versions: dict[str, dict[str, str]] | None = None  # {"ru": {"text": ...}}
    editing: str | None = None  # the field the preview's ✏️ asks again: content, villages

    def payload(self) -> dict[str, Any]:
        """The broadcast's payload (what :func:`bot.broadcast.notices.render` reads, and
        :func:`bot.broadcast.attachments.payload_problem` checks again)."""
        payload: dict[str, Any] = {
            "text": self.text, "photo": self.photo, "document": self.document,
            "file_name": self.file_name, "mime_type": self.mime_type,
        }  # fmt: skip
        if self.versions:
            payload["versions"] = self.versions  # the text in the other language
        return payload


DRAFTS = Drafts(DIALOG, NoticeDraft)


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask for the notice (/broadcast or the menu)."""
    await answer_tap(update)
    try:
        await oversight.check_daily_limit(context.services, user_id(update))
    except oversight.NoticeRefused as refused:
        await message_of(update).reply_text(context.tr.t(refused.key, **refused.values))
        return ConversationHandler.END
    await DRAFTS.save(update, context, NoticeDraft())
    return await ask_content(update, context)


async def ask_content(update: Update, context: QatysuContext) -> int:
    """Ask for the notice (with what it says so far, after Back or ✏️)."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    filled = bool(draft.text or draft.photo or draft.document)
    back = draft.editing is not None  # the first step: Back only to the preview
    markup = with_nav(tr, FEATURE, back=back, keep=filled)
    text = tr.t("notice.ask_content") + current(tr, draft.text)
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)
    return CONTENT


async def take_content(update: Update, context: QatysuContext) -> int:
    """Keep the text, photo or document, then ask for the villages."""
    message = message_of(update)
    tr = context.tr
    photo = message.photo[-1].file_id if message.photo else None
    document = message.document.file_id if message.document else None
    refusal = None
    if message.photo:
        refusal = attachments.photo_problem(message.photo[-1].file_size)
    elif message.document:
        file = message.document
        refusal = attachments.document_problem(file.file_name, file.mime_type, file.file_size)
    if refusal is not None:
        await message.reply_text(tr.t(refusal.key, **refusal.values))
        return CONTENT
    text = (message.caption if photo or document else message.text) or ""
    limit = notices.MAX_CAPTION if photo or document else notices.MAX_TEXT
    if not text.strip() and not (photo or document):
        await message.reply_text(tr.t("notice.ask_content"))
        return CONTENT
    if len(text) > limit:
        await message.reply_text(
            tr.t("notice.too_long", limit=tr.number(limit), length=tr.number(len(text)))
        )
        return CONTENT
    draft = await DRAFTS.load(update, context)
    draft.text, draft.photo, draft.document = text, photo, document
    attached = message.document
    draft.file_name = attached.file_name if attached else None
    draft.mime_type = attached.mime_type if attached else None
    draft.other = versions.other_language(context, text) if text.strip() else None
    draft.versions = None
    await DRAFTS.save(update, context, draft)
    if draft.other is not None:
        await versions.offer(update, context, FEATURE, draft.other)  # going on skips it
    return await after_content(update, context)


async def after_content(update: Update, context: QatysuContext) -> int:
    """After the content: the villages; the preview when only the content was edited."""
    if (await DRAFTS.load(update, context)).editing is not None:
        return await ask_confirm(update, context)
    return await ask_villages(update, context)


async def add_version(update: Update, context: QatysuContext) -> int:
    """✍️ Add: the notice's text (or caption) again in the other language."""
    await versions.added(update)
    return await ask_text2(update, context)


async def ask_text2(update: Update, context: QatysuContext) -> int:
    """Ask for the text in the other language."""
    draft = await DRAFTS.load(update, context)
    markup = with_nav(context.tr, FEATURE)
    await versions.ask(update, context, "text", draft.other or "ru", draft.text or "", markup)
    return TEXT2


async def take_text2(update: Update, context: QatysuContext) -> int:
    """Keep the other version (within the same limit); then the villages."""
    message = message_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    text = (message.text or "").strip()
    limit = notices.MAX_CAPTION if draft.photo or draft.document else notices.MAX_TEXT
    if not text or len(text) > limit:
        await message.reply_text(
            tr.t("notice.too_long", limit=tr.number(limit), length=tr.number(len(text)))
        )
        return TEXT2
    added = Versions.of(draft.versions).with_field(draft.other or "ru", "text", text)
    draft.versions = added.to_dict()
    await DRAFTS.save(update, context, draft)
    return await after_content(update, context)


async def ask_villages(update: Update, context: QatysuContext) -> int:
    """Show the village picker with the draft's choice."""
    await village_picker.show(update, context, FEATURE, DIALOG)
    return VILLAGES


async def wrong_content(update: Update, context: QatysuContext) -> int:
    """Explain what a notice can carry."""
    await message_of(update).reply_text(context.tr.t("notice.wrong_content"))
    return CONTENT


async def preview(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """Show the notice as residents will see it, with the number of recipients."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    codes = [v.code for v in villages]
    draft.villages, draft.editing = codes, None
    await DRAFTS.save(update, context, draft)
    shown = await notices.render(preview_of(notices.KIND, draft.payload()), tr)
    chat = chat_id(update)
    if shown.photo:
        await context.bot.send_photo(chat, shown.photo, caption=shown.text)
    elif shown.document:
        await context.bot.send_document(chat, shown.document, caption=shown.text)
    else:
        await context.bot.send_message(chat, shown.text)
    count = await broadcasts_repo.count_audience(context.services.db, codes)
    names = ", ".join(v.names.get(tr.language) for v in villages)
    approval = oversight.needs_approval(context.services, count)
    buttons = InlineKeyboardMarkup(
        [
            [
                button(tr.t("notice.ask_approval" if approval else "notice.send"), FEATURE, "send"),
                button(tr.t("notice.cancel"), FEATURE, "cancel"),
            ],
            *steps.edit_rows(tr, FEATURE, tuple(EDITS)),
            *steps.nav_rows(tr, FEATURE),
        ]
    )
    text = tr.t("notice.confirm", recipients=tr.nt("broadcast.recipients", count), villages=names)
    if approval:
        minimum = tr.nt("broadcast.recipients", context.services.settings.broadcast_approval_min)
        text += "\n\n" + tr.t("notice.approval.needed", minimum=minimum)
    await context.bot.send_message(chat, text, reply_markup=buttons)
    return CONFIRM


async def ask_confirm(update: Update, context: QatysuContext) -> int:
    """Show the preview again (the villages chosen, still in scope)."""
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    villages = [v for v in await village_picker.in_scope(update, context) if v.code in codes]
    return await preview(update, context, villages)


async def send(update: Update, context: QatysuContext) -> int:
    """Hand the notice to the broadcast engine (villages re-checked against the scope)."""
    query = query_of(update)
    draft = await DRAFTS.load(update, context)
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    if not codes:
        await query.answer(context.tr.t("auth.out_of_scope"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.drop(update, context)
    try:
        sent = await oversight.submit(
            context.services,
            context.bot,
            author_id=user_id(update),
            report_to=(chat_id(update), context.tr),
            payload=draft.payload(),
            village_codes=codes,
        )
    except oversight.NoticeRefused as refused:
        await context.bot.send_message(chat_id(update), context.tr.t(refused.key, **refused.values))
        return ConversationHandler.END
    if sent.request is not None:
        tr = context.tr
        text = tr.t(
            "notice.approval.waiting",
            number=sent.request.id,
            asked=tr.nt("notice.approval.asked_count", sent.asked),
        )
        markup = oversight.withdraw_markup(tr, sent.request.id)
        await context.bot.send_message(chat_id(update), text, reply_markup=markup)
    return ConversationHandler.END


cancel = cancel_step(DIALOG)
EDITS: dict[str, Callback] = {"content": ask_content, "villages": ask_villages}


def back_to(prompt: Callback) -> Callback:
    """« Back (tapped or typed): ``prompt``, the step before; the preview while editing."""
    return steps.back_or_preview(DRAFTS, ask_confirm, prompt)


async def first_back(update: Update, context: QatysuContext) -> int:
    """«артқа» at the content, the first step: the preview while editing, else leave."""
    if (await DRAFTS.load(update, context)).editing is not None:
        return await ask_confirm(update, context)
    return int(await cancel(update, context))


async def keep_content(update: Update, context: QatysuContext) -> int:
    """⏭ Keep as is at the content: on to the villages (or the preview)."""
    return await after_content(update, context)


edit = steps.edit_field(DRAFTS, EDITS, CONFIRM)  # ✏️ at the preview


@requires(Role.STAFF, Role.COORDINATOR)
async def stop_broadcast(update: Update, context: QatysuContext) -> None:
    """Stop a running broadcast: its sender, an admin, or staff or a coordinator of its area."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    broadcast_id = callbacks.parse(query.data).int_arg(0)
    db = context.services.db
    broadcast = await broadcasts_repo.get(db, broadcast_id)
    access = await load_access(context, update.effective_user.id)
    if broadcast is None or not await oversight.may_stop(context.services, access, broadcast):
        await query.answer(context.tr.t("broadcast.not_in_area"), show_alert=True)
        return
    stopped = await context.services.engine.cancel(broadcast_id)
    await query.answer(context.tr.t("broadcast.stopped" if stopped else "broadcast.already_over"))


def register(app: QatysuApp) -> None:
    """Register the /broadcast dialog and the stop button of running broadcasts."""
    content = filters.TEXT & ~filters.COMMAND | filters.PHOTO | filters.Document.ALL
    dialog = Dialog(
        "broadcast",
        entry_points=[CommandHandler("broadcast", start), menu_entry(start, "notice")],
        states={
            CONTENT: [
                *steps.nav(FEATURE, back=first_back, keep=keep_content),
                MessageHandler(content, take_content),
                MessageHandler(~filters.COMMAND, wrong_content),
            ],
            VILLAGES: [
                *steps.nav(FEATURE, back=back_to(ask_content)),
                versions.step(FEATURE, add_version),
                *village_picker.handlers(FEATURE, DIALOG, preview),
            ],
            TEXT2: [
                *steps.nav(FEATURE, back=ask_content),
                MessageHandler(filters.TEXT & ~filters.COMMAND, take_text2),
            ],
            CONFIRM: [
                tap(FEATURE, send, "send"),
                tap(FEATURE, cancel, "cancel"),
                tap(FEATURE, edit, steps.EDIT),
                *steps.nav(FEATURE, back=ask_villages),
            ],
        },
        prompts={
            CONTENT: ask_content,
            VILLAGES: ask_villages,
            TEXT2: ask_text2,
            CONFIRM: ask_confirm,
        },
        draft=DIALOG,
        context_keys=("editing",),
        cancel=cancel,
    )
    app.add_handler(dialog)
    app.add_handler(
        CallbackQueryHandler(stop_broadcast, pattern=callbacks.matches(ENGINE_FEATURE, "stop"))
    )
