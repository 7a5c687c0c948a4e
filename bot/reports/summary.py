"""The summary of a scope for a period: read and written in the worker process, off the serving one.

The worker reads the figures on its own connection to the database file (WAL lets it read while
the bot writes), with the same queries, and writes the files. The serving process only waits:
a region's queries would otherwise hold its one connection, which every update needs, for
half a second, and turning their rows into figures and handing those over would cost it a
tenth of a second of CPU (measured at scale 0.5 of ``bench/summary.py``). The command line,
which serves nobody meanwhile, writes in its own process (:func:`write_summary`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import workers
from bot.i18n import I18n, Translator
from bot.polls import chart as poll_chart
from bot.reports import data as report_data
from bot.reports.files import CSV_DELIMITER, ReportFiles, write_report
from bot.reports.period import TREND, Period, PeriodKind, last_ended
from bot.reports.scope import scope_label, villages_of
from storage.db import Database, utcnow
from storage.models import Scope


def last_week(now: datetime, zone: ZoneInfo) -> Period:
    """The latest week that has ended."""
    return last_ended(PeriodKind.WEEK, now, zone)


def file_name(period: Period, label: str) -> str:
    """``qatysu-2026-W48-krg.xlsx``, ``qatysu-2026-Q4-krg.xlsx``."""
    return f"qatysu-{period.slug}-{label}.xlsx"


@dataclass(frozen=True, slots=True)
class SummaryJob:
    """What the worker needs to write one summary: plain data and paths, no connection."""

    database: Path
    language: str
    zone: ZoneInfo
    scopes: tuple[Scope, ...]
    period: Period
    workbook: Path
    csv_delimiter: str = CSV_DELIMITER
    generated: datetime | None = None
    # PostgreSQL's URL and schema (storage/pg.py), when the database is there, not at ``database``.
    server: tuple[str, str | None] | None = None


async def build(
    db: Database, tr: Translator, scopes: Iterable[Scope], period: Period, workbook: Path, *,
    csv_delimiter: str = CSV_DELIMITER,
) -> ReportFiles:  # fmt: skip
    """Write the summary of ``period`` for the villages of ``scopes``: ``workbook`` and by it."""
    job = _job(db.path, tr, tuple(scopes), period, workbook, csv_delimiter)
    return await workers.run(write_summary, dataclasses.replace(job, server=db.server))


def _job(
    database: Path, tr: Translator, scopes: tuple[Scope, ...], period: Period, workbook: Path,
    csv_delimiter: str = CSV_DELIMITER,
) -> SummaryJob:  # fmt: skip
    """The job, its paths absolute: the worker's working folder is not the caller's."""
    return SummaryJob(database.absolute(), tr.language, tr.zone, scopes, period,
                      workbook.absolute(), csv_delimiter, utcnow())  # fmt: skip


async def build_here(
    db: Database, tr: Translator, scopes: Iterable[Scope], period: Period, workbook: Path, *,
    csv_delimiter: str = CSV_DELIMITER,
) -> ReportFiles:  # fmt: skip
    """As :func:`build`, in this process (a thread of it): for the command line, which serves
    nobody meanwhile and need not start a worker process."""
    job = _job(db.path, tr, tuple(scopes), period, workbook, csv_delimiter)
    return await asyncio.to_thread(write_summary, dataclasses.replace(job, server=db.server))


async def build_for_scope(
    db: Database, tr: Translator, scope: Scope, period: Period, folder: Path
) -> ReportFiles:
    """Write the summary of one scope into ``folder``, named after the period and the scope."""
    return await build(db, tr, [scope], period, folder / file_name(period, scope_label(scope)))


def write_summary(job: SummaryJob) -> ReportFiles:
    """Read the figures and write the files (in the worker process, or the command line's)."""
    # The drawing and spreadsheet libraries load while the queries run (SQLite lets go of the
    # GIL): on two cores that hides most of a second of imports.
    loading = threading.Thread(target=_import_heavy, daemon=True)
    loading.start()
    figures = _run(_figures(job))
    loading.join()
    tr = _translator(job.language, job.zone)
    return write_report(tr, figures, job.workbook, poll_chart.folder_of(job.database),
                        csv_delimiter=job.csv_delimiter)  # fmt: skip


def _run(figures: Coroutine[Any, Any, report_data.ReportData]) -> report_data.ReportData:
    """Run the queries on an event loop of their own, without ``asyncio.run``: in a process's
    main thread (the worker's) that hooks SIGINT, and unhooking it makes Python's enum module
    describe the old handler, the finished task and so all the figures in its repr (0.4 to
    0.7 s of a quarter's summary at scale 1)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(figures)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _import_heavy() -> None:
    import matplotlib.backends.backend_agg  # noqa: F401
    import openpyxl  # noqa: F401


def _reading(job: SummaryJob) -> Database:
    if job.server is None:
        return Database(job.database, migrations=[])
    from storage.pg import PgDatabase

    url, schema = job.server
    return PgDatabase(url, path=job.database, schema=schema, migrations=[])


async def _figures(job: SummaryJob) -> report_data.ReportData:
    # Reading only: the bot keeps the schema. Two connections, two queries at a time.
    db, spare = (_reading(job) for _ in range(2))
    await db.open()
    await spare.open()
    try:
        villages = await villages_of(db, job.scopes)
        figures = await report_data.load(
            db, villages, job.period, job.zone, trend=TREND, spare=spare
        )
    finally:
        await spare.close()
        await db.close()
    return dataclasses.replace(figures, scopes=job.scopes, generated=job.generated)


@functools.cache
def _translator(language: str, zone: ZoneInfo) -> Translator:
    """The worker's translator for ``language`` (catalogs loaded once per worker)."""
    return I18n(language, zone).get(language)
