"""The bot's HTTP transport to the Bot API: python-telegram-bot's request interface on aiohttp.

PTB's default transport (httpx on httpcore and anyio) spent about half of the bot's CPU in the
shipped process (``bench/serve.py``: py-spy), and more the more requests are in flight, since
httpcore looks at every pooled connection on each request. aiohttp keeps its pool per host and
parses HTTP in C. Everything PTB sends goes through here: form-encoded parameters, multipart
uploads of ``InputFile``, file downloads (GET), long polls of ``getUpdates``. Failures become
PTB's own errors, so that its retries, the pacer and the token watch see what they expect:
a timeout is :class:`~telegram.error.TimedOut`, any other failure to talk to the server is
:class:`~telegram.error.NetworkError`.

It connects directly: proxy variables of the environment are not read (httpx read them).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_LOGGER = logging.getLogger(__name__)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Idle connections are closed after this long: Telegram's servers keep them about a minute.
KEEPALIVE_SECONDS = 30.0


@lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, write: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for PTB's four.

    aiohttp has no write timeout: a request is bounded as a whole instead, by the sum of the
    four (an upload that stalls fails then), as long as none of them is unbounded.
    """
    phases = (connect, read, write, pool)
    total = None if None in phases else sum(p for p in phases if p is not None)
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)


class AiohttpRequest(BaseRequest):
    """PTB's :class:`~telegram.request.BaseRequest` on one aiohttp session.

    The defaults are PTB's (5 s to connect, read and write, 1 s to wait for a pooled
    connection, 20 s to write an upload). ``connection_pool_size`` bounds the connections
    open at once; a request beyond it waits up to the pool timeout for one.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be a positive integer")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds a long poll's own timeout to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none; skip the bookkeeping
            timeout=_timeout(
                self._connect_timeout, self._read_timeout, self._write_timeout, self._pool_timeout
            ),
        )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is None or self._session.closed:
            return
        await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return the HTTP status and the body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if uploads else self._write_timeout
        timeout = _timeout(
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout,
            write_timeout,
            self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        body, headers = _body(request_data)
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _body(
    request_data: RequestData | None,
) -> tuple[bytes | aiohttp.FormData | None, dict[str, str] | None]:
    """The request body as PTB's default sends it: form fields, multipart when files go too."""
    if request_data is None:
        return None, None
    fields = request_data.json_parameters  # strings as they are, anything else as JSON
    if not request_data.contains_files:
        if not fields:
            return None, None
        return urlencode(fields).encode("ascii"), FORM
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
