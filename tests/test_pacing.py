"""The pacer: Telegram's limits for every send, replies first, broadcasts in what is left."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.pacing import Pacer

LOW = {"broadcast": True}


class Log:
    """What was sent, in order, and when (loop time)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.changed = asyncio.Event()

    def add(self, name: str) -> None:
        self.sent.append((name, asyncio.get_running_loop().time()))
        self.changed.set()

    async def reach(self, count: int) -> None:
        """Wait until ``count`` requests were sent."""
        while len(self.sent) < count:
            self.changed.clear()
            await self.changed.wait()

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def times(self, prefix: str = "") -> list[float]:
        return [at for name, at in self.sent if name.startswith(prefix)]


async def request(
    pacer: Pacer,
    log: Log,
    name: str,
    chat_id: int,
    *,
    low: bool = False,
    endpoint: str = "sendMessage",
    paid: bool = False,
) -> None:
    """One request through the pacer, logged when it reaches "Telegram"."""

    async def callback(*args: Any, **kwargs: Any) -> bool:
        log.add(name)
        return True

    data: dict[str, Any] = {"chat_id": chat_id}
    if paid:
        data["allow_paid_broadcast"] = True
    await pacer.process_request(callback, (), {}, endpoint, data, LOW if low else None)


def started(*requests: Any) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(r) for r in requests]


async def test_no_second_holds_more_sends_than_telegram_allows() -> None:
    pacer, log = Pacer(29), Log()
    await asyncio.gather(
        *(request(pacer, log, f"low{n}", 1000 + n, low=True) for n in range(40)),
        *(request(pacer, log, f"reply{n}", 2000 + n) for n in range(40)),
    )
    times = sorted(log.times())
    assert len(times) == 80
    assert all(later - first > 1.0 for first, later in zip(times, times[30:], strict=False))


async def test_a_reply_never_waits_behind_queued_broadcast_sends() -> None:
    pacer, log = Pacer(29), Log()
    lows = started(*(request(pacer, log, f"low{n}", 1000 + n, low=True) for n in range(60)))
    await log.reach(10)
    before = len(log.sent)
    await request(pacer, log, "reply", 5)
    assert log.names.index("reply") <= before + 1  # not after the fifty queued sends
    await asyncio.gather(*lows)
    assert len(log.sent) == 61


async def test_broadcast_slots_shrink_while_replies_flow() -> None:
    pacer, log = Pacer(29), Log()
    lows = started(*(request(pacer, log, f"low{n}", 1000 + n, low=True) for n in range(20)))
    replies = started(*(request(pacer, log, f"reply{n}", 2000 + n) for n in range(40)))
    await asyncio.gather(*lows, *replies)
    names = log.names
    last_reply = max(i for i, name in enumerate(names) if name.startswith("reply"))
    lows_before = sum(1 for name in names[:last_reply] if name.startswith("low"))
    assert lows_before <= 2  # the broadcast waited while forty replies took their seconds


async def test_one_chat_gets_a_short_burst_then_its_refill_rate() -> None:
    pacer, log = Pacer(None, chat_burst=3, chat_rate=10.0), Log()
    await asyncio.gather(
        *(request(pacer, log, f"reply{n}", 7) for n in range(6)),
        *(request(pacer, log, f"low{n}", 7, low=True) for n in range(3)),
    )
    times = log.times()
    assert len(times) == 9
    # A token bucket of 3 refilled at 10 a second: never more than 3 + 10·t sends within t.
    for i, first in enumerate(times):
        for j in range(i + 1, len(times)):
            assert j - i + 1 <= 3 + (times[j] - first) * 10.0
    assert log.names[:6] == [f"reply{n}" for n in range(6)]  # the broadcast's sends come last


async def test_a_waiting_reply_goes_before_a_broadcast_send_to_the_same_chat() -> None:
    pacer, log = Pacer(29, chat_burst=1, chat_rate=5.0), Log()
    await request(pacer, log, "first", 7)  # the chat's bucket is empty now
    low = asyncio.create_task(request(pacer, log, "broadcast", 7, low=True))
    await asyncio.sleep(0)  # the broadcast send is waiting for the token
    await request(pacer, log, "reply", 7)
    await low
    assert log.names == ["first", "reply", "broadcast"]


async def test_answers_edits_and_paid_broadcasts_are_not_held_to_the_free_limit() -> None:
    pacer, log = Pacer(1000), Log()
    replies = started(*(request(pacer, log, f"reply{n}", 2000 + n) for n in range(31)))
    await log.reach(30)
    await request(pacer, log, "edit", 2000, endpoint="editMessageText")
    await request(pacer, log, "answer", 2001, endpoint="answerCallbackQuery")
    await request(pacer, log, "typing", 2002, endpoint="sendChatAction")
    await request(pacer, log, "paid", 3000, low=True, paid=True)
    await asyncio.gather(*replies)
    assert log.names[30:] == ["edit", "answer", "typing", "paid", "reply30"]
