"""Updates received: stored before Telegram is told they arrived, taken up at the next start."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness
from bot.simulator.api import Json
from bot.simulator.http import SimServer
from storage import received, updates
from storage.db import utcnow
from tests.conftest import BOTH, make_settings, seed
from tests.proof_helpers import TOKEN, BotProcess, kill_leftovers, query
from tests.test_faults import OSAKAROVKA, start_update

pytestmark = BOTH


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    yield
    kill_leftovers()


def villager_start(harness: Harness, user_id: int) -> Json:
    """A resident's first ``/start`` with their village's link, as Telegram sends it."""
    user = harness.user(user_id, "Иван", "ru")
    return harness.sim.make_update(
        {
            "message": {
                "message_id": harness.sim.next_message_id(), "date": int(time.time()),
                "text": f"/start v_{OSAKAROVKA}",
                "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
                "from": harness.sim.users[user.id],
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )  # fmt: skip


async def test_an_update_stored_and_never_handled_is_handled_at_start_a_handled_one_not(
    settings: Settings,
) -> None:
    await seed(settings)
    harness = Harness(settings)
    waiting, handled = villager_start(harness, 1401), villager_start(harness, 1402)
    interrupted = villager_start(harness, 1403)  # claimed by a process killed mid-update
    poison = villager_start(harness, 1404)  # cut short twice: perhaps what kills the process
    db = settings.database()
    await db.open()
    try:
        stored = (waiting, handled, interrupted, poison)
        kept = [received.Received(u["update_id"], json.dumps(u)) for u in stored]
        await received.keep(db, kept, utcnow())
        for claimed in (handled, interrupted, poison):
            await updates.claim_update(db, claimed["update_id"], utcnow())
        await db.execute_write(  # its handling ended; Telegram delivered it again since
            "UPDATE processed_updates SET finished_at = processed_at WHERE update_id = ?",
            (handled["update_id"],),
        )
        await db.execute_write(
            "UPDATE processed_updates SET attempts = 2 WHERE update_id = ?", (poison["update_id"],)
        )
    finally:
        await db.close()
    async with harness:  # the start queues what is stored
        await harness.wait_until(
            lambda: bool(harness.sim.chat_messages(1401) and harness.sim.chat_messages(1403))
        )
        await harness.app.update_queue.join()
        lanes = harness.app.update_processor
        await harness.wait_until(lambda: lanes.busy_lanes == 0)  # type: ignore[attr-defined]
        db = harness.app.bot_data.services.db  # type: ignore[union-attr]
        left = await db.fetch_all("SELECT update_id FROM received_updates")
        unfinished = await db.fetch_all(
            "SELECT update_id FROM processed_updates WHERE finished_at IS NULL"
        )
    assert "Осакаровка" in harness.sim.chat_messages(1401)[0]["text"]
    assert len(harness.sim.chat_messages(1403)) == 1  # handled again, once: not lost
    assert harness.sim.chat_messages(1402) == []  # handled before: not again
    assert harness.sim.chat_messages(1404) == []  # given up, not a third time
    assert [row[0] for row in left] == [handled["update_id"]]  # gone with its housekeeping
    assert unfinished == []


@pytest.mark.slow
async def test_a_batch_fetched_by_a_process_killed_before_handling_it_is_handled_once_after(
    tmp_path: Path,
) -> None:
    """SIGKILL after the batch was confirmed to Telegram (the next getUpdates' offset)."""
    settings = make_settings(tmp_path)
    await seed(settings)
    residents = range(1500, 1520)
    blocker = 1499  # its reply hangs: one update at a time, so the batch waits behind it
    released = asyncio.Event()

    async def hold(method: str, params: Json) -> None:
        if params.get("chat_id") == blocker:
            await released.wait()

    async with SimServer(token=TOKEN) as server:
        for user_id in (blocker, *residents):
            server.person(user_id, "Иван", "ru")
        bot = await BotProcess(server, settings, CONCURRENT_UPDATES=1).start()
        server.sim.fault = hold
        batch = [start_update(server, user_id) for user_id in (blocker, *residents)]
        for update in batch:
            server.sim.enqueue(update)
        last = int(batch[-1]["update_id"])  # type: ignore[call-overload]

        def confirmed() -> bool:
            return any(
                int(c.params.get("offset", 0)) > last for c in server.sim.calls_to("getUpdates")
            )

        await server.wait_until(confirmed, what="the batch confirmed to Telegram")
        bot.kill()
        answered = [u for u in residents if server.sim.chat_messages(u)]
        assert server.sim.pending_updates == 0  # Telegram will not deliver them again
        server.sim.fault = None
        released.set()
        await bot.start()
        await server.wait_until(
            lambda: all(server.sim.chat_messages(u) for u in residents), what="every one answered"
        )
        await server.settle(quiet=1.0)
        await bot.stop()
    replies = {u: len(server.sim.chat_messages(u)) for u in residents}
    print(f"\nkilled after fetching {len(residents)} updates, {len(answered)} of them answered")
    assert answered == [] and set(replies.values()) == {1}  # each handled once, after
    claimed = await query(settings, "SELECT COUNT(*) FROM processed_updates")
    assert claimed[0][0] >= len(batch)
    assert await query(settings, "SELECT update_id FROM received_updates") == []
