"""The writer is never held for long: a read-only connection beside it, outboxes in chunks,
finished outboxes compacted to their counts."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.broadcast import notices
from bot.jobs import compact_outbox
from bot.settings import Settings
from bot.simulator import Harness
from storage import broadcasts as repo
from storage import reports
from storage.db import Database, to_db_time, utcnow
from tests.appeal_helpers import OSAKAROVKA
from tests.conftest import STAFF_ID, seed
from tests.poll_helpers import MOLODEZHNY, announce, db_of, residents, stored_votes, vote

pytestmark = pytest.mark.both_databases

CROWD = 20_000


async def crowd(db: Database, village: str, count: int, first_id: int = 10_000_000) -> None:
    """``count`` residents of ``village`` stored at once (nobody the simulator knows)."""
    await db.execute_write(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        "INSERT INTO people (telegram_id, first_name, language, village_code, created_at) "
        "SELECT ? + i, 'R', 'ru', ?, ? FROM n",
        (count, first_id, village, to_db_time(utcnow())),
    )


async def outbox_rows(db: Database, broadcast_id: int) -> int:
    row = await db.read_one("SELECT COUNT(*) FROM outbox WHERE broadcast_id = ?", (broadcast_id,))
    assert row is not None
    return int(row[0])


# --- the read-only connection -----------------------------------------------------------------
@pytest.mark.sqlite_only  # SQLite's one thread per connection (a function holds it)
async def test_reads_beside_the_writer_do_not_wait_for_its_work(db: Database) -> None:
    busy, release = threading.Event(), threading.Event()

    def hold() -> int:
        """Keep the writer's thread busy until the test lets go."""
        busy.set()
        release.wait(30)
        return 1

    await db.conn.create_function("hold", 0, hold)
    await db.execute_write(
        "INSERT INTO regions (code, name_kk, name_ru, name_en) VALUES ('r', 'R', 'R', 'R')"
    )
    held = asyncio.create_task(db.fetch_one("SELECT hold()"))
    await asyncio.to_thread(busy.wait, 30)
    try:
        # On the writer's connection this would wait for hold(): it would time out instead.
        row = await asyncio.wait_for(db.read_one("SELECT COUNT(*) FROM regions"), 10)
        assert row is not None and row[0] == 1
        assert not held.done()
    finally:
        release.set()
    await held


async def test_reads_see_what_was_just_committed_and_never_write(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO regions (code, name_kk, name_ru, name_en) VALUES ('r', 'R', 'R', 'R')"
        )
        uncommitted = await db.read_one("SELECT COUNT(*) FROM regions")
    committed = await db.read_one("SELECT COUNT(*) FROM regions")
    assert uncommitted is not None and uncommitted[0] == 0  # never a write in progress
    assert committed is not None and committed[0] == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.read_all("DELETE FROM regions")


