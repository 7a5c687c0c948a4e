"""The weekly summary of a scope: figures loaded here, files written in the worker process."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import poll_chart, workers
from bot.i18n import Translator
from bot.reports import data as report_data
from bot.reports.files import ReportFiles, build_files
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
    """Write the summary of ``week`` for the villages of ``scopes``: ``workbook`` and by it.

    The figures are read here, with the usual queries; the worker process gets them as plain
    data and writes the files (a second connection there would duplicate the storage layer).
    """
    villages = await villages_of(db, scopes)
    figures = await report_data.load(db, villages, week, tr.zone)
    workbook, poll_charts = _absolute(workbook, db.path)
    return await workers.run(build_files, tr.language, tr.zone, figures, workbook, poll_charts)


def _absolute(workbook: Path, database: Path) -> tuple[Path, Path | None]:
    """The workbook and the result charts' folder as the worker finds them, whatever its cwd."""
    charts = poll_chart.folder_of(database.absolute()) if str(database) != ":memory:" else None
    return workbook.absolute(), charts


async def build_for_scope(
    db: Database, tr: Translator, scope: Scope, week: Week, folder: Path
) -> ReportFiles:
    """Write the summary of one scope into ``folder``, named after the week and the scope."""
    return await build(db, tr, [scope], week, folder / file_name(week, scope_label(scope)))
