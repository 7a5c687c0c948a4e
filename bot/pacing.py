"""Pacing of requests to Telegram, hooked into PTB's rate-limiter seam: one budget for all sends.

Every request passes here. Those that put a message in a chat (``send*`` but chat actions,
``copy*``, ``forward*``) share Telegram's limits, mirrored so that Telegram never has to refuse:

* **overall**: at most ``overall`` (30) in any second, replies, staff notices and broadcasts
  together. The window is stretched by ``margin`` so that requests reaching Telegram a little
  early or late (event-loop lag, the network) still fit its one second.
* **per chat**: a token bucket of ``chat_burst`` (3) refilled at ``chat_rate`` (1) per second:
  a person may get a short burst, then one message a second.

Two priorities. A *reply* (any request without ``rate_limit_args``) goes first: it waits only
when its chat's bucket is empty (for the next token, about a second at most) or when replies
alone fill the second. *Low-priority* requests (``rate_limit_args={"broadcast": True}``: the
broadcast engine and the staff-notice outbox) leave ``reserve`` slots of every second to replies,
go one after another no faster than ``rate``, never take a slot or a chat's token a waiting reply
could use, and so shrink while replies flow. A paid broadcast (``allow_paid_broadcast``) is
outside Telegram's 30 per second and is only spaced to ``rate``; its chats' buckets still count.

Edits, answers to taps and chat actions are neither counted nor held back: Telegram's limits are
on messages sent (TELEGRAM.md), and holding back the answer to a person's own tap would only make
the bot slower for them.

A reply that meets a passing trouble (429, a 5xx, a reset, a timeout) is tried again, obeying
``retry_after`` and backing off, for up to half a minute before its handler sees the error:
otherwise a few seconds of trouble at Telegram would swallow the answers to a dialog's steps.
Low-priority requests are not retried here; their senders keep an outbox and retry from it.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

if TYPE_CHECKING:
    from bot.settings import Settings

_LOGGER = logging.getLogger(__name__)
REPLY_TRIES = 6
REPLY_PATIENCE = 30.0  # seconds a reply keeps trying through passing trouble
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 4.0
OVERALL = 30  # messages per second, all chats together (Telegram's free tier)
CHAT_BURST = 3  # messages one chat may get at once...
CHAT_RATE = 1.0  # ...and then per second
RESERVE = 2  # slots of every second low-priority requests leave to replies
MARGIN = 0.05  # seconds of slack for requests reaching Telegram early or late
_TICK = 0.02  # how often a low-priority request looks again while replies go first
_FORGET_CHATS = 10_000  # chats remembered before full buckets are forgotten
# Methods that put a message in a chat (sendChatAction only shows "typing…").
_COUNTED_PREFIXES = ("send", "copyMessage", "forwardMessage")

Result = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(error: RetryAfter) -> float:
    """Seconds a 429 answer asks to wait (PTB gives an int or a timedelta)."""
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_counted(endpoint: str) -> bool:
    """Whether a Bot API method sends a message, and so counts against the limits."""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint != "sendChatAction"


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


@dataclass(slots=True)
class _Chat:
    """One chat's token bucket as a theoretical arrival time (GCRA), and its waiting replies."""

    due: float = float("-inf")  # when the bucket would be full again
    replies: list[int] = field(default_factory=list)  # tickets of waiting replies, in order


