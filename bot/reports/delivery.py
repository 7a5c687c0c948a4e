"""Scheduled deliveries: the staff digest, the staff chat, the coordinators' weekly summary.

Each run is a "slot": the local date it was due. Every delivery of a slot is claimed in the
database before it is sent (``storage.reports.claim_delivery``), so a catch-up run at start, a
job firing twice or a second worker never sends it again. A run missed while the bot was down
goes out at start when it is still the same local day, and not later.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import callbacks, messaging
from bot.callbacks import Feature
from bot.context import QatysuContext, Services
from bot.i18n import Translator
from bot.logs import who
from bot.messaging import translator_of
from bot.reports import data as report_data
from bot.reports import digest, summary
from bot.reports.cache import SummaryKey, cache_of
from bot.reports.files import ReportFiles
from bot.reports.scope import scope_label
from bot.reports.week import Week
from bot.settings import WEEKDAYS
from bot.territory import scope_name
from storage import reports as repo
from storage import roles as roles_repo
from storage import territory
from storage.db import utcnow
from storage.models import Role, RoleGrant, Scope, ScopeKind, Village

_LOGGER = logging.getLogger(__name__)
FEATURE = Feature.REPORT
CATCH_UP_AFTER = timedelta(seconds=10)
UPCOMING_DAYS = 14
GROUP_INTERVAL = 3.1  # seconds between messages to the staff chat (Telegram: 20 a minute)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Days of the week (0 = Monday) and a local time."""

    days: frozenset[int]
    at: time

    @classmethod
    def parse(cls, text: str) -> Schedule | None:
        """Read a validated setting (``mon 09:00``, ``mon,thu 08:30``, ``daily 18:00``, ``off``)."""
        if text == "off":
            return None
        days, clock = text.split()
        chosen = range(7) if days == "daily" else (WEEKDAYS.index(d) for d in days.split(","))
        hours, minutes = clock.split(":")
        return cls(frozenset(chosen), time(int(hours), int(minutes)))

    @property
    def ptb_days(self) -> tuple[int, ...]:
        """The days as ``JobQueue.run_daily`` counts them (0 = Sunday)."""
        return tuple(sorted((day + 1) % 7 for day in self.days))

    def due_slot(self, now: datetime, zone: ZoneInfo) -> date | None:
        """Today's local date when a run was due today and its time has passed, else None."""
        local = now.astimezone(zone)
        if local.weekday() in self.days and local.time() >= self.at:
            return local.date()
        return None


@dataclass(frozen=True, slots=True)
class RunResult:
    """How many deliveries a run made, and how many it found already made."""

    sent: int = 0
    already: int = 0
    failed: int = 0


def workbook_button(tr: Translator, week: Week) -> InlineKeyboardMarkup:
    """The digest's button that sends the full workbook of the staff member's area."""
    data = callbacks.build(FEATURE, "area", week.token)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.t("report.digest.button"), callback_data=data)]]
    )


def holders(grants: list[RoleGrant], role: Role) -> dict[int, list[Scope]]:
    """The scopes of each holder of ``role``, by Telegram id."""
    found: dict[int, list[Scope]] = defaultdict(list)
    for grant in grants:
        if grant.role is role:
            found[grant.telegram_id].append(grant.scope)
    return found


async def send_digests(services: Services, bot: Bot, now: datetime | None = None) -> RunResult:
    """Send each staff member the digest of their villages for the week that ended, once."""
    now = now or utcnow()
    zone = services.settings.zone
    slot, week = now.astimezone(zone).date(), summary.last_week(now, zone)
    db = services.db
    staff = holders(await roles_repo.all_grants(db), Role.STAFF)
    every = await territory.list_villages(db)
    covered = {tid: [v for v in every if any(s.covers(v) for s in scopes)]
               for tid, scopes in staff.items()}  # fmt: skip
    wanted = {v.code for villages in covered.values() for v in villages}
    chat_id = services.settings.staff_chat_id
    if chat_id is not None and not wanted:  # a staff chat and no staff yet: every village
        wanted = {v.code for v in every}
    union = [v for v in every if v.code in wanted]
    figures = await report_data.load(db, union, week, zone)
    upcoming = await repo.hearings_upcoming(
        db, figures.codes, now, now + timedelta(days=UPCOMING_DAYS)
    )
    sent = already = failed = 0
    for telegram_id, villages in covered.items():
        if not villages:
            continue
        if not await repo.claim_delivery(db, "digest", str(telegram_id), slot, str(week), now):
            already += 1
            continue
        tr = await translator_of(services, telegram_id)
        news = digest.news_by_village(figures, upcoming, [v.code for v in villages])
        messages = digest.render(tr, figures, news)
        ok = True
        for index, text in enumerate(messages):
            last = index == len(messages) - 1
            markup = workbook_button(tr, week) if last else None
            ok = await messaging.send(bot, telegram_id, text, markup)
            if not ok:
                break
        await repo.record_delivery(
            db, "digest", str(telegram_id), slot, "sent" if ok else "failed", utcnow()
        )
        sent, failed = sent + ok, failed + (not ok)
    if chat_id is not None:
        await post_to_staff_chat(services, bot, chat_id, figures, upcoming, slot, now)
    _LOGGER.info("Digests of %s: %d sent, %d failed, %d sent before", week, sent, failed, already)
    return RunResult(sent=sent, already=already, failed=failed)


