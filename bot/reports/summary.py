"""The weekly summary of a scope: figures loaded, files written (off the event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.reports import data as report_data
from bot.reports.files import ReportFiles, write_report
from bot.reports.scope import scope_label, villages_of
from bot.reports.week import Week
from storage.db import Database
from storage.models import Scope


def last_week(now: datetime, zone: ZoneInfo) -> Week:
    """The latest week that has ended."""
    return Week.containing(now, zone).shifted(-1)


def file_name(week: Week, label: str) -> str:
    """``qatysu-2026-W48-krg.xlsx``."""
    return f"qatysu-{week}-{label}.xlsx"


async def build(
    db: Database, tr: Translator, scopes: Iterable[Scope], week: Week, workbook: Path
) -> ReportFiles:
    """Write the summary of ``week`` for the villages of ``scopes``: ``workbook`` and by it."""
    villages = await villages_of(db, scopes)
    figures = await report_data.load(db, villages, week, tr.zone)
    return await asyncio.to_thread(write_report, tr, figures, workbook)


async def build_for_scope(
    db: Database, tr: Translator, scope: Scope, week: Week, folder: Path
) -> ReportFiles:
    """Write the summary of one scope into ``folder``, named after the week and the scope."""
    return await build(db, tr, [scope], week, folder / file_name(week, scope_label(scope)))