# --- the outbox in chunks ---------------------------------------------------------------------
async def test_a_vote_goes_in_while_a_large_outbox_is_being_written(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    voter = (await residents(bot, MOLODEZHNY, [1101]))[0]
    poll = await announce(bot)
    db = db_of(bot)
    await crowd(db, OSAKAROVKA, CROWD)
    written: list[int] = []
    first = asyncio.Event()
    write_chunk = repo._write_chunk

    async def counted(db: Database, broadcast_id: int, person_ids: list[int]) -> None:
        await write_chunk(db, broadcast_id, person_ids)
        written.append(len(person_ids))
        first.set()

    monkeypatch.setattr(repo, "_write_chunk", counted)
    creating = asyncio.create_task(
        repo.create(db, kind=notices.KIND, payload={"text": "x"}, created_by=STAFF_ID,
                    village_codes=(OSAKAROVKA,))
    )  # fmt: skip
    await first.wait()
    answer = await vote(voter, poll, 0)  # the whole update: claimed, stored, answered
    chunks_when_voted = len(written)
    being_written = [b.id for b in await repo.unwritten(db)]
    engine_sees = [b.id for b in await repo.sending(db)]
    broadcast_id = await creating
    await repo.finish(db, broadcast_id, "cancelled")  # nobody is to get it

    assert answer is not None and len(await stored_votes(bot, poll)) == 1
    assert len(written) == CROWD // repo.OUTBOX_CHUNK and set(written) == {repo.OUTBOX_CHUNK}
    assert chunks_when_voted < len(written), "the vote waited for the whole outbox"
    assert being_written == [broadcast_id] and broadcast_id not in engine_sees
    assert await outbox_rows(db, broadcast_id) == CROWD


async def test_an_outbox_half_written_at_a_crash_is_finished_and_sent_at_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(settings)
    async with Harness(settings) as bot:
        people = await residents(bot, MOLODEZHNY, range(1101, 1106), "en")
        staff = bot.user(STAFF_ID, "Erlan", "en")
        await staff.send("/start")
        db = db_of(bot)
        monkeypatch.setattr(repo, "OUTBOX_CHUNK", 2)
        write_chunk = repo._write_chunk

        async def dies_after_one(db: Database, broadcast_id: int, person_ids: list[int]) -> None:
            if await outbox_rows(db, broadcast_id):
                raise RuntimeError("the process died here")
            await write_chunk(db, broadcast_id, person_ids)

        monkeypatch.setattr(repo, "_write_chunk", dies_after_one)
        with pytest.raises(RuntimeError):
            await repo.create(
                db, kind=notices.KIND, payload={"text": "Water is off on Friday."},
                created_by=STAFF_ID, village_codes=(MOLODEZHNY,),
                report_to=(STAFF_ID, "en", None),
            )  # fmt: skip
        [half] = await repo.unwritten(db)
        assert await outbox_rows(db, half.id) == 2
        await bot.broadcasts_finished()  # the engine does not see it
        assert not any("Water is off" in text for p in people for text in p.texts)
        monkeypatch.setattr(repo, "_write_chunk", write_chunk)

        await bot.restart(crash=True)
        await bot.broadcasts_finished()
        for person in people:
            assert sum("Water is off on Friday." in text for text in person.texts) == 1
        assert await repo.unwritten(db_of(bot)) == []
        assert staff.last_text.startswith("✅") and "5 of 5" in staff.last_text


# --- compaction -------------------------------------------------------------------------------
async def finished_notice(bot: Harness, village: str, text: str) -> int:
    """A notice from the staff member to ``village``, sent and finished."""
    services = bot.app.bot_data.services
    assert services is not None
    broadcast_id = await services.engine.submit(
        kind=notices.KIND, payload={"text": text}, created_by=STAFF_ID, village_codes=(village,)
    )
    await bot.broadcasts_finished()
    return broadcast_id


async def age(db: Database, broadcast_id: int, days: float) -> None:
    """Pretend the broadcast finished ``days`` ago."""
    finished = to_db_time(utcnow() - timedelta(days=days))
    await db.execute_write(
        "UPDATE broadcasts SET finished_at = ? WHERE id = ?", (finished, broadcast_id)
    )


async def test_finished_outboxes_are_compacted_to_their_counts_after_the_retention(
    bot: Harness,
) -> None:
    await residents(bot, MOLODEZHNY, range(1101, 1104))
    await residents(bot, OSAKAROVKA, range(1201, 1203))
    bot.sim.blocked.add(1202)  # one of Osakarovka blocked the bot
    db = db_of(bot)
    old = await finished_notice(bot, MOLODEZHNY, "Old notice")
    await db.execute_write("UPDATE outbox SET text_only = 1 WHERE person_id = 1")  # pretend
    both = await finished_notice(bot, OSAKAROVKA, "Second")
    recent = await finished_notice(bot, MOLODEZHNY, "Recent notice")
    codes, start, end = (MOLODEZHNY, OSAKAROVKA), utcnow() - timedelta(days=7), utcnow()
    tallies = {b: await repo.tally(db, b) for b in (old, both, recent)}
    reach = await reports.reach(db, codes, start, end)
    assert tallies[both].blocked == 1 and (tallies[old].total, tallies[old].text_only) == (3, 1)
    await age(db, old, 31)
    await age(db, both, 30.5)
    await age(db, recent, 29)

    assert bot.app.bot_data.services is not None
    assert bot.app.bot_data.services.settings.outbox_retention_days == 30
    assert bot.app.job_queue is not None
    [daily] = bot.app.job_queue.get_jobs_by_name("outbox-compaction")
    assert daily.callback is compact_outbox
    await daily.run(bot.app)

    assert await outbox_rows(db, old) == 0 and await outbox_rows(db, both) == 0
    assert await outbox_rows(db, recent) == 3  # finished 29 days ago: kept
    assert {b: await repo.tally(db, b) for b in (old, both, recent)} == tallies
    assert await reports.reach(db, codes, start, end) == reach
    await daily.run(bot.app)  # nothing twice
    assert {b: await repo.tally(db, b) for b in (old, both, recent)} == tallies
    assert await reports.reach(db, codes, start, end) == reach


async def test_a_compaction_cut_short_deletes_the_rest_next_time(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(settings)
    await crowd(db, OSAKAROVKA, 7)
    monkeypatch.setattr(repo, "OUTBOX_CHUNK", 3)
    broadcast_id = await repo.create(
        db, kind=notices.KIND, payload={}, created_by=STAFF_ID, village_codes=(OSAKAROVKA,)
    )
    await repo.finish(db, broadcast_id, "cancelled")  # every row skipped
    before = await repo.tally(db, broadcast_id)
    delete = repo._delete_outbox

    async def cut_short(db: Database, broadcast_id: int) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(repo, "_delete_outbox", cut_short)
    with pytest.raises(RuntimeError):
        await repo.compact_finished(db, utcnow() + timedelta(days=1))
    assert await outbox_rows(db, broadcast_id) == 7
    assert await repo.tally(db, broadcast_id) == before  # the stored counts, not the rows

    monkeypatch.setattr(repo, "_delete_outbox", delete)
    assert await repo.compact_finished(db, utcnow() + timedelta(days=1)) == 0  # done before
    assert await outbox_rows(db, broadcast_id) == 0
    assert await repo.tally(db, broadcast_id) == before == repo.Tally(7, 0, 0, 0, 7)


def test_the_settings_have_their_defaults(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "x.db")  # type: ignore[call-arg]
    assert settings.outbox_retention == timedelta(days=30)
    assert settings.dialog_timeout == timedelta(hours=24)


async def test_the_unsent_rows_of_a_stopped_broadcast_are_skipped_a_chunk_at_a_time(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(settings)
    await crowd(db, OSAKAROVKA, 7)
    monkeypatch.setattr(repo, "OUTBOX_CHUNK", 3)
    broadcast_id = await repo.create(
        db, kind=notices.KIND, payload={}, created_by=STAFF_ID, village_codes=(OSAKAROVKA,)
    )
    chunks: list[int] = []
    execute_write = db.execute_write

    async def counted(sql: str, params: Any = ()) -> int:
        changed = await execute_write(sql, params)
        if "'skipped'" in sql:
            chunks.append(changed)
        return changed

    monkeypatch.setattr(db, "execute_write", counted)
    assert await repo.finish(db, broadcast_id, "cancelled")
    assert not await repo.finish(db, broadcast_id, "cancelled")  # once only
    assert chunks == [3, 3, 1]
    assert await repo.tally(db, broadcast_id) == repo.Tally(7, 0, 0, 0, 7)


async def test_rows_a_crash_left_pending_in_a_stopped_broadcast_are_skipped_at_start(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(settings)
    await crowd(db, OSAKAROVKA, 7)
    monkeypatch.setattr(repo, "OUTBOX_CHUNK", 3)
    broadcast_id = await repo.create(
        db, kind=notices.KIND, payload={}, created_by=STAFF_ID, village_codes=(OSAKAROVKA,)
    )
    skip = repo._skip_pending

    async def dies(db: Database, broadcast_id: int, now: str) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(repo, "_skip_pending", dies)
    with pytest.raises(RuntimeError):
        await repo.finish(db, broadcast_id, "cancelled")
    assert await repo.tally(db, broadcast_id) == repo.Tally(7, 0, 0, 0, 0)  # all pending
    monkeypatch.setattr(repo, "_skip_pending", skip)
    assert await repo.skip_unsent(db) == 1
    assert await repo.skip_unsent(db) == 0
    assert await repo.tally(db, broadcast_id) == repo.Tally(7, 0, 0, 0, 7)
