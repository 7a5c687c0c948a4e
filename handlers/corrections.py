"""✏️ Correct a published hearing, poll or notice: which field → the new text (or closing time)
→ a preview that says who will get it → send (:mod:`bot.corrections`).

Every tap reads the item again and checks the role and the scope on the server (a client can
forge the item's id); a poll's question is refused once anyone voted, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot import corrections as service
from bot.auth import load_access, refuse, requires
from bot.broadcast import notices
from bot.broadcast.engine import preview_of
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.hearings import service as hearing_service
from bot.polls import service as polls
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    send_text,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from handlers.widgets.steps import current
from storage.db import to_db_time, utcnow
from storage.models import Role

FEATURE = Feature.CORRECTION
DIALOG = "correction"
FIELD, VALUE, CONFIRM = range(3)
END = ConversationHandler.END
LIMITS = {
    "topic": hearing_service.TOPIC_MAX, "agenda": hearing_service.AGENDA_MAX,
    "text": notices.MAX_TEXT,
}  # fmt: skip
CLOSING_DAYS = (1, 3, 7)


@dataclass(slots=True)
class CorrectionDraft(DialogDraft):
    """A correction being written: the item (the button's), the field, the new value."""

    item: str = ""
    id: int = 0
    field: str | None = None
    value: str | None = None


DRAFTS = Drafts(DIALOG, CorrectionDraft)


async def _allowed(
    update: Update, context: QatysuContext, kind: str, item_id: int
) -> service.Item | None:
    """The item, when this staff member may correct it now; else refused (and None)."""
    item = await service.item_of(context.services, kind, item_id)
    access = await load_access(context, user_id(update))
    if item is None or not await service.may_correct(context.services, access, item):
        await refuse(update, context, "auth.out_of_scope", f"correct {kind} {item_id}")
        return None
    return item


@requires(Role.STAFF)
async def begin(update: Update, context: QatysuContext) -> int:
    """✏️ Correct under an item: ask which field."""
    query = query_of(update)
    try:
        parsed = callbacks.parse(query.data)
        kind, item_id = parsed.arg(0), parsed.int_arg(1)
    except CallbackDataError:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return END
    item = await _allowed(update, context, kind, item_id)
    if item is None:
        return END
    await query.answer()
    await DRAFTS.save(update, context, CorrectionDraft(item=kind, id=item_id))
    return await ask_field(update, context)


async def ask_field(update: Update, context: QatysuContext) -> int:
    """Which field to correct (this item's)."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    item = await service.item_of(context.services, draft.item, draft.id)
    fields = service.FIELDS.get(draft.item, ())
    rows = [[button(tr.t(f"correction.pick.{field}"), FEATURE, "f", field)] for field in fields]
    rows.append([button(tr.t("correction.cancel"), FEATURE, "x")])
    title = item.title if item is not None else ""
    await send_text(
        update, context, tr.t("correction.ask_field", title=title), InlineKeyboardMarkup(rows)
    )
    return FIELD


async def take_field(update: Update, context: QatysuContext) -> int:
    """Keep the field (scope and votes checked again); ask for its new value."""
    query = query_of(update)
    draft = await DRAFTS.load(update, context)
    item = await _allowed(update, context, draft.item, draft.id)
    if item is None:
        return END
    field = callbacks.parse(query.data).arg(0)
    try:
        await service.check(context.services, item, field)
    except service.CorrectionRefused as refused:
        await query.answer(context.tr.t(refused.key), show_alert=True)
        return FIELD
    await query.answer()
    await query.edit_message_reply_markup(None)
    draft.field = field
    await DRAFTS.save(update, context, draft)
    return await ask_value(update, context)


async def ask_value(update: Update, context: QatysuContext) -> int:
    """Ask for the new value, showing the one published."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    item = await service.item_of(context.services, draft.item, draft.id)
    field = draft.field or ""
    now = service.shown(tr, field, item.values.get(field, "")) if item is not None else None
    markup = None
    if field == "closing":
        zone, moment = context.services.settings.zone, utcnow()
        rows = [
            [button(tr.short_datetime(polls.closing_in(days, zone, moment)), FEATURE, "in", days)]
            for days in CLOSING_DAYS
        ]
        markup = InlineKeyboardMarkup(rows)
    await send_text(update, context, tr.t(f"correction.ask.{field}") + current(tr, now), markup)
    return VALUE


async def take_text(update: Update, context: QatysuContext) -> int:
    """A new text (or a typed closing time), checked; then the preview."""
    message = message_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    text = (message.text or "").strip()
    if draft.field == "closing":
        moment = polls.parse_closing(text, context.services.settings.zone, utcnow())
        if moment is None:
            example = polls.closing_in(3, context.services.settings.zone, utcnow())
            await message.reply_text(
                tr.t("poll.closing_bad", example=example.strftime("%d.%m.%Y %H:%M"))
            )
            return VALUE
        return await _chosen(update, context, to_db_time(moment))
    if draft.field == "question" and (problem := polls.question_problem(text)) is not None:
        key, values = problem
        await message.reply_text(tr.t(key, **{k: tr.number(v) for k, v in values.items()}))
        return VALUE
    if draft.field == "options":
        options, problem = polls.parse_options(text)
        if problem is not None:
            shown = {k: tr.number(v) if isinstance(v, int) else v for k, v in problem[1].items()}
            await message.reply_text(tr.t(problem[0], **shown))
            return VALUE
        return await _chosen(update, context, "\n".join(options))
    limit = LIMITS.get(draft.field or "", notices.MAX_TEXT)  # a question: checked above
    if not text or len(text) > limit:
        await message.reply_text(
            tr.t("ha.too_long", length=tr.number(len(text)), limit=tr.number(limit))
        )
        return VALUE
    return await _chosen(update, context, text)


async def closing_button(update: Update, context: QatysuContext) -> int:
    """A new closing time from the buttons (N days from today at 20:00)."""
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    days = callbacks.parse(query.data).int_arg(0)
    moment = polls.closing_in(min(days, 30), context.services.settings.zone, utcnow())
    return await _chosen(update, context, to_db_time(moment))


async def _chosen(update: Update, context: QatysuContext, value: str) -> int:
    await DRAFTS.keep(update, context, value=value)
    return await preview(update, context)


async def preview(update: Update, context: QatysuContext) -> int:
    """What residents will read, and how many of them: the original's recipients."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    item = await service.item_of(context.services, draft.item, draft.id)
    if item is None or draft.field is None or draft.value is None:
        return END
    count, by_villages = await service.count(context.services, item)
    payload = {"item": item.kind, "field": draft.field, "title": item.title,
               "old": item.values.get(draft.field, ""), "new": draft.value}  # fmt: skip
    shown = await service.render(preview_of(service.KIND, payload), tr)
    await send_text(update, context, shown.text)
    key = "correction.preview_villages" if by_villages else "correction.preview"
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr.t("correction.send"), FEATURE, "send"),
                button(tr.t("correction.cancel"), FEATURE, "x"),
            ]
        ]
    )
    await send_text(
        update, context, tr.t(key, recipients=tr.nt("broadcast.recipients", count)), markup
    )
    return CONFIRM


async def send(update: Update, context: QatysuContext) -> int:
    """Store and send the correction (role, scope and votes checked again)."""
    query = query_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    item = await _allowed(update, context, draft.item, draft.id)
    if item is None or draft.field is None or draft.value is None:
        return END
    await DRAFTS.drop(update, context)
    try:
        await service.check(context.services, item, draft.field)
    except service.CorrectionRefused as refused:
        await query.answer(tr.t(refused.key), show_alert=True)
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    try:
        await service.apply(context.services, item, draft.field, draft.value,
                            actor=user_id(update), report_to=(chat_id(update), tr))  # fmt: skip
    except service.CorrectionRefused as refused:  # a vote came in meanwhile
        await send_text(update, context, tr.t(refused.key))
    return END


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the correction dialog (entered by ✏️ Correct under an item)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, begin, "go")],
        states={
            FIELD: [tap(FEATURE, take_field, "f")],
            VALUE: [tap(FEATURE, closing_button, "in"), MessageHandler(text, take_text)],
            CONFIRM: [tap(FEATURE, send, "send")],
        },
        prompts={FIELD: ask_field, VALUE: ask_value, CONFIRM: preview},
        draft=DIALOG,
        context_keys=("item", "id"),
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "x")],
    )
    app.add_handler(dialog)
