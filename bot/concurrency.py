"""Updates of different chats handled at once; those of one chat one by one, in arrival order.

PTB's default handles one update at a time, so every Bot API round trip (tens of milliseconds
to Telegram) stalls everyone. ``concurrent_updates(True)`` would instead run a person's double
tap twice at once: a ConversationHandler reads the state when an update arrives and writes it
when the update is done, so both taps would act on the same step. Here every chat has a lane:
an update waits until the one before it in its lane is done, then for one of ``limit`` running
slots. A chat with a backlog (a flood, a double tap) holds at most one slot, never the others'.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Each update waits for a few Bot API round trips (tens of milliseconds each) and spends a few
# milliseconds of CPU: a few dozen in flight keep a core busy. In a burst of 1,000 taps
# (bench/serve.py) 16 at once gave half the throughput of 32, and 64 or 128 no more than 32.
DEFAULT_LIMIT = 32
# PTB's own bound (the base class's) counts updates admitted: waiting in their lane or running.
# Its queue is first come, first served, so a lane's first update is always admitted before the
# ones behind it; the bound only keeps a burst of thousands from all waiting here at once.
BACKLOG_PER_SLOT = 16

LaneKey = int | None
Finished = Callable[[object], Awaitable[None]]


def lane_of(update: object) -> LaneKey:
    """The chat of an update, else its user; None (one shared lane) when it has neither."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatLanes(BaseUpdateProcessor):
    """Runs up to ``limit`` updates at once, never two of the same chat, each chat in order.

    ``finished`` is awaited after each update's handling has ended (not when it was cancelled),
    before the chat's next update starts.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, finished: Finished | None = None) -> None:
        if limit < 1:
            raise ValueError("limit must be a positive integer")
        super().__init__(max(2, limit * BACKLOG_PER_SLOT))
        self.limit = limit
        self.finished = finished
        self._running = asyncio.Semaphore(limit)
        # The last update admitted to each lane: set once it is done. Kept only while busy.
        self._tails: dict[LaneKey, asyncio.Event] = {}

    @property
    def busy_lanes(self) -> int:
        """Chats with an update running or waiting."""
        return len(self._tails)

    def busy(self, key: LaneKey) -> bool:
        """Whether an update of this chat is running or waiting."""
        return key in self._tails

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update and for a free slot, then handle this one."""
        key = lane_of(update)
        before = self._tails.get(key)
        done = self._tails[key] = asyncio.Event()
        started = False
        try:
            if before is not None:
                await before.wait()
            async with self._running:
                started = True
                await coroutine
                if self.finished is not None:
                    await self.finished(update)
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting (shutdown): it never ran
            done.set()
            if self._tails.get(key) is done:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB waits for the updates in hand before it shuts down."""
