"""Group commit: concurrent writes share a transaction; each is answered once it is durable."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosqlite
import pytest

from bot.simulator import Harness
from storage import sessions
from storage.db import Database, Statements, utcnow

pytestmark = pytest.mark.both_databases


async def test_concurrent_writes_share_transactions_and_get_their_own_results(
    db: Database,
) -> None:
    groups: list[int] = []

    async def write(conn: Statements, items: list[int]) -> list[int]:
        groups.append(len(items))
        await conn.executemany(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, 'x')",
            [(item,) for item in items],
        )
        return [item * 2 for item in items]

    results = await asyncio.gather(*(db.grouped(write, n) for n in range(200)))
    assert results == [n * 2 for n in range(200)]
    assert sum(groups) == 200 and len(groups) < 10
    row = await db.fetch_one("SELECT COUNT(*) FROM processed_updates")
    assert row is not None and row[0] == 200


async def test_one_failing_write_does_not_fail_the_others(db: Database) -> None:
    async def write(conn: Statements, items: list[int]) -> list[int]:
        for item in items:
            if item == 7:
                raise ValueError("bad item")
            await conn.execute(
                "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, 'x')", (item,)
            )
        return items

    outcomes = await asyncio.gather(
        *(db.grouped(write, n) for n in range(20)), return_exceptions=True
    )
    assert isinstance(outcomes[7], ValueError)
    assert [o for i, o in enumerate(outcomes) if i != 7] == [n for n in range(20) if n != 7]
    row = await db.fetch_one("SELECT COUNT(*) FROM processed_updates")
    assert row is not None and row[0] == 19


@pytest.mark.sqlite_only
async def test_a_group_runs_in_one_round_trip_and_a_write_that_waits_is_refused(
    db: Database,
) -> None:
    async def write(conn: Statements, items: list[int]) -> list[int]:
        await conn.executemany(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, 'x')",
            [(item,) for item in items],
        )
        return items

    async def waits(conn: Statements, items: list[int]) -> list[int]:
        await conn.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (99, 'x')"
        )
        await asyncio.sleep(0)  # not a statement: the group's transaction cannot wait for it
        return items

    trips = 0
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await execute(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted)
        assert await db.grouped(write, 1) == 1
        assert trips == 1  # BEGIN, the insert and COMMIT together
    with pytest.raises(RuntimeError, match="awaited something other than its statements"):
        await db.grouped(waits, 2)
    rows = await db.fetch_all("SELECT update_id FROM processed_updates ORDER BY update_id")
    assert [row[0] for row in rows] == [1]  # the refused write was rolled back


async def test_the_same_update_arriving_twice_at_once_is_claimed_once(db: Database) -> None:
    arrival = sessions.Arrival(update_id=42, at=utcnow(), telegram_id=1002, first_name="Иван")
    first, second = await asyncio.gather(
        sessions.open_session(db, arrival), sessions.open_session(db, arrival)
    )
    assert [first.claimed, second.claimed] == [True, False]
    assert first.person is not None and first.person.telegram_id == 1002
    again = await sessions.open_session(db, arrival)
    assert again.claimed is False


async def test_a_renamed_person_is_kept_current(db: Database) -> None:
    one = await sessions.open_session(db, sessions.Arrival(1, utcnow(), 1002, "Иван"))
    two = await sessions.open_session(db, sessions.Arrival(2, utcnow(), 1002, "Ваня"))
    assert one.person is not None and two.person is not None
    assert (two.person.id, two.person.first_name) == (one.person.id, "Ваня")


@pytest.mark.parametrize("copies", [2, 5])
async def test_an_update_delivered_concurrently_has_one_effect(bot: Harness, copies: int) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    update = bot.sim.make_update(
        {
            "message": {
                "message_id": 1, "date": 0, "text": "/start v_krg-nura-nura",
                "chat": {"id": 1002, "type": "private", "first_name": "Иван"},
                "from": ivan.as_json(),
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )  # fmt: skip
    await asyncio.gather(*(bot.deliver(update) for _ in range(copies)))
    sent = [c for c in bot.sim.calls_to("sendMessage") if c.params["chat_id"] == 1002]
    assert len(sent) == 1
