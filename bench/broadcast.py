"""Benchmark: the broadcast engine against a simulator that behaves like Telegram.

Run: ``.venv/bin/python bench/broadcast.py [RESIDENTS] [PAID_MESSAGES]`` (defaults 10000, 5000).

1. Free tier: the simulator answers 429 (with ``retry_after``) past Telegram's limits, as it does
   by default: 30 messages per second overall, one per second per chat after a burst of three.
   A notice goes to RESIDENTS residents through the real Application's engine; prints messages
   per second, 429 answers, lost and duplicated messages.
2. Paid broadcast (``allow_paid_broadcast``) on an unthrottled simulator, the pace lifted to what
   the transport allows: messages per second next to a bare ``bot.send_message`` loop over the
   same simulator, measured in the same run, and their ratio.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from telegram import Bot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import OFFLINE_TOKEN
from bot.settings import Settings
from bot.simulator import BotApiSimulator, Harness
from bot.territory import import_territory, sample_file
from storage.db import Database, to_db_time, utcnow

VILLAGE = "krg-osakarovka-osakarovka"
FIRST = 1_000_000
SENDER = 5001


async def prepare(path: Path, residents: int) -> None:
    """A database with ``residents`` residents of one village (languages mixed)."""
    db = Database(path)
    await db.open()
    await import_territory(db, sample_file())
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO people (telegram_id, first_name, language, village_code, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (FIRST + n, f"R{n}", ("kk", "ru", "en")[n % 3], VILLAGE, now)
                for n in range(residents)
            ],
        )
    await db.close()


def delivered(sim: BotApiSimulator, since: int) -> Counter[int]:
    """Messages accepted by the simulator per chat."""
    return Counter(
        int(call.params["chat_id"])
        for call in sim.calls[since:]
        if call.ok and call.method == "sendMessage"
    )


async def engine_run(
    folder: Path, residents: int, *, paid: bool
) -> tuple[float, Counter[int], int, float]:
    """Broadcast to every resident; return (seconds, per-chat counts, 429s, steady-state 429s)."""
    path = folder / ("paid.db" if paid else "free.db")
    await prepare(path, residents)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_path=path, bot_token=None,
        paid_broadcast=paid, paid_broadcast_rate=1_000_000.0,
    )  # fmt: skip
    async with Harness(settings) as harness:
        sim = harness.sim
        for n in range(residents):
            sim.add_person(FIRST + n, f"R{n}")
        if paid:
            sim.throttle = None
        services = harness.app.bot_data.services
        assert services is not None
        mark = len(sim.calls)
        started = time.perf_counter()
        await services.engine.submit(
            kind="notice", payload={"text": "Benchmark notice"}, created_by=SENDER,
            village_codes=(VILLAGE,),
        )  # fmt: skip
        await harness.broadcasts_finished(within=residents / 20 + 120)
        seconds = time.perf_counter() - started
        refused = sim.throttle.refused if sim.throttle else 0
        # 429s after the first ten seconds count as steady state.
        steady = sum(
            1
            for call in sim.calls[mark:]
            if call.status == 429 and call.at - sim.calls[mark].at > 10
        )
        return seconds, delivered(sim, mark), refused, steady


async def bare_loop(messages: int) -> float:
    """A bare python-telegram-bot ``send_message`` loop on the same simulator: seconds."""
    sim = BotApiSimulator(flood_limits=False)
    for n in range(messages):
        sim.add_person(FIRST + n, f"R{n}")
    bot = Bot(OFFLINE_TOKEN, request=sim, get_updates_request=sim)
    await bot.initialize()
    started = time.perf_counter()
    for n in range(messages):
        await bot.send_message(FIRST + n, "Benchmark notice", allow_paid_broadcast=True)
    seconds = time.perf_counter() - started
    await bot.shutdown()
    return seconds


def report(name: str, residents: int, seconds: float, counts: Counter[int], refused: int) -> None:
    lost = sum(1 for n in range(residents) if counts[FIRST + n] == 0)
    doubled = sum(count - 1 for count in counts.values() if count > 1)
    print(
        f"{name:<34} {residents / seconds:8.1f} msg/s  {seconds:7.1f} s  "
        f"429s: {refused}  lost: {lost}  duplicated: {doubled}"
    )


async def main(residents: int, paid_messages: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="qatysu-bench-") as tmp:
        folder = Path(tmp)
        seconds, counts, refused, steady = await engine_run(folder, residents, paid=False)
        print(f"Broadcast to {residents} residents, simulator throttled like Telegram")
        report("Qatysu engine (free tier)", residents, seconds, counts, refused)
        print(f"{'':<34} 429s in steady state (after 10 s): {steady}")
        print()
        bare = await bare_loop(paid_messages)
        paid_seconds, paid_counts, _, _ = await engine_run(folder, paid_messages, paid=True)
        print(f"Paid broadcast to {paid_messages} residents, simulator unthrottled")
        print(
            f"{'bare bot.send_message loop':<34} {paid_messages / bare:8.1f} msg/s  {bare:7.1f} s"
        )
        report("Qatysu engine (paid)", paid_messages, paid_seconds, paid_counts, 0)
        print(f"ratio Qatysu / bare: {bare / paid_seconds:.2f}")


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
            int(sys.argv[2]) if len(sys.argv) > 2 else 5_000,
        )
    )
