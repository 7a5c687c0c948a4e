"""/summary for coordinators, the digest's workbook button for staff.

Both taps carry the week (and, for /summary, the scope), which a client can forge: the role and
the scope are checked again on the server for every tap, and a week not yet begun is refused.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access, refuse, requires
from bot.callbacks import CallbackDataError
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.reports import delivery
from bot.reports.cache import SummaryKey, cache_of
from bot.reports.week import Week
from storage.db import utcnow
from storage.models import Role, Scope, ScopeKind

_LOGGER = logging.getLogger(__name__)
FEATURE = delivery.FEATURE
WEEKS_BACK = 3  # /summary offers this week and the three before it
ALL_CODE = "all"  # callback data parts cannot be empty


def _dates(tr: Translator, week: Week) -> str:
    return tr.date_range(week.monday, week.sunday, short=True)


def _week_label(tr: Translator, ago: int, week: Week) -> str:
    if ago == 0:
        return tr.t("report.summary.this_week", dates=_dates(tr, week))
    if ago == 1:
        return tr.t("report.summary.last_week", dates=_dates(tr, week))
    return tr.nt("report.summary.weeks_ago", ago, dates=_dates(tr, week))


def _scope_args(scope: Scope) -> tuple[str, str]:
    return scope.kind.value, scope.code or ALL_CODE


@requires(Role.COORDINATOR)
async def choose_week(update: Update, context: QatysuContext) -> None:
    """Offer this week and the three before it, for each scope of the coordinator (/summary)."""
    assert update.effective_user is not None and update.effective_message is not None
    tr = context.tr
    scopes = (await load_access(context, update.effective_user.id)).scopes(Role.COORDINATOR)
    current = Week.containing(utcnow(), context.services.settings.zone)
    rows = []
    for scope in scopes:
        area = await delivery.area_name(context.services, tr, scope)
        for ago in range(WEEKS_BACK + 1):
            week = current.shifted(-ago)
            label = _week_label(tr, ago, week)
            if len(scopes) > 1:
                label = f"{area} · {label}"
            data = callbacks.build(FEATURE, "sum", week.token, *_scope_args(scope))
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    await update.effective_message.reply_text(
        tr.t("report.summary.choose"), reply_markup=InlineKeyboardMarkup(rows)
    )


def _tapped_week(context: QatysuContext, token: str) -> Week | None:
    """The week of a tap, when it is one that has begun."""
    try:
        week = Week.parse(token)
    except ValueError:
        return None
    return week if week <= Week.containing(utcnow(), context.services.settings.zone) else None


def _tapped_scope(parsed: callbacks.Callback) -> Scope | None:
    """The scope of a tap (checked against the coordinator's own scopes by the caller)."""
    try:
        kind = ScopeKind(parsed.arg(1))
        return Scope(kind, "" if kind is ScopeKind.ALL else parsed.arg(2))
    except (CallbackDataError, ValueError):
        return None


@requires(Role.COORDINATOR)
async def send_summary(update: Update, context: QatysuContext) -> None:
    """Send the workbook, the CSV files and the charts of the tapped week and scope."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    parsed = callbacks.parse(query.data)
    week = _tapped_week(context, parsed.arg(0))
    scope = _tapped_scope(parsed)
    if scope is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    access = await load_access(context, update.effective_user.id)
    mine = access.scopes(Role.COORDINATOR)
    if scope not in mine and Scope(ScopeKind.ALL) not in mine:
        await refuse(update, context, "report.out_of_scope", f"summary of {scope}")
        return
    if week is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    area = await delivery.area_name(context.services, tr, scope)
    await _serve(update, context, delivery.scope_key(tr, scope, week), area, charts=True)


@requires(Role.STAFF)
async def send_area_workbook(update: Update, context: QatysuContext) -> None:
    """Send the workbook of the staff member's villages for the digest's week."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    week = _tapped_week(context, callbacks.parse(query.data).arg(0))
    if week is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    scopes = (await load_access(context, update.effective_user.id)).scopes(Role.STAFF)
    key = delivery.area_key(tr, scopes, week)
    await _serve(update, context, key, tr.t("report.area.mine"), charts=False)


async def _serve(
    update: Update, context: QatysuContext, key: SummaryKey, area: str, *, charts: bool
) -> None:
    """Send a summary; while it is built, one "preparing" message, edited once it is sent.

    A second tap of the same summary while the first is served only gets "still preparing":
    the summary is built once, and sent once.
    """
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    tr, services, chat_id = context.tr, context.services, update.effective_chat.id
    cache = cache_of(services.db)
    if (chat_id, key) in cache.waiting:
        await query.answer(tr.t("report.summary.still_preparing"))
        return
    cache.waiting.add((chat_id, key))
    try:
        caption = tr.t("report.summary.caption", week=key.week.label(tr), area=area)
        if await cache.ready(services.db, key):
            await query.answer(tr.t("report.summary.sending"))
            await delivery.send_summary(
                services, context.bot, chat_id, tr, key, caption, charts=charts
            )
            return
        await query.answer(tr.t("report.summary.preparing"))
        shown = {"week": key.week.label(tr), "area": area}
        note = await context.bot.send_message(chat_id, tr.t("report.summary.building", **shown))
        try:
            await delivery.send_summary(
                services, context.bot, chat_id, tr, key, caption, charts=charts
            )
        except Exception:
            _LOGGER.exception("Summary %s not sent to %s", key.slug, chat_id)
            await note.edit_text(tr.t("report.summary.failed"))
            return
        await note.edit_text(tr.t("report.summary.ready", **shown))
    finally:
        cache.waiting.discard((chat_id, key))


def register(app: QatysuApp) -> None:
    """Register /summary and the report buttons."""
    app.add_handler(CommandHandler("summary", choose_week))
    app.add_handler(
        CallbackQueryHandler(send_summary, pattern=callbacks.matches(FEATURE, "sum"), block=False)
    )
    app.add_handler(
        CallbackQueryHandler(
            send_area_workbook, pattern=callbacks.matches(FEATURE, "area"), block=False
        )
    )
