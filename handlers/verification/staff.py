"""Staff of a village work its verification queue: /verify, approve, or reject with a reason.

Every tap is checked on the server: the request's village must be in the staff member's scope
(a forged tap on another village's request is refused), and the request still pending with its
resident still living there. A rejection's reason is one of a few buttons (told to the resident
in their own language) or typed (a small persistent dialog).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.auth import authorize_village, requires, villages_in_scope
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.residents import verification as service
from bot.residents.verification import FEATURE, PRESET_REASONS
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
from storage import territory
from storage import verifications as repo
from storage.models import Role, Village
from storage.verifications import Decided, Verification

DIALOG = "verify_reason"
REASON = 0
END = ConversationHandler.END
QUEUE = 50  # requests read at once; the staff member goes through them one by one
MAX_REASON = 300


@dataclass(slots=True)
class ReasonDraft(DialogDraft):
    """The request whose rejection's reason is being typed."""

    request: int | None = None


DRAFTS = Drafts(DIALOG, ReasonDraft)


async def _queue(update: Update, context: QatysuContext) -> list[Verification]:
    """Pending requests of the staff's villages, oldest first."""
    villages = await villages_in_scope(context, user_id(update), (Role.STAFF,))
    return await repo.pending_in(context.services.db, [v.code for v in villages], QUEUE)


def card(tr: Translator, request: Verification, village: Village, left: int) -> str:
    """One request as staff check it against the household register."""
    return tr.t(
        "verify.card",
        left=tr.number(left),
        name=request.name or "—",
        phone=service.readable(request.phone) if request.phone else "—",
        village=village.names.get(tr.language),
        street=request.street or "—",
        date=tr.datetime(request.requested_at),
    )


def card_keyboard(tr: Translator, request: Verification) -> InlineKeyboardMarkup:
    """Approve, reject, or see the next one."""
    return InlineKeyboardMarkup(
        [
            [button(tr.t("verify.approve"), FEATURE, "ok", request.id),
             button(tr.t("verify.reject"), FEATURE, "no", request.id)],
            [button(tr.t("verify.next"), FEATURE, "next", request.id)],
        ]
    )  # fmt: skip


async def _show(update: Update, context: QatysuContext, after: int = 0) -> None:
    """Show the first pending request after ``after`` (wrapping round), or that none waits.

    The request ``after`` itself, still waiting and alone in the queue, stays as it is shown.
    """
    tr = context.tr
    queue = await _queue(update, context)
    shown = next((r for r in queue if r.id > after), queue[0] if queue else None)
    if shown is not None and shown.id == after:
        return
    query = update.callback_query
    if shown is None:
        text, markup = tr.t("verify.queue_empty"), None
    else:
        village = await territory.get_village(context.services.db, shown.village_code)
        assert village is not None
        text, markup = card(tr, shown, village, len(queue)), card_keyboard(tr, shown)
    if query is not None and query.message is not None:
        await query.edit_message_text(text, reply_markup=markup)
    else:
        await context.bot.send_message(chat_id(update), text, reply_markup=markup)


@requires(Role.STAFF)
async def show_queue(update: Update, context: QatysuContext) -> None:
    """/verify (or a notice's button: the notice stays): the first request waiting."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await _show_new(update, context)


async def _show_new(update: Update, context: QatysuContext) -> None:
    tr = context.tr
    queue = await _queue(update, context)
    if not queue:
        await context.bot.send_message(chat_id(update), tr.t("verify.queue_empty"))
        return
    village = await territory.get_village(context.services.db, queue[0].village_code)
    assert village is not None
    await context.bot.send_message(
        chat_id(update),
        card(tr, queue[0], village, len(queue)),
        reply_markup=card_keyboard(tr, queue[0]),
    )


async def _request_of_tap(update: Update, context: QatysuContext) -> Verification | None:
    """The tapped request, when it is pending and of a village in the staff's scope."""
    query = query_of(update)
    try:
        request_id = callbacks.parse(query.data).int_arg(0)
    except callbacks.CallbackDataError:
        request_id = 0
    request = await repo.get(context.services.db, request_id)
    if request is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return None
    if await authorize_village(update, context, Role.STAFF, request.village_code) is None:
        return None
    return request


@requires(Role.STAFF)
async def next_request(update: Update, context: QatysuContext) -> None:
    """The next request of the queue."""
    query = query_of(update)
    try:
        after = callbacks.parse(query.data).int_arg(0)
    except callbacks.CallbackDataError:
        after = 0
    await query.answer()
    await _show(update, context, after)