async def _topic(
    services: Services, bot: Bot, chat_id: int, village: Village, tr: Translator
) -> int | None:
    """The village's forum topic in the staff chat, made the first time it is needed."""
    known = await repo.topic_of(services.db, chat_id, village.code)
    if known is not None:
        return known
    name = tr.t("report.digest.topic", village=village.names.get(tr.language),
                district=village.district_names.get(tr.language))[:128]  # fmt: skip
    topic = await bot.create_forum_topic(chat_id, name)
    await repo.remember_topic(services.db, chat_id, village.code, topic.message_thread_id, utcnow())
    return topic.message_thread_id


async def post_to_staff_chat(
    services: Services, bot: Bot, chat_id: int, figures: report_data.ReportData,
    upcoming: list[repo.HearingLine], slot: date, now: datetime,
) -> int:  # fmt: skip
    """One message per village with news in the staff chat (its own topic in a forum)."""
    tr = services.i18n.get(None)
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramError as error:
        _LOGGER.warning("Staff chat %s is not reachable: %s", chat_id, error.message)
        return 0
    posted = 0
    for news in digest.news_by_village(figures, upcoming):
        if news.quiet:
            continue
        village = news.figures.village
        recipient = f"{chat_id}:{village.code}"
        if not await repo.claim_delivery(
            services.db, "group", recipient, slot, str(figures.week), now
        ):
            continue
        if posted:
            await asyncio.sleep(GROUP_INTERVAL)
        thread_id = await _topic(services, bot, chat_id, village, tr) if chat.is_forum else None
        text = digest.split([digest.title(tr, figures), digest.village_block(tr, news)])[0]
        ok = await messaging.send(bot, chat_id, text, thread_id=thread_id)
        await repo.record_delivery(
            services.db, "group", recipient, slot, "sent" if ok else "failed", utcnow()
        )
        posted += ok
    return posted


async def send_files(
    bot: Bot,
    chat_id: int,
    tr: Translator,
    files: ReportFiles,
    caption: str,
    *,
    charts: bool = True,
    file_ids: dict[str, str] | None = None,
) -> None:
    """Send the workbook, the CSV files in one zip, and the charts as an album.

    ``file_ids`` maps files already sent to Telegram's ids for them: those go by id, without
    another upload, and the ids of those uploaded now are added to it.
    """
    known = file_ids if file_ids is not None else {}

    def source(path: Path) -> str | bytes:
        return known.get(str(path)) or path.read_bytes()

    def keep(path: Path, file_id: str | None) -> None:
        if file_id:
            known[str(path)] = file_id

    sent = await bot.send_document(chat_id, source(files.workbook), filename=files.workbook.name,
                                   caption=caption[:1024])  # fmt: skip
    keep(files.workbook, sent.document.file_id if sent.document else None)
    if not charts:
        return
    sent = await bot.send_document(chat_id, source(files.archive), filename=files.archive.name)
    keep(files.archive, sent.document.file_id if sent.document else None)
    if len(files.charts) == 1:
        sent = await bot.send_photo(chat_id, source(files.charts[0]))
        keep(files.charts[0], sent.photo[-1].file_id if sent.photo else None)
    elif files.charts:
        album = await bot.send_media_group(
            chat_id,
            [InputMediaPhoto(source(path), filename=path.name) for path in files.charts],
        )
        for path, message in zip(files.charts, album, strict=False):
            keep(path, message.photo[-1].file_id if message.photo else None)


