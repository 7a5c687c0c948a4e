"""Choosing a date and a time by buttons (or typing them), in the configured time zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import MessageHandler, filters

from bot import callbacks
from bot.context import QatysuContext
from bot.i18n import Translator
from handlers.widgets.dialogs import Step, tap

Take = Callable[[Update, QatysuContext], Coroutine[Any, Any, int]]

DAYS_SHOWN = 14
TIMES = ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00")
_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def date_keyboard(tr: Translator, feature: str, today: date) -> InlineKeyboardMarkup:
    """The next two weeks, two days a row, e.g. «Дүйсенбі, 30 қараша» (no «дс/сс/ср»)."""
    days = [today + timedelta(days=n) for n in range(DAYS_SHOWN)]
    buttons = [
        InlineKeyboardButton(
            _capital(str(format_date(day, "EEEE, d MMMM", locale=tr.language))),
            callback_data=callbacks.build(feature, "day", day.strftime("%Y%m%d")),
        )
        for day in days
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def time_keyboard(feature: str) -> InlineKeyboardMarkup:
    """Common meeting times, five a row."""
    buttons = [
        InlineKeyboardButton(t, callback_data=callbacks.build(feature, "at", t.replace(":", "")))
        for t in TIMES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 5] for i in range(0, len(buttons), 5)])


def parse_day_button(value: str) -> date | None:
    """The date of a day button (``YYYYMMDD``)."""
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def parse_time_button(value: str) -> time | None:
    """The time of a time button (``HHMM``)."""
    try:
        return datetime.strptime(value, "%H%M").time()
    except ValueError:
        return None


def parse_typed_date(text: str | None) -> date | None:
    """``DD.MM.YYYY`` (also with / or -), or None."""
    match = _DATE.match(text or "")
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def parse_typed_time(text: str | None) -> time | None:
    """``HH:MM`` (also HH.MM), or None."""
    match = _TIME.match(text or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


async def read_day(update: Update) -> date | None:
    """The day of a tapped day button or of typed text (a tap is answered)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        return parse_day_button(callbacks.parse(update.callback_query.data).arg(0))
    return parse_typed_date(update.effective_message.text if update.effective_message else None)


async def read_time(update: Update) -> time | None:
    """The time of a tapped time button or of typed text (a tap is answered)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        return parse_time_button(callbacks.parse(update.callback_query.data).arg(0))
    return parse_typed_time(update.effective_message.text if update.effective_message else None)


def date_and_time_steps(
    feature: str, take_date: Take, take_time: Take
) -> tuple[list[Step], list[Step]]:
    """The handlers of a dialog's day step and time step (tapped or typed; a day can be changed
    at the time step)."""
    typed = filters.TEXT & ~filters.COMMAND
    day: list[Step] = [tap(feature, take_date, "day"), MessageHandler(typed, take_date)]
    moment: list[Step] = [
        tap(feature, take_time, "at"),
        tap(feature, take_date, "day"),
        MessageHandler(typed, take_time),
    ]
    return day, moment