async def _decided(
    update: Update, context: QatysuContext, request: Verification, approve: bool, reason: str | None
) -> Decided:
    return await service.decide(
        context.services, context.bot, request, user_id(update), approve, reason
    )


def _answer_key(decided: Decided, done: str) -> str:
    keys = {Decided.DONE: done, Decided.TAKEN: "verify.phone_taken", Decided.OWN: "verify.own"}
    return keys.get(decided, "verify.gone")


@requires(Role.STAFF)
async def approve(update: Update, context: QatysuContext) -> None:
    """Approve: the resident is verified and told."""
    query = update.callback_query
    request = await _request_of_tap(update, context)
    if request is None or query is None:
        return
    decided = await _decided(update, context, request, True, None)
    await query.answer(context.tr.t(_answer_key(decided, "verify.done_approved")), show_alert=True)
    await _show(update, context, request.id)


@requires(Role.STAFF)
async def ask_reason(update: Update, context: QatysuContext) -> None:
    """Reject: choose the reason the resident is told (or type one)."""
    query = update.callback_query
    request = await _request_of_tap(update, context)
    if request is None or query is None:
        return
    tr = context.tr
    await query.answer()
    rows = [[button(tr.t(f"verify.reason.{name}"), FEATURE, "why", request.id, name)]
            for name in PRESET_REASONS]  # fmt: skip
    rows.append([button(tr.t("verify.reason_typed"), FEATURE, "type", request.id)])
    rows.append([button(tr.t("button.back"), FEATURE, "next", request.id - 1)])
    await query.edit_message_text(
        tr.t("verify.ask_reason"), reply_markup=InlineKeyboardMarkup(rows)
    )


@requires(Role.STAFF)
async def reject_with_preset(update: Update, context: QatysuContext) -> None:
    """Reject with one of the preset reasons."""
    query = update.callback_query
    request = await _request_of_tap(update, context)
    if request is None or query is None:
        return
    name = callbacks.parse(query.data).args[1:2]
    if not name or name[0] not in PRESET_REASONS:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    decided = await _decided(update, context, request, False, f"verify.reason.{name[0]}")
    await query.answer(context.tr.t(_answer_key(decided, "verify.done_rejected")), show_alert=True)
    await _show(update, context, request.id)


@requires(Role.STAFF)
async def type_reason(update: Update, context: QatysuContext) -> int:
    """Reject with a typed reason: ask for it."""
    query = update.callback_query
    request = await _request_of_tap(update, context)
    if request is None or query is None:
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.save(update, context, ReasonDraft(request=request.id))
    return await prompt_reason(update, context)


async def prompt_reason(update: Update, context: QatysuContext) -> int:
    """Ask for the typed reason (again)."""
    tr = context.tr
    await context.bot.send_message(
        chat_id(update), tr.t("verify.type_reason", limit=tr.number(MAX_REASON))
    )
    return REASON


@requires(Role.STAFF)
async def take_reason(update: Update, context: QatysuContext) -> int:
    """Reject with the typed reason (scope and request checked again)."""
    message = message_of(update)
    tr = context.tr
    reason = (message.text or "").strip()
    if not 3 <= len(reason) <= MAX_REASON:
        await message.reply_text(tr.t("verify.type_reason", limit=tr.number(MAX_REASON)))
        return REASON
    draft = await DRAFTS.load(update, context)
    request = await repo.get(context.services.db, draft.request or 0)
    await DRAFTS.drop(update, context)
    if request is None:
        await message.reply_text(tr.t("error.stale_button"))
        return END
    if await authorize_village(update, context, Role.STAFF, request.village_code) is None:
        return END
    decided = await _decided(update, context, request, False, reason)
    await message.reply_text(tr.t(_answer_key(decided, "verify.done_rejected")))
    await _show_new(update, context)
    return END


def register(app: QatysuApp) -> None:
    """Register /verify, its buttons and the typed reason's dialog."""
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, type_reason, "type")],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_reason)]},
        prompts={REASON: prompt_reason},
        draft=DIALOG,
        context_keys=("request",),
        cancel=cancel_step(DIALOG),
    )
    app.add_handler(dialog)
    app.add_handler(CommandHandler("verify", show_queue))
    actions = {"q": show_queue, "next": next_request, "ok": approve, "no": ask_reason,
               "why": reject_with_preset}  # fmt: skip
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