class Pacer(BaseRateLimiter[dict[str, Any]]):
    """Telegram's limits for every send; replies first, broadcasts and notices in what is left.

    ``rate`` is the low-priority pace (messages per second; None: only the limits).
    """

    def __init__(
        self,
        rate: float | None,
        *,
        overall: int = OVERALL,
        chat_burst: int = CHAT_BURST,
        chat_rate: float = CHAT_RATE,
        reserve: int = RESERVE,
        margin: float = MARGIN,
    ) -> None:
        if overall < 1 or chat_burst < 1 or chat_rate <= 0 or not 0 <= reserve < overall:
            raise ValueError("limits must be positive and reserve below overall")
        self.overall = overall
        self.window = 1.0 + margin
        self.chat_interval = 1.0 / chat_rate
        # A bucket refilled faster than Telegram's (a test's sped-up clock) scales the slack too.
        self.chat_margin = margin * min(1.0, self.chat_interval)
        self.chat_slack = (chat_burst - 1) * self.chat_interval  # GCRA's burst tolerance
        self.low_limit = overall - reserve
        free = self.window / self.low_limit
        self.low_interval = max(free, 1.0 / rate) if rate else free
        self.paid_interval = 1.0 / rate if rate else 0.0
        self._sent: list[float] = []  # sends of the last window: let through, or answered
        self._chats: dict[int, _Chat] = {}
        self._replies_ready = 0  # replies whose chat is ready, waiting for an overall slot
        self._tickets = count()  # replies to one chat go in the order they came
        self._low_lock = asyncio.Lock()
        self._next_low = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Pacer:
        """The pacer of the configured broadcast pace and per-chat limit."""
        return cls(
            settings.broadcast_pace,
            overall=settings.sends_per_second,
            chat_burst=settings.chat_burst,
            chat_rate=settings.chat_rate,
            reserve=min(RESERVE, settings.sends_per_second - 1),
        )

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    # --- the limits, read and taken with no await in between --------------------------------
    def _overall_wait(self, now: float, limit: int) -> float:
        """Seconds until fewer than ``limit`` sends lie in the window."""
        gone = bisect.bisect_right(self._sent, now - self.window)
        del self._sent[:gone]
        excess = len(self._sent) - limit
        return 0.0 if excess < 0 else self._sent[excess] + self.window - now

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        """Seconds until the chat's bucket holds a token (with the margin)."""
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            return 0.0
        return max(0.0, chat.due - self.chat_slack + self.chat_margin - now)

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= _FORGET_CHATS:
                self._forget_full_buckets()
            chat = self._chats[chat_id] = _Chat()
        return chat

    def _forget_full_buckets(self) -> None:
        now = asyncio.get_running_loop().time()
        self._chats = {
            key: chat for key, chat in self._chats.items() if chat.replies or chat.due > now
        }

    def _take(self, chat_id: int | None, now: float, *, paid: bool = False) -> float:
        if not paid:
            bisect.insort(self._sent, now)
        if chat_id is not None:
            chat = self._chat(chat_id)
            chat.due = max(chat.due, now) + self.chat_interval
        return now

    def _settle(self, chat_id: int | None, taken: float, *, paid: bool) -> None:
        """Count a send from when its answer came rather than when it was let through.

        Telegram counts a request when it arrives, some time in between: a pause of the process
        (or the network) there must not let the next send in early.
        """
        now = asyncio.get_running_loop().time()
        if not paid:
            index = bisect.bisect_left(self._sent, taken)
            if index < len(self._sent) and self._sent[index] == taken:
                del self._sent[index]
            bisect.insort(self._sent, now)
        if chat_id is not None:
            chat = self._chat(chat_id)
            chat.due = max(chat.due, now + self.chat_interval)

    # --- the two priorities ---------------------------------------------------------------
    async def _admit_reply(self, chat_id: int | None) -> float:
        """Wait for the chat's next token and an overall slot; nothing low goes in between."""
        loop = asyncio.get_running_loop()
        ticket = next(self._tickets)
        if chat_id is not None:
            self._chat(chat_id).replies.append(ticket)  # a chat with replies is not forgotten
        try:
            while True:
                now = loop.time()
                wait = self._chat_wait(chat_id, now)
                if chat_id is not None and self._chat(chat_id).replies[0] != ticket:
                    wait = max(wait, _TICK)  # an earlier reply to this chat goes first
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                if (wait := self._overall_wait(now, self.overall)) <= 0:
                    return self._take(chat_id, now)
                self._replies_ready += 1
                try:
                    await asyncio.sleep(wait)
                finally:
                    self._replies_ready -= 1
        finally:
            if chat_id is not None:
                self._chat(chat_id).replies.remove(ticket)

    def _low_wait(self, chat_id: int | None, now: float, paid: bool) -> tuple[float, bool]:
        """Seconds a low-priority send must still wait, and whether its chat is the reason."""
        chat_wait = self._chat_wait(chat_id, now)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.replies:
            chat_wait = max(chat_wait, _TICK)
        if chat_wait > 0:
            return chat_wait, True
        wait = self._next_low - now
        if not paid:
            wait = max(wait, self._overall_wait(now, self.low_limit))
            if self._replies_ready:
                wait = max(wait, _TICK)
        return wait, False

    async def _admit_low(self, chat_id: int | None, paid: bool) -> float:
        """Wait for the chat's token (outside the queue), then for a low slot (in the queue)."""
        loop = asyncio.get_running_loop()
        while True:
            wait, for_chat = self._low_wait(chat_id, loop.time(), paid)
            if for_chat:
                await asyncio.sleep(wait)  # a known moment, or replies to this chat go first
                continue
            async with self._low_lock:  # low-priority sends go one after another
                while True:
                    now = loop.time()
                    wait, for_chat = self._low_wait(chat_id, now, paid)
                    if for_chat:
                        break  # a reply took the chat's token meanwhile: wait outside the queue
                    if wait <= 0:
                        interval = self.paid_interval if paid else self.low_interval
                        self._next_low = now + interval
                        return self._take(chat_id, now, paid=paid)
                    await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        """Wait as the limits require, then send (a reply: with retries)."""
        raw_chat = data.get("chat_id")
        chat = raw_chat if isinstance(raw_chat, int) else None
        low = bool(rate_limit_args and rate_limit_args.get("broadcast"))
        counted = is_counted(endpoint)

        paid = low and bool(data.get("allow_paid_broadcast"))

        async def send() -> Result:
            if not counted:
                return await callback(*args, **kwargs)
            taken = await (self._admit_low(chat, paid) if low else self._admit_reply(chat))
            try:
                return await callback(*args, **kwargs)
            finally:
                self._settle(chat, taken, paid=paid)

        if low:
            return await send()
        return await with_retries(send, endpoint)
