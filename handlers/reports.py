"""/summary for coordinators, the digest's workbook button for staff.

Both taps carry the period (and, for /summary, the scope), which a client can forge: the role
and the scope are checked again on the server for every tap, and a period not yet begun, or
other than a week, a month or a quarter, is refused.
"""

from __future__ import annotations

import logging
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access, refuse, requires
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.reports import delivery
from bot.reports.cache import SummaryKey, cache_of
from bot.reports.period import Period, PeriodKind
from storage.db import utcnow
from storage.models import Role, Scope, ScopeKind

_LOGGER = logging.getLogger(__name__)
FEATURE = delivery.FEATURE
ALL_CODE = "all"  # callback data parts cannot be empty
# What a tap may ask for: a forged token naming years of days would cost a long build.
TAPPABLE = (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER)


def _dates(tr: Translator, period: Period) -> str:
    """A period's days for a button, in digits: «31.08 – 06.09»."""
    return tr.date_range(period.first, period.last, short=True)


def choices(today: date, tr: Translator) -> list[tuple[str, Period]]:
    """This week, last week, last month, last quarter: the label and the period of each."""
    this_week = Period.of(PeriodKind.WEEK, today)
    last_week = this_week.shifted(-1)
    last_month = Period.of(PeriodKind.MONTH, today).shifted(-1)
    last_quarter = Period.of(PeriodKind.QUARTER, today).shifted(-1)
    return [
        (tr.t("report.summary.this_week", dates=_dates(tr, this_week)), this_week),
        (tr.t("report.summary.last_week", dates=_dates(tr, last_week)), last_week),
        (tr.t("report.summary.last_month", dates=_dates(tr, last_month)), last_month),
        (tr.t("report.summary.last_quarter", dates=_dates(tr, last_quarter)), last_quarter),
    ]


def _scope_args(scope: Scope) -> tuple[str, str]:
    return scope.kind.value, scope.code or ALL_CODE


@requires(Role.COORDINATOR)
async def choose_period(update: Update, context: QatysuContext) -> None:
    """Offer this week, last week, last month and last quarter, per scope (/summary)."""
    assert update.effective_user is not None and update.effective_message is not None
    if update.callback_query is not None:  # the menu's Summary
        await update.callback_query.answer()
    tr = context.tr
    scopes = (await load_access(context, update.effective_user.id)).scopes(Role.COORDINATOR)
    today = utcnow().astimezone(context.services.settings.zone).date()
    rows = []
    for scope in scopes:
        area = await delivery.area_name(context.services, tr, scope)
        for label, period in choices(today, tr):
            if len(scopes) > 1:
                label = f"{area} · {label}"
            data = callbacks.build(FEATURE, "sum", period.token, *_scope_args(scope))
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    await update.effective_message.reply_text(
        tr.t("report.summary.choose_period"), reply_markup=InlineKeyboardMarkup(rows)
    )


def _tapped_period(context: QatysuContext, token: str) -> Period | None:
    """The period of a tap, when it is a week, month or quarter that has begun."""
    try:
        period = Period.parse(token)
    except ValueError:
        return None
    begun = period.has_begun(utcnow(), context.services.settings.zone)
    return period if begun and period.kind in TAPPABLE else None


def _tapped_scope(parsed: callbacks.Callback) -> Scope | None:
    """The scope of a tap (checked against the coordinator's own scopes by the caller)."""
    try:
        kind = ScopeKind(parsed.arg(1))
        return Scope(kind, "" if kind is ScopeKind.ALL else parsed.arg(2))
    except (CallbackDataError, ValueError):
        return None


@requires(Role.COORDINATOR)
async def send_summary(update: Update, context: QatysuContext) -> None:
    """Send the workbook, the CSV files and the charts of the tapped period and scope."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    parsed = callbacks.parse(query.data)
    period = _tapped_period(context, parsed.arg(0))
    scope = _tapped_scope(parsed)
    if scope is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    access = await load_access(context, update.effective_user.id)
    mine = access.scopes(Role.COORDINATOR)
    if scope not in mine and Scope(ScopeKind.ALL) not in mine:
        await refuse(update, context, "report.out_of_scope", f"summary of {scope}")
        return
    if period is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    area = await delivery.area_name(context.services, tr, scope)
    await _serve(update, context, delivery.scope_key(tr, scope, period), area, charts=True)


@requires(Role.STAFF)
async def send_area_workbook(update: Update, context: QatysuContext) -> None:
    """Send the workbook of the staff member's villages for the digest's week."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    period = _tapped_period(context, callbacks.parse(query.data).arg(0))
    if period is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    scopes = (await load_access(context, update.effective_user.id)).scopes(Role.STAFF)
    key = delivery.area_key(tr, scopes, period)
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
        label = key.period.label(tr)
        caption = tr.t("report.summary.caption_period", period=label, area=area)
        if await cache.ready(services.db, key):
            await query.answer(tr.t("report.summary.sending"))
            await delivery.send_summary(
                services, context.bot, chat_id, tr, key, caption, charts=charts
            )
            return
        await query.answer(tr.t("report.summary.preparing"))
        shown = {"period": label, "area": area}
        building = tr.t("report.summary.building_period", **shown)
        note = await context.bot.send_message(chat_id, building)
        try:
            await delivery.send_summary(
                services, context.bot, chat_id, tr, key, caption, charts=charts
            )
        except Exception:
            _LOGGER.exception("Summary %s not sent to %s", key.slug, chat_id)
            await note.edit_text(tr.t("report.summary.failed"))
            return
        await note.edit_text(tr.t("report.summary.ready_period", **shown))
    finally:
        cache.waiting.discard((chat_id, key))


def register(app: QatysuApp) -> None:
    """Register /summary and the report buttons."""
    app.add_handler(CommandHandler("summary", choose_period))
    app.add_handler(
        CallbackQueryHandler(choose_period, pattern=callbacks.matches(Feature.MENU, "summary"))
    )
    app.add_handler(
        CallbackQueryHandler(send_summary, pattern=callbacks.matches(FEATURE, "sum"), block=False)
    )
    app.add_handler(
        CallbackQueryHandler(
            send_area_workbook, pattern=callbacks.matches(FEATURE, "area"), block=False
        )
    )
