"""/summary for coordinators, the digest's workbook button for staff.

Both taps carry the week (and, for /summary, the scope), which a client can forge: the role and
the scope are checked again on the server for every tap, and a week not yet begun is refused.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access, refuse, requires
from bot.callbacks import CallbackDataError
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.reports import delivery, summary
from bot.reports.week import Week
from storage.db import utcnow
from storage.models import Role, Scope, ScopeKind

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
    await query.answer(tr.t("report.summary.preparing"))
    await delivery.deliver_summary(
        context.services, context.bot, update.effective_user.id, tr, scope, week
    )


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
    await query.answer(tr.t("report.summary.preparing"))
    scopes = (await load_access(context, update.effective_user.id)).scopes(Role.STAFF)
    with tempfile.TemporaryDirectory(prefix="qatysu-report-") as folder:
        workbook = Path(folder) / summary.file_name(week, "area")
        files = await summary.build(context.services.db, tr, scopes, week, workbook)
        caption = tr.t("report.summary.caption", week=week.label(tr), area=tr.t("report.area.mine"))
        await delivery.send_files(context.bot, update.effective_user.id, tr, files, caption,
                                  charts=False)  # fmt: skip


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