async def area_name(services: Services, tr: Translator, scope: Scope) -> str:
    """A scope as a reader names it: "Karaganda Region", or "all regions"."""
    if scope.kind is ScopeKind.ALL:
        return tr.t("report.area.all")
    return await scope_name(services.db, tr, scope)


def summary_key(tr: Translator, scopes: list[Scope], week: Week, label: str) -> SummaryKey:
    """The key of a summary of ``scopes`` for ``week`` in ``tr``'s language."""
    return SummaryKey.of(scopes, week, tr.language, label)


def scope_key(tr: Translator, scope: Scope, week: Week) -> SummaryKey:
    """The key of a coordinator's summary of one scope."""
    return summary_key(tr, [scope], week, scope_label(scope))


def area_key(tr: Translator, scopes: list[Scope], week: Week) -> SummaryKey:
    """The key of the workbook of a staff member's area (the digest's button)."""
    return summary_key(tr, scopes, week, "area")


async def send_summary(
    services: Services,
    bot: Bot,
    chat_id: int,
    tr: Translator,
    key: SummaryKey,
    caption: str,
    *,
    charts: bool = True,
) -> None:
    """Send the summary of ``key``: built once per data version, shared by everyone asking."""
    cache = cache_of(services.db)
    files = await cache.files(services.db, key, tr)
    await send_files(bot, chat_id, tr, files, caption, charts=charts, file_ids=cache.file_ids)


async def deliver_summary(
    services: Services, bot: Bot, chat_id: int, tr: Translator, scope: Scope, week: Week
) -> None:
    """Send one scope's summary of ``week`` to ``chat_id`` (built, or taken from the cache)."""
    area = await area_name(services, tr, scope)
    caption = tr.t("report.summary.caption", week=week.label(tr), area=area)
    await send_summary(services, bot, chat_id, tr, scope_key(tr, scope, week), caption)


async def send_summaries(services: Services, bot: Bot, now: datetime | None = None) -> RunResult:
    """Send each coordinator last week's summary of each of their scopes, once."""
    now = now or utcnow()
    zone = services.settings.zone
    slot, week = now.astimezone(zone).date(), summary.last_week(now, zone)
    sent = already = failed = 0
    coordinators = holders(await roles_repo.all_grants(services.db), Role.COORDINATOR)
    for telegram_id, scopes in coordinators.items():
        for scope in scopes:
            recipient = f"{telegram_id}:{scope_label(scope)}"
            if not await repo.claim_delivery(
                services.db, "summary", recipient, slot, str(week), now
            ):
                already += 1
                continue
            tr = await translator_of(services, telegram_id)
            try:
                await deliver_summary(services, bot, telegram_id, tr, scope, week)
                outcome = "sent"
            except (Forbidden, BadRequest) as error:
                _LOGGER.info("Summary not delivered to %s: %s", who(telegram_id), error.message)
                outcome = "failed"
            await repo.record_delivery(services.db, "summary", recipient, slot, outcome, utcnow())
            sent, failed = sent + (outcome == "sent"), failed + (outcome == "failed")
    _LOGGER.info("Summaries of %s: %d sent, %d failed, %d sent before", week, sent, failed, already)
    return RunResult(sent=sent, already=already, failed=failed)


async def digest_job(context: QatysuContext) -> None:
    """JobQueue callback: the staff digest."""
    await send_digests(context.services, context.bot)


async def summary_job(context: QatysuContext) -> None:
    """JobQueue callback: the coordinators' weekly summary."""
    await send_summaries(context.services, context.bot)


async def catch_up(services: Services, bot: Bot, now: datetime) -> list[RunResult]:
    """Send what was due earlier today and did not go out (the claims stop any repeat)."""
    settings = services.settings
    results = []
    for setting, run in ((settings.digest_schedule, send_digests),
                         (settings.summary_schedule, send_summaries)):  # fmt: skip
        plan = Schedule.parse(setting)
        if plan is not None and plan.due_slot(now, settings.zone) is not None:
            results.append(await run(services, bot, now))
    return results


async def catch_up_job(context: QatysuContext) -> None:
    """JobQueue callback at start: :func:`catch_up`."""
    await catch_up(context.services, context.bot, utcnow())
