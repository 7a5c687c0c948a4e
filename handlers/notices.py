"""/broadcast: staff send a notice to the residents of their villages, after a preview."""

from __future__ import annotations

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
from bot.context import QatysuApp, QatysuContext
from handlers.widgets import village_picker
from handlers.widgets.dialogs import Dialog, cancel_step, tap
from handlers.widgets.keyboards import button
from storage import broadcasts as broadcasts_repo
from storage import drafts
from storage.models import Role, Village

FEATURE = "ntc"
DIALOG = "notice"
CONTENT, VILLAGES, CONFIRM = range(3)


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask for the notice (/broadcast)."""
    assert update.effective_user is not None and update.effective_message is not None
    try:
        await oversight.check_daily_limit(context.services, update.effective_user.id)
    except oversight.NoticeRefused as refused:
        await update.effective_message.reply_text(context.tr.t(refused.key, **refused.values))
        return ConversationHandler.END
    await drafts.save(context.services.db, update.effective_user.id, DIALOG, {})
    return await ask_content(update, context)


async def ask_content(update: Update, context: QatysuContext) -> int:
    """Ask for the notice."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, context.tr.t("notice.ask_content"))
    return CONTENT


async def take_content(update: Update, context: QatysuContext) -> int:
    """Keep the text, photo or document, then ask for the villages."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
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
    await drafts.update(
        context.services.db,
        update.effective_user.id,
        DIALOG,
        text=text,
        photo=photo,
        document=document,
        file_name=message.document.file_name if message.document else None,
        mime_type=message.document.mime_type if message.document else None,
    )
    return await ask_villages(update, context)


async def ask_villages(update: Update, context: QatysuContext) -> int:
    """Show the village picker with the draft's choice."""
    await village_picker.show(update, context, FEATURE, DIALOG)
    return VILLAGES


async def wrong_content(update: Update, context: QatysuContext) -> int:
    """Explain what a notice can carry."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("notice.wrong_content"))
    return CONTENT


async def preview(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """Show the notice as residents will see it, with the number of recipients."""
    assert update.effective_user is not None and update.effective_chat is not None
    tr = context.tr
    db = context.services.db
    draft = await drafts.load(db, update.effective_user.id, DIALOG)
    codes = [v.code for v in villages]
    await drafts.update(db, update.effective_user.id, DIALOG, villages=codes)
    shown = await notices.render(preview_of(notices.KIND, draft), tr)
    chat_id = update.effective_chat.id
    if shown.photo:
        await context.bot.send_photo(chat_id, shown.photo, caption=shown.text)
    elif shown.document:
        await context.bot.send_document(chat_id, shown.document, caption=shown.text)
    else:
        await context.bot.send_message(chat_id, shown.text)
    count = await broadcasts_repo.count_audience(db, codes)
    names = ", ".join(v.names.get(tr.language) for v in villages)
    approval = oversight.needs_approval(context.services, count)
    buttons = InlineKeyboardMarkup(
        [
            [
                button(tr.t("notice.ask_approval" if approval else "notice.send"), FEATURE, "send"),
                button(tr.t("notice.cancel"), FEATURE, "cancel"),
            ]
        ]
    )
    text = tr.t("notice.confirm", recipients=tr.nt("broadcast.recipients", count), villages=names)
    if approval:
        minimum = tr.nt("broadcast.recipients", context.services.settings.broadcast_approval_min)
        text += "\n\n" + tr.t("notice.approval.needed", minimum=minimum)
    await context.bot.send_message(chat_id, text, reply_markup=buttons)
    return CONFIRM


async def ask_confirm(update: Update, context: QatysuContext) -> int:
    """Show the preview again (the villages chosen, still in scope)."""
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    villages = [v for v in await village_picker.in_scope(update, context) if v.code in codes]
    return await preview(update, context, villages)


async def send(update: Update, context: QatysuContext) -> int:
    """Hand the notice to the broadcast engine (villages re-checked against the scope)."""
    query = update.callback_query
    assert (
        query is not None
        and update.effective_user is not None
        and update.effective_chat is not None
    )
    db = context.services.db
    user_id = update.effective_user.id
    draft = await drafts.load(db, user_id, DIALOG)
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    if not codes:
        await query.answer(context.tr.t("auth.out_of_scope"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await query.edit_message_reply_markup(None)
    payload = {key: draft.get(key) for key in notices.PAYLOAD_KEYS if draft.get(key)}
    await drafts.drop(db, user_id, DIALOG)
    try:
        sent = await oversight.submit(
            context.services,
            context.bot,
            author_id=user_id,
            report_to=(update.effective_chat.id, context.tr),
            payload=payload,
            village_codes=codes,
        )
    except oversight.NoticeRefused as refused:
        await context.bot.send_message(
            update.effective_chat.id, context.tr.t(refused.key, **refused.values)
        )
        return ConversationHandler.END
    if sent.request is not None:
        tr = context.tr
        text = tr.t(
            "notice.approval.waiting",
            number=sent.request.id,
            asked=tr.nt("notice.approval.asked_count", sent.asked),
        )
        markup = oversight.withdraw_markup(tr, sent.request.id)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    return ConversationHandler.END


cancel = cancel_step(DIALOG)


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
        entry_points=[CommandHandler("broadcast", start)],
        states={
            CONTENT: [
                MessageHandler(content, take_content),
                MessageHandler(~filters.COMMAND, wrong_content),
            ],
            VILLAGES: village_picker.handlers(FEATURE, DIALOG, preview),
            CONFIRM: [tap(FEATURE, send, "send"), tap(FEATURE, cancel, "cancel")],
        },
        prompts={CONTENT: ask_content, VILLAGES: ask_villages, CONFIRM: ask_confirm},
        draft=DIALOG,
        cancel=cancel,
    )
    app.add_handler(dialog)
    app.add_handler(
        CallbackQueryHandler(stop_broadcast, pattern=callbacks.matches(ENGINE_FEATURE, "stop"))
    )
