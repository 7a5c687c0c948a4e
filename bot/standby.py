"""Active and standby: of several ``qatysu run`` processes on one PostgreSQL, one acts.

Before it builds the bot, a process takes the database's lead (storage.pg.Leadership); while
another holds it, this one waits (in webhook mode it answers ``GET /healthz`` with 503
``standby``, so that a load balancer sends Telegram's requests to the active one). Once it
has the lead it starts as after a restart: broadcasts resume from the outbox, scheduled work
from the database, and updates Telegram redelivers are claimed once (processed_updates).

The lead is checked every LEAD_CHECK_SECONDS on its own connection, from a thread of its own
(the bot's event loop may be busy). A process that loses it (its connection to the database
gone) exits at once, with EXIT_LOST_LEAD: a standby may already act, and two acting at once
would send twice. Its supervisor starts it again, as a standby.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    # Loaded on PostgreSQL only (asyncpg, aiohttp's server: 4 MB an SQLite bot never needs).
    from aiohttp import web

_LOGGER = logging.getLogger(__name__)
LEAD_CHECK_SECONDS = 1.0  # how often the active process checks its lock, a standby tries it
EXIT_LOST_LEAD = 75  # the lead was lost: start again (as a standby)


class Lead:
    """This process's lead, taken and held from a thread of its own."""

    def __init__(self, settings: Settings, url: str, schema: str | None = None) -> None:
        from storage.pg import Leadership

        self.settings = settings
        self.leadership = Leadership(url, schema)
        self.role = "standby"
        self.taken = threading.Event()
        self.on_lost: Callable[[], None] = lambda: os._exit(EXIT_LOST_LEAD)
        self._thread = threading.Thread(target=self._run, name="lead", daemon=True)

    def take(self) -> None:
        """Wait (as a standby) until this process has the lead; then keep checking it."""
        self._thread.start()
        while not self.taken.wait(timeout=1.0):  # in steps: Ctrl-C still stops a standby
            pass

    def _run(self) -> None:
        asyncio.run(self._lead())

    async def _lead(self) -> None:
        health = await self._standby_health()
        try:
            _LOGGER.info("Standby: waiting for the lead on the database")
            await self._poll(self.leadership.try_take, until=True)
        finally:
            if health is not None:
                await health.cleanup()  # the bot's webhook takes the port
        self.role = "active"
        _LOGGER.info("Active: this process has the lead")
        self.taken.set()
        await self._poll(self._held, until=False)
        _LOGGER.critical("Lost the lead (the database connection is gone): stopping at once")
        self.on_lost()

    async def _held(self) -> bool:
        return await self.leadership.still_held(within=3 * LEAD_CHECK_SECONDS)

    @staticmethod
    async def _poll(check: Callable[[], Awaitable[bool]], *, until: bool) -> None:
        """Check every LEAD_CHECK_SECONDS until ``check`` gives ``until``."""
        while True:
            if await check() == until:
                return
            await asyncio.sleep(LEAD_CHECK_SECONDS)

    async def _standby_health(self) -> web.AppRunner | None:
        """In webhook mode, ``/healthz`` answers 503 ``standby`` (and updates 503) meanwhile."""
        if not self.settings.webhook_url:
            return None
        from aiohttp import web

        async def standby(request: web.Request) -> web.Response:
            return web.Response(status=503, text="standby")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", standby)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(
                runner, self.settings.webhook_listen, self.settings.webhook_port
            ).start()
        except OSError as error:  # the port is another process's: no health answer, still wait
            _LOGGER.warning("Standby: cannot answer /healthz: %s", error)
            await runner.cleanup()
            return None
        return runner


def take_lead(settings: Settings) -> Lead | None:
    """On PostgreSQL, return once this process is the active one; None on SQLite (one process)."""
    database = settings.database()
    server = database.server
    if server is None:
        return None
    lead = Lead(settings, *server)
    lead.take()
    return lead
