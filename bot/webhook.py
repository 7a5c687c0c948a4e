"""The webhook server: updates Telegram POSTs, taken only with the secret and within a size.

PTB's own webhook server (tornado) reads a whole request body before it checks the secret
header, compares the secret with ``!=`` and takes any size: anyone who reaches the port could
pose as any user, or grow the process by hundreds of megabytes with a few large requests.
This one (aiohttp, as PTB's custom-webhook example) checks the secret in constant time, then
the declared size, before it reads a byte of the body; it stores each update (bot/received.py),
puts it on the application's update queue, and answers 200 only then. ``GET /healthz`` answers
``ok`` for a load balancer or a supervisor (``active`` on PostgreSQL, where a standby process
answers 503 ``standby``: bot/standby.py).

It replaces the Updater's ``start_webhook``, so that ``Application.run_webhook`` still runs the
application's whole life in PTB's order (initialize, post_init, start, ... stop, post_stop,
shutdown, post_shutdown), with its signal handling and ``stop_running``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from socket import socket
from typing import Any

from aiohttp import web
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_80, DEFAULT_IP, DefaultValue
from telegram._utils.types import DVType
from telegram.error import NetworkError

from bot.app import QatysuUpdater
from bot.received import KeepingBot
from storage.received import Received

_LOGGER = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


class WebhookUpdater(QatysuUpdater):
    """An Updater whose webhook is served by :func:`webhook_app` instead of tornado."""

    def __init__(self, *args: Any, max_body: int, health: str = "ok", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_body = max_body
        self.health = health  # ``active`` on PostgreSQL (a standby answers 503 ``standby``)
        self._runner: web.AppRunner | None = None

    async def start_webhook(
        self,
        listen: DVType[str] = DEFAULT_IP,
        port: DVType[int] = DEFAULT_80,
        url_path: str = "",
        cert: str | Path | None = None,
        key: str | Path | None = None,
        bootstrap_retries: int = 0,
        webhook_url: str | None = None,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: str | Path | socket | None = None,
    ) -> asyncio.Queue[object]:
        """Listen on ``listen:port``, then tell Telegram the URL, secret and update types."""
        if self.running:
            raise RuntimeError("This Updater is already running!")
        if not secret_token or not webhook_url or cert or key or unix:
            raise RuntimeError("the webhook needs a URL and a secret, and no TLS or unix socket")
        path = "/" + url_path.lstrip("/")
        app = webhook_app(
            path, secret_token, self.update_queue, self.bot, self.max_body, health=self.health
        )
        runner = web.AppRunner(app, access_log=None)  # no addresses of callers in the log
        await runner.setup()
        try:
            site = web.TCPSite(runner, DefaultValue.get_value(listen), DefaultValue.get_value(port))
            await site.start()
            self._running = True  # PTB's flag: Application.run_webhook stops what runs
            self._runner = runner
            await self._bootstrap(
                max_retries=bootstrap_retries,
                webhook_url=webhook_url,
                allowed_updates=allowed_updates,
                drop_pending_updates=drop_pending_updates,
                ip_address=ip_address,
                max_connections=max_connections,
                secret_token=secret_token,
            )
        except BaseException:
            self._running = False
            self._runner = None
            await runner.cleanup()
            raise
        _LOGGER.info("Webhook: listening on %s:%s", DefaultValue.get_value(listen), port)
        return self.update_queue

    async def stop(self) -> None:
        """Stop taking requests (those in progress finish), then stop as PTB's Updater."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        await super().stop()


def webhook_app(
    path: str,
    secret: str,
    queue: asyncio.Queue[object],
    bot: Any,
    max_body: int,
    *,
    health: str = "ok",
) -> web.Application:
    """The aiohttp application: ``POST path`` for updates, ``GET /healthz``."""
    expected = secret.encode()

    async def take_update(request: web.Request) -> web.Response:
        """Queue one update; refuse a wrong secret (403) or a body over the limit (413)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return _refuse(HTTPStatus.FORBIDDEN)
        length = request.content_length
        if length is None and request.body_exists and "chunked" not in _encoding(request):
            return _refuse(HTTPStatus.LENGTH_REQUIRED)
        if length is not None and length > max_body:
            return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:  # a chunked body is cut off at client_max_size (413) while it is read
            body = await request.read()
            update = Update.de_json(json.loads(body), bot)
        except web.HTTPRequestEntityTooLarge:
            return _refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        except (ValueError, TypeError, KeyError, AttributeError):
            return _refuse(HTTPStatus.BAD_REQUEST)
        if isinstance(bot, KeepingBot):  # stored before the 200 that confirms it
            try:
                await bot.keep([Received(update.update_id, body.decode())])
            except NetworkError:
                _LOGGER.exception("Webhook: could not store an update; Telegram sends it again")
                return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
        await queue.put(update)
        return web.Response(status=HTTPStatus.OK)

    async def healthy(request: web.Request) -> web.Response:
        """Answer ok (``active`` on PostgreSQL) while the server runs."""
        return web.Response(text=health)

    app = web.Application(client_max_size=max_body)
    app.router.add_post(path, take_update)
    app.router.add_get(HEALTH_PATH, healthy)
    return app


def _encoding(request: web.Request) -> str:
    return request.headers.get("Transfer-Encoding", "").lower()


def _refuse(status: HTTPStatus) -> web.Response:
    """An empty answer; the connection is closed, so an unread body is not read on."""
    response = web.Response(status=status)
    response.force_close()
    return response
