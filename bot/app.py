"""The composition root: the only place that knows every part of the bot."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import LinkPreviewOptions
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

import handlers
from bot import commands, hearings, notices, poll_broadcasts, polls
from bot.broadcast import BroadcastEngine
from bot.concurrency import ChatLanes
from bot.context import CONTEXT_TYPES, QatysuApp, QatysuContext, Services
from bot.i18n import I18n
from bot.pacing import Pacer
from bot.persistence import SqlitePersistence
from bot.settings import Settings
from storage import updates
from storage.db import Database, utcnow

_LOGGER = logging.getLogger(__name__)
# Telegram keeps an unconfirmed update for 24 hours; remember handled ids a little longer.
UPDATE_MEMORY = timedelta(hours=48)
# A well-formed token for a Bot API that is not Telegram's (the simulator accepts any).
OFFLINE_TOKEN = "7000000001:OFFLINEofflineOFFLINEofflineOFFLINE"


async def forget_old_updates(context: QatysuContext) -> None:
    """Drop handled update ids older than Telegram could re-deliver."""
    dropped = await updates.forget_updates_before(context.services.db, utcnow() - UPDATE_MEMORY)
    _LOGGER.info("Forgot %d handled update ids", dropped)


async def post_init(app: QatysuApp) -> None:
    """Open the database (migrating it), publish command menus, schedule housekeeping."""
    services = app.bot_data.services
    assert services is not None
    await services.db.open()
    await commands.publish_all(app.bot, services)
    assert app.job_queue is not None
    app.job_queue.run_repeating(forget_old_updates, interval=timedelta(hours=6), first=60)
    services.engine.start()


async def post_stop(app: QatysuApp) -> None:
    """Let the broadcast engine record what it has in flight."""
    if app.bot_data.services is not None:
        await app.bot_data.services.engine.stop()


async def post_shutdown(app: QatysuApp) -> None:
    """Close the database."""
    if app.bot_data.services is not None:
        await app.bot_data.services.db.close()


def build_application(settings: Settings, *, request: BaseRequest | None = None) -> QatysuApp:
    """Build the bot. With ``request``, every Bot API call goes there instead of Telegram."""
    token = (
        OFFLINE_TOKEN if request is not None and settings.bot_token is None else settings.token()
    )
    db = Database(settings.database_path)
    services = Services(
        settings=settings, db=db, i18n=I18n(settings.default_language, settings.zone)
    )
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_base_file_url)
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                tzinfo=settings.zone, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .persistence(SqlitePersistence(db))
        .concurrent_updates(ChatLanes(settings.concurrent_updates))  # each chat in order
        .rate_limiter(Pacer(settings.broadcast_pace))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app: QatysuApp = builder.build()
    app.bot_data.services = services
    services.broadcasts = build_engine(app, services)
    handlers.register_all(app)
    return app


def build_engine(app: QatysuApp, services: Services) -> BroadcastEngine:
    """The broadcast engine, with a renderer for every kind of broadcast."""
    engine = BroadcastEngine(app.bot, services)
    engine.register(notices.KIND, notices.render)
    for kind, renderer in hearings.renderers(app.bot, services).items():
        engine.register(kind, renderer)
    engine.register(polls.ANNOUNCEMENT_KIND, poll_broadcasts.render_announcement)
    engine.register(polls.REMINDER_KIND, poll_broadcasts.render_reminder)
    engine.register(polls.RESULTS_KIND, poll_broadcasts.render_results)
    return engine
