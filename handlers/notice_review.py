"""Notices under oversight: approve, reject or withdraw a waiting one; /notices lists them.

Every tap carries an id a client can forge: the request is read again, its state checked, and
the role and the area checked on the server (:mod:`bot.broadcast.oversight`).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import Access, load_access, requires
from bot.broadcast import oversight
from bot.broadcast.engine import FEATURE as ENGINE_FEATURE
from bot.context import QatysuApp, QatysuContext
from storage import broadcasts as broadcasts_repo
from storage import notice_requests as repo
from storage.db import utcnow
from storage.models import Role
from storage.notice_requests import NoticeRequest

FEATURE = oversight.FEATURE
KINDS = ("notice", "hearing", "poll")  # broadcast kinds by their first word, for the list


async def _decidable(update: Update, context: QatysuContext) -> tuple[NoticeRequest, Access] | None:
    """The request of a decision tap and who tapped, after every check; None once refused."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    services = context.services
    request = await repo.get(services.db, callbacks.parse(query.data).int_arg(0))
    access = await load_access(context, update.effective_user.id)
    problem = oversight.refusal_of(request, utcnow())
    if problem is None and request is not None:
        problem = await oversight.may_decide(services, access, request)
    if problem is not None or request is None:
        await query.answer(context.tr.t(problem or "error.stale_button"), show_alert=True)
        return None
    return request, access


async def _decided_meanwhile(update: Update, context: QatysuContext, request_id: int) -> None:
    """Another decision was first: say which."""
    assert update.callback_query is not None
    request = await repo.get(context.services.db, request_id)
    status = request.status if request is not None else "decided"
    await update.callback_query.answer(
        context.tr.t(f"notice.approval.already.{status}"), show_alert=True
    )


@requires(Role.STAFF, Role.COORDINATOR)
async def approve(update: Update, context: QatysuContext) -> None:
    """Approve a waiting notice: it goes to the residents now, its author watching."""
    query = update.callback_query
    assert query is not None
    if (found := await _decidable(update, context)) is None:
        return
    request, access = found
    tr, services = context.tr, context.services
    try:
        claimed = await oversight.approve(services, request, access, utcnow())
    except oversight.NoticeRefused as refused:
        await query.answer(tr.t(refused.key, **refused.values), show_alert=True)
        return
    if not claimed:
        await _decided_meanwhile(update, context, request.id)
        return
    await query.answer()
    broadcast_id = await oversight.send_approved(services, request, access.telegram_id)
    stop = InlineKeyboardButton(
        tr.t("broadcast.stop"), callback_data=callbacks.build(ENGINE_FEATURE, "stop", broadcast_id)
    )
    recipients = tr.nt("broadcast.recipients", request.recipients)
    await query.edit_message_text(
        tr.t("notice.approval.you_approved", number=request.id, recipients=recipients),
        reply_markup=InlineKeyboardMarkup([[stop]]),
    )


@requires(Role.STAFF, Role.COORDINATOR)
async def reject(update: Update, context: QatysuContext) -> None:
    """Reject a waiting notice: nothing is sent, its author is told."""
    query = update.callback_query
    assert query is not None
    if (found := await _decidable(update, context)) is None:
        return
    request, access = found
    if not await oversight.reject(context.services, request, access, utcnow()):
        await _decided_meanwhile(update, context, request.id)
        return
    await query.answer()
    await query.edit_message_text(context.tr.t("notice.approval.you_rejected", number=request.id))
    await oversight.tell_rejected(context.services, context.bot, request, access.telegram_id)


async def withdraw(update: Update, context: QatysuContext) -> None:
    """The author takes back a notice still waiting for approval."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr, services, now = context.tr, context.services, utcnow()
    request = await repo.get(services.db, callbacks.parse(query.data).int_arg(0))
    if request is None or request.created_by != update.effective_user.id:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    problem = oversight.refusal_of(request, now)
    if problem is not None or not await oversight.withdraw(services, request, now):
        await query.answer(tr.t(problem or "notice.approval.already.decided"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(tr.t("notice.approval.withdrawn", number=request.id))


@requires(Role.STAFF, Role.COORDINATOR)
async def show_request(update: Update, context: QatysuContext) -> None:
    """Show one waiting notice again, with its preview and the decision buttons."""
    query = update.callback_query
    assert query is not None
    if (found := await _decidable(update, context)) is None:
        return
    request, _ = found
    await query.answer()
    area = await oversight.villages(context.services, request.village_codes)
    await oversight.show_request(
        context.services, context.bot, query.from_user.id, context.tr, request, area
    )


@requires(Role.STAFF, Role.COORDINATOR)
async def list_notices(update: Update, context: QatysuContext) -> None:
    """List the notices of the person's area waiting for approval or going out (/notices)."""
    assert update.effective_user is not None and update.effective_message is not None
    tr, services = context.tr, context.services
    access = await load_access(context, update.effective_user.id)
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    for request in await repo.waiting(services.db):
        area = await oversight.villages(services, request.village_codes)
        own = request.created_by == access.telegram_id
        if not own and not oversight.oversees(access, area):
            continue
        author = await oversight.author_name(services, request.created_by)
        line = tr.t(
            "notice.list.waiting",
            number=request.id,
            author=author,
            recipients=tr.nt("broadcast.recipients", request.recipients),
        )
        lines.append(_with_text(line, request.payload))
        action, label = ("wd", "notice.list.withdraw") if own else ("see", "notice.list.see")
        data = callbacks.build(FEATURE, action, request.id)
        rows.append([InlineKeyboardButton(tr.t(label, number=request.id), callback_data=data)])
    for broadcast in await broadcasts_repo.sending(services.db):
        if not await oversight.may_stop(services, access, broadcast):
            continue
        tally = await broadcasts_repo.tally(services.db, broadcast.id)
        kind = broadcast.kind.split("_")[0]
        label = tr.t(
            f"notice.list.kind.{kind if kind in ('notice', 'hearing', 'poll') else 'other'}"
        )
        line = tr.t(
            "notice.list.sending",
            number=broadcast.id,
            kind=label,
            done=tr.number(tally.done),
            total=tr.number(tally.total),
        )
        lines.append(_with_text(line, broadcast.payload))
        data = callbacks.build(ENGINE_FEATURE, "stop", broadcast.id)
        rows.append(
            [
                InlineKeyboardButton(
                    tr.t("notice.list.stop", number=broadcast.id), callback_data=data
                )
            ]
        )
    if not lines:
        await update.effective_message.reply_text(tr.t("notice.list.none"))
        return
    text = tr.t("notice.list.title") + "\n\n" + "\n\n".join(lines)
    await update.effective_message.reply_text(
        text[:4000], reply_markup=InlineKeyboardMarkup(rows[:90])
    )


def _with_text(line: str, payload: dict[str, object]) -> str:
    """A list line, and under it the start of the notice's text when it has one."""
    text = oversight.preview_line(payload)
    return f"{line}\n«{text}»" if text else line


def register(app: QatysuApp) -> None:
    """Register /notices and the buttons of notices waiting for approval."""
    app.add_handler(CommandHandler("notices", list_notices))
    app.add_handler(CallbackQueryHandler(approve, pattern=callbacks.matches(FEATURE, "ok")))
    app.add_handler(CallbackQueryHandler(reject, pattern=callbacks.matches(FEATURE, "no")))
    app.add_handler(CallbackQueryHandler(withdraw, pattern=callbacks.matches(FEATURE, "wd")))
    app.add_handler(CallbackQueryHandler(show_request, pattern=callbacks.matches(FEATURE, "see")))
