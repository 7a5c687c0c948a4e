"""Timed jobs are never dropped: not after a slow start-up, not when a one-off job runs late."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger

from bot import scheduler
from bot.context import QatysuContext
from bot.settings import Settings
from bot.simulator import Harness
from bot.simulator.http import SimServer
from storage import polls as repo
from storage.db import to_db_time, utcnow
from storage.polls import NewPoll
from tests.conftest import STAFF_ID, make_settings, seed
from tests.poll_helpers import MOLODEZHNY, OPTIONS, announce, received, residents
from tests.proof_helpers import TOKEN, BotProcess, add_residents, kill_leftovers, query

ROOT = Path(__file__).resolve().parent.parent
SLOW_API = 0.3  # seconds per Bot API answer: start-up then takes several seconds
RESULTS = "Итоги опроса"


async def _set_closing(settings: Settings, poll_id: int, closes_at: datetime) -> None:
    """Move a poll's closing time while the bot is down."""
    db = settings.database()
    await db.open()
    try:
        await db.execute_write(
            "UPDATE polls SET closes_at = ? WHERE id = ?", (to_db_time(closes_at), poll_id)
        )
    finally:
        await db.close()


async def test_polls_due_during_a_slow_start_close_and_publish(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    bot = Harness(settings, polling=True)
    await bot.start()
    try:
        await residents(bot, MOLODEZHNY, [102, 104])
        missed = await announce(bot, closes_in=timedelta(hours=2))
        soon = await announce(bot, closes_in=timedelta(hours=2), question="Когда убирать снег?")
        await bot.crash()
        # While the bot is down, the first poll's time passes; the second closes 2 s after start.
        await _set_closing(settings, missed.id, utcnow() - timedelta(minutes=5))
        await _set_closing(settings, soon.id, utcnow() + timedelta(seconds=2))
        bot.sim.latency = SLOW_API
        calls_before = len(bot.sim.calls)
        await bot.start()
        start_up = [call.method for call in bot.sim.calls[calls_before:]]
        assert start_up.count("setMyCommands") >= 4  # the start-up took well over a second
        await bot.wait_until(lambda: received(bot, 102, RESULTS) == 2, within=30)
        await bot.wait_until(lambda: received(bot, 104, RESULTS) == 2, within=30)
        db = bot.app.bot_data.services.db  # type: ignore[union-attr]
        for poll in (missed, soon):
            stored = await repo.get(db, poll.id)
            assert stored is not None and stored.status == "closed"
        await bot.broadcasts_finished(within=30)
    finally:
        await bot.stop()


async def test_a_one_off_job_runs_however_late(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    ran: list[str] = []

    async def job(context: QatysuContext) -> None:
        ran.append("late")

    async with Harness(settings) as bot:
        assert bot.app.job_queue is not None
        # Due a minute ago (a blocked event loop, a suspended machine): still runs.
        scheduler.once(bot.app.job_queue, job, utcnow() - timedelta(minutes=1), name="late-job")
        job_queue = bot.app.job_queue
        await bot.wait_until(lambda: ran == ["late"])
        await bot.wait_until(lambda: not job_queue.get_jobs_by_name("late-job"))  # done with
        assert ran == ["late"]  # once


async def test_every_timed_job_runs_late_rather_than_never(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, webhook_url="https://bot.example/hook", webhook_secret="s" * 32
    )
    await seed(settings)
    async with Harness(settings) as bot:
        (ivan,) = await residents(bot, MOLODEZHNY, [102])
        await announce(bot, closes_in=timedelta(days=2))
        assert bot.app.job_queue is not None
        await bot.wait_until(lambda: "polls-rebuild" not in _names(bot))  # it ran
        jobs = {job.name: job.job for job in bot.app.job_queue.jobs()}
        expected = {
            "hearing-reminders", "appeal-deadlines", "appeal-deadlines-catch-up", "staff-digest",
            "weekly-summary", "reports-catch-up", "forget-updates", "token-check",
        }  # fmt: skip
        assert expected <= set(jobs)
        for name, job in jobs.items():
            if isinstance(job.trigger, DateTrigger):  # one-off: no limit on lateness
                assert job.misfire_grace_time is None, name
            else:  # repeating: missed runs merge into one, within a grace
                assert job.coalesce and job.misfire_grace_time >= 60, name
        polls = {name for name in jobs if name.startswith("poll-")}
        assert polls == {"poll-close-1", "poll-remind-1"}
        assert ivan.texts  # the poll reached the resident


def _names(bot: Harness) -> set[str | None]:
    assert bot.app.job_queue is not None
    return {job.name for job in bot.app.job_queue.jobs()}


def test_jobs_are_put_on_the_queue_only_through_bot_scheduler() -> None:
    """Any other ``run_once``/``run_daily``… would have APScheduler's 1-second grace."""
    methods = {"run_once", "run_repeating", "run_daily", "run_monthly", "run_custom"}
    found = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "bot" / "scheduler.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in methods:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert found == []


async def _create_poll(settings: Settings, question: str, closes_at: datetime) -> int:
    """A poll staff announced earlier, stored as the bot would have."""
    db = settings.database()
    await db.open()
    try:
        new = NewPoll(
            question=question, options=OPTIONS, max_choices=1, may_change=False,
            results_early=False, closes_at=closes_at, village_codes=(MOLODEZHNY,),
            created_by=STAFF_ID,
        )  # fmt: skip
        poll = await repo.create(db, new, utcnow() - timedelta(days=1))
        return poll.id
    finally:
        await db.close()


def _results_over_http(server: SimServer, user_id: int) -> int:
    """How many results messages (text or caption) reached ``user_id``."""
    return sum(
        1
        for call in server.sim.calls
        if call.ok
        and call.method in {"sendMessage", "sendPhoto"}
        and call.params.get("chat_id") == user_id
        and RESULTS in str(call.params.get("text") or call.params.get("caption"))
    )


@pytest.mark.slow
async def test_the_real_process_closes_polls_due_during_a_slow_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    people = range(1101, 1104)
    try:
        async with SimServer(token=TOKEN) as server:
            server.sim.latency = SLOW_API
            await add_residents(server, settings, people, MOLODEZHNY)
            await _create_poll(settings, "Где поставить фонари?",
                               utcnow() - timedelta(minutes=5))  # fmt: skip
            await _create_poll(settings, "Когда убирать снег?",
                               utcnow() + timedelta(seconds=2))  # fmt: skip
            async with BotProcess(server, settings) as bot:
                await server.wait_until(
                    lambda: all(_results_over_http(server, p) == 2 for p in people),
                    within=90, what="both polls' results reach every resident",
                )  # fmt: skip
                assert "was missed" not in bot.log()
            rows = await query(settings, "SELECT status FROM polls ORDER BY id")
            assert [row[0] for row in rows] == ["closed", "closed"]
    finally:
        kill_leftovers()
