"""The composition root: the only place that knows every part of the bot."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, cast

from telegram import LinkPreviewOptions
from telegram.error import InvalidToken
from telegram.ext import Application, Defaults, ExtBot, Job, Updater
from telegram.request import BaseRequest

import handlers
from bot import commands, corrections, heap, jobs, staff_notices, workers
from bot.botapi import TokenWatch, watched_requests
from bot.broadcast import notices
from bot.broadcast.engine import BroadcastEngine
from bot.budget import jobs as budget_jobs
from bot.budget import render as budget_broadcasts
from bot.concurrency import ChatLanes
from bot.context import CONTEXT_TYPES, BotData, QatysuApp, QatysuContext, Services
from bot.hearings import render as hearings
from bot.i18n import I18n
from bot.identity import check_secret, load_identity, secret_source
from bot.logs import use_identity
from bot.meetings import render as meetings
from bot.pacing import Pacer
from bot.persistence import SqlitePersistence
from bot.polls import render as poll_broadcasts
from bot.polls import service as polls
from bot.polls.jobs import JobQueueSchedule
from bot.received import KeepingBot, finisher, requeue
from bot.settings import Settings

_LOGGER = logging.getLogger(__name__)
# A well-formed token for a Bot API that is not Telegram's (the simulator accepts any).
OFFLINE_TOKEN = "7000000001:OFFLINEofflineOFFLINEofflineOFFLINE"


class QatysuApplication(
    Application[ExtBot[dict[str, Any]], QatysuContext, dict[Any, Any], dict[Any, Any], BotData, Any]
):
    """PTB's Application that schedules the timed jobs once its job queue runs.

    PTB has no hook after start: ``post_init`` runs before the start-up calls to Telegram
    (deleteWebhook) and before the job queue starts, and a job due meanwhile would be late.
    """

    async def start(self) -> None:
        """Start (the job queue too), schedule every timed job, give back start-up's memory."""
        await super().start()
        jobs.schedule_all(self)
        heap.release()

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Job[Any] | None = None
    ) -> None:
        """Note nothing when chat and user data are not persisted (:mod:`bot.persistence`).

        PTB adds every chat and user id it sees to two sets that only storing those data
        empties: with nothing stored, they would keep every resident's ids for ever.
        """
        stored = self.persistence.store_data if self.persistence is not None else None
        if stored is not None and (stored.chat_data or stored.user_data):
            super()._mark_for_persistence_update(update=update, job=job)


class QatysuUpdater(Updater):
    """PTB's Updater, whose ``stop`` does not fail when polling ended on a refused token."""

    async def stop(self) -> None:
        """Stop polling (or the webhook server).

        PTB's polling task ends with ``InvalidToken`` ("Aborting retry loop") and ``stop``
        awaits it and raises it again: the application would then skip its own shutdown
        (the broadcast engine, persistence, the database).
        """
        with contextlib.suppress(InvalidToken):
            await super().stop()


async def post_init(app: QatysuApp) -> None:
    """Open the database (migrating it), publish command menus, start the broadcast engine,
    queue the updates received and never handled."""
    services = app.bot_data.services
    assert services is not None
    await services.db.open()
    settings = services.settings
    where = secret_source(settings.identity_secret, settings.database_path)
    await check_secret(services.identity, services.db, where)  # before any key is used
    await commands.publish_all(app.bot, services)
    # Before any update or job can make a broadcast: those a crash left half written go first.
    await services.engine.finish_unwritten()
    services.engine.start()
    staff_notices.start(app)
    # Updates fetched before a crash (or by the active process a standby replaces) and never
    # handled: queued before anything new is fetched.
    await requeue(app)


async def post_stop(app: QatysuApp) -> None:
    """Let the broadcast engine record what it has in flight."""
    if app.bot_data.services is not None:
        await app.bot_data.services.engine.stop()


async def post_shutdown(app: QatysuApp) -> None:
    """Stop the worker process for charts and reports, close the database."""
    await workers.shutdown()
    if app.bot_data.services is not None:
        await app.bot_data.services.db.close()


def build_application(settings: Settings, *, request: BaseRequest | None = None) -> QatysuApp:
    """Build the bot. With ``request``, every Bot API call goes there instead of Telegram."""
    token = (
        OFFLINE_TOKEN if request is not None and settings.bot_token is None else settings.token()
    )
    db = settings.database()
    services = Services(
        settings=settings,
        db=db,
        i18n=I18n(settings.default_language, settings.zone),
        identity=load_identity(settings.identity_secret, settings.database_path),
    )
    use_identity(services.identity)  # log lines name people by their keys
    if request is not None:
        calls: BaseRequest = request
        updates_request: BaseRequest = request
    else:  # Telegram: watched, so that a token revoked while running is noticed
        calls, updates_request = watched_requests(TokenWatch())
    bot = KeepingBot(
        token,
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_base_file_url,
        request=calls,
        get_updates_request=updates_request,
        defaults=Defaults(
            tzinfo=settings.zone, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        rate_limiter=Pacer.from_settings(settings),
        db=db,  # every update fetched is stored before Telegram is told (bot/received.py)
    )
    builder = (
        Application.builder()
        .application_class(QatysuApplication)
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        .persistence(SqlitePersistence(db))
        # Each chat in order; each update's end recorded (bot/received.py).
        .concurrent_updates(ChatLanes(settings.concurrent_updates, finisher(db)))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    # An KeepingBot is an ExtBot: the Application's type names the bot's class, invariantly.
    app = cast(QatysuApp, builder.build())
    app.updater = QatysuUpdater(bot=app.bot, update_queue=app.update_queue)
    app.bot_data.services = services
    services.broadcasts = build_engine(app, services)
    assert app.job_queue is not None  # the job-queue extra is a dependency
    services.poll_schedule = JobQueueSchedule(app.job_queue, settings.poll_reminder)
    services.budget_schedule = budget_jobs.JobQueueSchedule(app.job_queue)
    handlers.register_all(app)
    return app


def build_engine(app: QatysuApp, services: Services) -> BroadcastEngine:
    """The broadcast engine, with a renderer for every kind of broadcast."""
    engine = BroadcastEngine(app.bot, services)
    engine.register(notices.KIND, notices.render)
    for kind, renderer in hearings.renderers(app.bot, services).items():
        engine.register(kind, renderer)
    for kind, renderer in meetings.renderers(app.bot, services).items():
        engine.register(kind, renderer)
    engine.register(polls.ANNOUNCEMENT_KIND, poll_broadcasts.render_announcement)
    engine.register(polls.REMINDER_KIND, poll_broadcasts.render_reminder)
    engine.register(polls.RESULTS_KIND, poll_broadcasts.render_results)
    for kind, renderer in budget_broadcasts.renderers().items():
        engine.register(kind, renderer)
    engine.register(corrections.KIND, corrections.render)  # of a hearing, a poll, a notice
    return engine
