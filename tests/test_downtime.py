"""The clock passes a scheduled time while the bot is down: the work runs once at start."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.appeals import deadlines
from bot.context import QatysuContext
from bot.settings import Settings
from bot.simulator import Harness
from storage import appeals as repo
from storage.db import from_db_time, utcnow
from tests.appeal_helpers import file_complaint, latest, resident, services, staff_member
from tests.conftest import STAFF_ID, make_settings, seed
from tests.proof_helpers import query


async def leases_end(settings: Settings) -> datetime | None:
    """When the last lease of the outbox runs out (read while the bot is down); None if none."""
    (row,) = await query(settings, "SELECT MAX(lease_until) FROM outbox")
    return None if row[0] is None else from_db_time(row[0])


def escalations(bot: Harness) -> int:
    return sum(
        1
        for call in bot.sim.calls_to("sendMessage")
        if call.ok and call.params["chat_id"] == STAFF_ID and "🚨" in call.params["text"]
    )


async def test_a_deadline_passed_while_down_is_escalated_once_soon_after_start(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadlines, "CATCH_UP_AFTER", timedelta(seconds=0.2))
    checks: list[None] = []  # deadline checks finished (the catch-up after each start)
    check = deadlines.deadline_job

    async def counted(context: QatysuContext) -> None:
        await check(context)
        checks.append(None)

    monkeypatch.setattr(deadlines, "deadline_job", counted)
    await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    await bot.stop()
    # Down over the due date (and over 09:00): the item is now three days overdue.
    db = bot.settings.database()  # SQLite or PostgreSQL, as the bot's
    await db.open()
    due = date.fromisoformat((await db.fetch_all("SELECT due_on FROM appeals"))[0][0])
    moved = (due - timedelta(days=40)).isoformat()
    await db.execute_write("UPDATE appeals SET due_on = ? WHERE id = ?", (moved, appeal.id))
    await db.close()
    await bot.start()
    await bot.wait_until(lambda: escalations(bot) == 1, within=10)
    history = [e.action for e in await repo.history(services(bot).db, appeal.id)]
    assert history == ["created", "escalated"]
    await bot.restart()  # and again: the claim in the database keeps it at one
    await bot.wait_until(lambda: len(checks) == 2)
    assert escalations(bot) == 1


async def test_a_broadcast_stopped_with_the_bot_resumes_at_start_after_its_lease(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, broadcast_rate=20, broadcast_lease_seconds=0.5)
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    for user_id in range(500, 560):
        await bot.user(user_id, "R", "ru").send("/start v_krg-nura-nura")
    services_ = bot.app.bot_data.services
    assert services_ is not None
    await services_.engine.submit(
        kind="notice", payload={"text": "После простоя"}, created_by=STAFF_ID,
        village_codes=("krg-nura-nura",),
    )  # fmt: skip

    def got() -> list[int]:
        return [
            sum(1 for c in bot.sim.calls_to("sendMessage")
                if c.ok and c.params["chat_id"] == uid and "простоя" in c.params["text"])
            for uid in range(500, 560)
        ]  # fmt: skip

    await bot.wait_until(lambda: sum(got()) >= 5)
    await bot.stop()
    stopped_at = sum(got())
    assert stopped_at < 60
    lease_ends = await leases_end(settings)
    # Down for longer than any lease it left (a graceful stop records what it claimed).
    await bot.wait_until(lambda: lease_ends is None or utcnow() > lease_ends)
    await bot.start()
    await bot.broadcasts_finished(within=20)
    assert got() == [1] * 60
    await bot.stop()
