"""The bot's link to the Bot API: checked before start, watched while running.

A bot that cannot reach the Bot API, or whose token Telegram refuses, must say so in one line
naming the setting to fix and exit non-zero, so that an operator reads it and a supervisor
restarts it. PTB alone retries the first call for a while and ends with a long traceback; and
when the token is revoked while it runs, it stops polling ("Invalid token. Aborting retry
loop.") while the process lives on, silent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus

from telegram import Bot
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest, RequestData

from bot.context import QatysuContext
from bot.settings import Settings
from bot.transport import AiohttpRequest

_LOGGER = logging.getLogger(__name__)
# The check before start waits this long for an answer: a Bot API that does not answer
# within seconds is not one the bot can work with.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


class LinkFailure(Exception):
    """The Bot API cannot be used; ``str()`` is the one line to show, naming the setting."""

    def __init__(self, message: str, *, token_refused: bool) -> None:
        super().__init__(message)
        self.token_refused = token_refused


def _reason(error: TelegramError, settings: Settings) -> str:
    """The error's message, with the token cut out wherever a server echoed it."""
    text = error.message
    if settings.bot_token is not None:
        text = text.replace(settings.bot_token.get_secret_value(), "[BOT_TOKEN]")
    return text


def unreachable(settings: Settings, error: TelegramError) -> LinkFailure:
    """The Bot API did not answer, or not as the Bot API does."""
    return LinkFailure(
        f"cannot use the Bot API at {settings.bot_api_base_url} ({_reason(error, settings)}): "
        "check BOT_API_BASE_URL and the network",
        token_refused=False,
    )


def token_refused(settings: Settings, reason: str) -> LinkFailure:
    """The Bot API refused the token at start."""
    return LinkFailure(
        f"the Bot API at {settings.bot_api_base_url} refused BOT_TOKEN ({reason}): "
        "check BOT_TOKEN (@BotFather shows the bot's token)",
        token_refused=True,
    )


def token_revoked(settings: Settings, reason: str) -> LinkFailure:
    """The Bot API stopped accepting the token while the bot ran."""
    return LinkFailure(
        f"the Bot API stopped accepting BOT_TOKEN while the bot ran ({reason}); the bot "
        "stopped: set the bot's current token (@BotFather) as BOT_TOKEN and start it again",
        token_refused=True,
    )


async def check(settings: Settings) -> None:
    """Ask the Bot API who the bot is (getMe), once; raise :class:`LinkFailure` if it fails.

    This goes around the pacer, which retries a failing call for half a minute.
    """
    watch = TokenWatch()
    request = WatchedRequest(
        AiohttpRequest(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT), watch
    )
    bot = Bot(
        settings.token(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_base_file_url,
        request=request,
        get_updates_request=request,
    )
    try:
        async with bot:  # initialize() calls getMe
            _LOGGER.info("Bot API at %s: this is @%s", settings.bot_api_base_url, bot.username)
    except InvalidToken:  # PTB's message would quote the token: the watch has Telegram's words
        raise token_refused(settings, watch.refused or "Unauthorized") from None
    except TelegramError as error:
        raise unreachable(settings, error) from None


class TokenWatch:
    """Remembers the first time the Bot API refused the token; then calls ``on_refused``."""

    def __init__(self) -> None:
        self.refused: str | None = None  # Telegram's words, once it refused the token
        self.on_refused: Callable[[], None] | None = None

    def refuse(self, method: str, description: str) -> None:
        """Telegram answered 401 or 404: the token is not (or no longer) the bot's."""
        if self.refused is not None:
            return
        self.refused = description
        if self.on_refused is not None:
            _LOGGER.error("The Bot API refused the token in %s (%s): stopping", method, description)
            self.on_refused()


class WatchedRequest(BaseRequest):
    """A request that tells the watch when the Bot API refuses the token.

    It sits under PTB (every call passes here, ``getUpdates`` too, which skips the rate
    limiter), so a revoked token is noticed in polling, in a reply, or in the check job.
    """

    def __init__(self, inner: BaseRequest, watch: TokenWatch) -> None:
        self.inner = inner
        self.watch = watch

    @property
    def read_timeout(self) -> float | None:
        """The inner request's default read timeout."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Open the inner request."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Close the inner request."""
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send; on 401 or 404 to a Bot API method (PTB's ``InvalidToken``) tell the watch."""
        code, payload = await self.inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        # Bot API methods are POSTed; a GET is a file download, whose 404 is not the token's.
        if method == "POST" and code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
            self.watch.refuse(url.rsplit("/", 1)[-1], _description(code, payload))
        return code, payload


def _description(code: int, payload: bytes) -> str:
    """Telegram's words for an error answer (or the HTTP status when there are none)."""
    try:
        description = json.loads(payload).get("description")
    except (ValueError, AttributeError):
        description = None
    return str(description) if description else HTTPStatus(code).phrase


def watched_requests(watch: TokenWatch) -> tuple[WatchedRequest, WatchedRequest]:
    """The requests to Telegram (for calls, for getUpdates), on aiohttp, watched.

    Sized as PTB sizes its own: getUpdates is one long poll at a time.
    """
    return (
        WatchedRequest(AiohttpRequest(connection_pool_size=256), watch),
        WatchedRequest(AiohttpRequest(connection_pool_size=1), watch),
    )


class QuietInvalidToken(logging.Filter):
    """Drop the traceback PTB logs with "Invalid token. Aborting retry loop."

    The watch has said it in one line, and the process ends with one more naming BOT_TOKEN.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record's message, without the traceback of an ``InvalidToken``."""
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None
            record.exc_text = None
        return True


async def token_check_job(context: QatysuContext) -> None:
    """Ask getMe, so that a revoked token is noticed even when no update arrives (webhook)."""
    try:
        await context.bot.get_me()
    except InvalidToken:
        pass  # the watch has seen it and stops the bot
    except TelegramError as error:
        _LOGGER.warning("Token check: the Bot API did not answer (%s)", error.message)
