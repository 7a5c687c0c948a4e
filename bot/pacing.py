"""Pacing of requests to Telegram, hooked into PTB's rate-limiter seam.

Every request passes here, so the pacer knows when each chat last got a message. Broadcast
requests (``rate_limit_args={"broadcast": True}``) are spaced to the overall broadcast rate and
wait until their chat has had a quiet second; replies to people pass at once, since a person
expects an answer and Telegram tolerates short bursts. PTB's ``AIORateLimiter`` does neither:
it paces every reply and does not know Telegram's one message per second per chat.

A reply that meets a passing trouble (429, a 5xx, a reset, a timeout) is tried again, obeying
``retry_after`` and backing off, for up to half a minute before its handler sees the error:
otherwise a few seconds of trouble at Telegram would swallow the answers to a dialog's steps.
Broadcast requests are not retried here; the broadcast engine does that with its outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

_LOGGER = logging.getLogger(__name__)
PER_CHAT_INTERVAL = 1.0
_FORGET_AFTER = 5.0
REPLY_TRIES = 6
REPLY_PATIENCE = 30.0  # seconds a reply keeps trying through passing trouble
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 4.0

Result = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(error: RetryAfter) -> float:
    """Seconds a 429 answer asks to wait (PTB gives an int or a timedelta)."""
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retries(call: Callable[[], Coroutine[Any, Any, Result]], endpoint: str) -> Result:
    """Run ``call``; on a 429 or a network trouble wait and try again, within bounds."""
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + REPLY_PATIENCE
    backoff = FIRST_BACKOFF
    for attempt in range(1, REPLY_TRIES + 1):
        try:
            return await call()
        except BadRequest:
            raise  # the request itself is wrong: trying again changes nothing
        except (RetryAfter, NetworkError) as error:
            if isinstance(error, RetryAfter):
                wait = retry_seconds(error)
            else:
                wait, backoff = backoff, min(MAX_BACKOFF, backoff * 2)
            if attempt == REPLY_TRIES or loop.time() + wait > give_up_at:
                raise
            _LOGGER.warning("%s failed (%s); trying again in %.1fs", endpoint, error, wait)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


class Pacer(BaseRateLimiter[dict[str, Any]]):
    """Spaces broadcast requests: ``rate`` per second overall, one per second per chat."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        # Evenly spaced slots prevent bursts; the window below holds even when the event loop
        # stalls and wakes several senders at once: never more than this in any one second.
        self.per_second = max(1, int(rate)) if rate else 0
        self._next_slot = 0.0
        self._slot_lock = asyncio.Lock()
        self._recent: deque[float] = deque()
        self._last_sent: dict[int, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _chat_wait(self, chat_id: int) -> float:
        last = self._last_sent.get(chat_id)
        if last is None:
            return 0.0
        return max(0.0, last + PER_CHAT_INTERVAL - asyncio.get_running_loop().time())

    async def _wait_for_slot(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        async with self._slot_lock:
            now = loop.time()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        while True:  # the sliding window, checked and taken with no await in between
            now = loop.time()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) < self.per_second:
                self._recent.append(now)
                return
            await asyncio.sleep(self._recent[0] + 1.0 - now)

    def _remember(self, chat_id: int) -> None:
        now = asyncio.get_running_loop().time()
        self._last_sent[chat_id] = now
        if len(self._last_sent) > 10_000:
            self._last_sent = {c: t for c, t in self._last_sent.items() if now - t < _FORGET_AFTER}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        """Wait as the pacing requires, then send (a reply: with retries)."""
        chat_id = data.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        broadcast = bool(rate_limit_args and rate_limit_args.get("broadcast"))
        if broadcast:
            await self._wait_for_slot()
            # A reply to this person may have gone out meanwhile: never two in one second.
            while chat is not None and (wait := self._chat_wait(chat)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)  # until a known moment, not until an event
        if chat is not None and endpoint != "sendChatAction":
            self._remember(chat)
        if broadcast:
            return await callback(*args, **kwargs)
        return await with_retries(lambda: callback(*args, **kwargs), endpoint)
