"""The weekly summary of a scope: read and written in the worker process, off the serving one.

The worker reads the figures on its own connection to the database file (WAL lets it read while
the bot writes), with the same queries, and writes the files. The serving process only waits:
a region's queries would otherwise hold its one connection, which every update needs, for
half a second, and turning their rows into figures and handing those over would cost it a
tenth of a second of CPU (measured at scale 0.5 of ``bench/summary.py``).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import workers
from bot.i18n import I18n, Translator
from bot.polls import chart as poll_chart
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


@dataclass(frozen=True, slots=True)
class SummaryJob:
    """What the worker needs to write one summary: plain data and paths, no connection."""

    database: Path
    language: str
    zone: ZoneInfo
    scopes: tuple[Scope, ...]
    week: Week
    workbook: Path


async def build(
    db: Database, tr: Translator, scopes: Iterable[Scope], week: Week, workbook: Path
) -> ReportFiles:
    """Write the summary of ``week`` for the villages of ``scopes``: ``workbook`` and by it."""
    return await workers.run(write_summary, _job(db.path, tr, tuple(scopes), week, workbook))


def _job(
    database: Path, tr: Translator, scopes: tuple[Scope, ...], week: Week, workbook: Path
) -> SummaryJob:
    """The job, its paths absolute: the worker's working folder is not the caller's."""
    return SummaryJob(database.absolute(), tr.language, tr.zone, scopes, week, workbook.absolute())


async def build_for_scope(
    db: Database, tr: Translator, scope: Scope, week: Week, folder: Path
) -> ReportFiles:
    """Write the summary of one scope into ``folder``, named after the week and the scope."""
    return await build(db, tr, [scope], week, folder / file_name(week, scope_label(scope)))


def write_summary(job: SummaryJob) -> ReportFiles:
    """Read the figures and write the files (in the worker process)."""
    figures = asyncio.run(_figures(job))
    tr = _translator(job.language, job.zone)
    return write_report(tr, figures, job.workbook, poll_chart.folder_of(job.database))


async def _figures(job: SummaryJob) -> report_data.ReportData:
    db = Database(job.database, migrations=[])  # reading only: the bot keeps the schema
    await db.open()
    try:
        villages = await villages_of(db, job.scopes)
        return await report_data.load(db, villages, job.week, job.zone)
    finally:
        await db.close()


@functools.cache
def _translator(language: str, zone: ZoneInfo) -> Translator:
    """The worker's translator for ``language`` (catalogs loaded once per worker)."""
    return I18n(language, zone).get(language)
