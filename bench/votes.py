"""Benchmark: votes by button tap, Qatysu next to bare python-telegram-bot, in the same run.

Run: ``.venv/bin/python bench/votes.py [N] [CONCURRENCY]`` (defaults 5000 and 256). N distinct
residents each tap one option of a poll they received. Each tap is a ``callback_query`` update
handed to the real Application on the Bot API simulator: the session claims the update and
loads the resident, the vote is checked and stored (group commit: the taps arriving together
share one transaction, and each is answered only after its transaction is committed), then
``answerCallbackQuery`` and ``editMessageText`` go out. Up to CONCURRENCY updates are in flight
at once, as with ``concurrent_updates`` on a webhook.

A bare PTB Application with one ``CallbackQueryHandler`` making the same two Bot API calls,
storing nothing, answers the same updates the same way. Prints votes per second of both, their
ratio, and checks that the stored tally equals N.

With ``BENCH_POSTGRES=postgresql://user@host/db`` set, Qatysu runs a second time on PostgreSQL
(in a schema of its own, dropped after), and both figures are printed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import OFFLINE_TOKEN
from bot.broadcast.engine import preview_of
from bot.polls.render import render_announcement
from bot.polls.service import ANNOUNCEMENT_KIND, payload_of
from bot.settings import Settings
from bot.simulator import BotApiSimulator, Harness
from bot.simulator.api import Json, now
from bot.territory import import_territory, sample_file
from storage import polls as repo
from storage.db import to_db_time, utcnow
from storage.pg import database_for
from storage.polls import NewPoll, Poll

VILLAGE = "krg-osakarovka-osakarovka"
STAFF_ID = 5001
FIRST_RESIDENT = 100_000
OPTIONS = ("Дорога до школы", "Водопровод", "Крыша школы", "Уличное освещение")


@dataclass
class Figures:
    """What one run measured."""

    votes: int
    seconds: float
    answers: int
    edits: int

    @property
    def rate(self) -> float:
        return self.votes / self.seconds

    def line(self, name: str) -> str:
        return (
            f"{name:<34} {self.rate:9.0f} votes/s  ({self.votes} in {self.seconds:.2f} s; "
            f"{self.answers} answers, {self.edits} edits)"
        )


async def _prepare(path: Path, residents: int, url: str | None = None) -> Poll:
    """The territory, N residents of one village (seeded in one transaction), one open poll."""
    db = database_for(path, url)
    await db.open()
    await import_territory(db, sample_file())
    created = to_db_time(utcnow())
    async with db.transaction() as tx:  # seeding only: the bench measures votes, not sign-ups
        await tx.executemany(
            "INSERT INTO people (telegram_id, first_name, language, village_code, created_at) "
            "VALUES (?, ?, 'ru', ?, ?)",
            [(FIRST_RESIDENT + n, f"R{n}", VILLAGE, created) for n in range(residents)],
        )
    new = NewPoll(
        question="Что ремонтировать в первую очередь?", options=OPTIONS, max_choices=1,
        may_change=False, results_early=False, closes_at=utcnow() + timedelta(days=7),
        village_codes=(VILLAGE,), created_by=STAFF_ID,
    )  # fmt: skip
    poll = await repo.create(db, new, utcnow())
    await db.close()
    return poll


def _seed_chats(sim: BotApiSimulator, residents: int, text: str, markup: Json) -> list[Json]:
    """Each resident's chat holds the poll message (as the announcement left it)."""
    messages = []
    for n in range(residents):
        user_id = FIRST_RESIDENT + n
        sim.users[user_id] = {"id": user_id, "is_bot": False, "first_name": f"R{n}",
                              "language_code": "ru"}  # fmt: skip
        sim.started.add(user_id)  # they joined earlier, so the bot may write to them
        message = {
            "message_id": sim.next_message_id(), "date": now(), "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": f"R{n}"},
            "from": sim.bot_user(), "reply_markup": markup,
        }  # fmt: skip
        sim.messages.setdefault(user_id, {})[message["message_id"]] = message
        messages.append(message)
    return messages


def _taps(sim: BotApiSimulator, messages: list[Json]) -> list[Json]:
    """One tap per resident on an option of their poll message (spread over the options)."""
    updates = []
    for n, message in enumerate(messages):
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        user = sim.users[message["chat"]["id"]]
        query = {
            "id": f"cq-{n}", "from": user, "message": message, "chat_instance": f"ci-{n}",
            "data": buttons[n % len(buttons)]["callback_data"],
        }  # fmt: skip
        updates.append(sim.make_update({"callback_query": query}))
    return updates


async def _deliver_all(
    process: Callable[[Update], Awaitable[None]], bot: Any, updates: list[Json], concurrency: int
) -> float:
    """Hand every update over, ``concurrency`` at a time; return the seconds it took."""
    gate = asyncio.Semaphore(concurrency)

    async def one(raw: Json) -> None:
        async with gate:
            await process(Update.de_json(raw, bot))

    started = time.perf_counter()
    await asyncio.gather(*(one(raw) for raw in updates))
    return time.perf_counter() - started


def _counts(sim: BotApiSimulator, since: int) -> tuple[int, int]:
    calls = sim.calls[since:]
    answers = sum(1 for c in calls if c.method == "answerCallbackQuery" and c.ok)
    edits = sum(1 for c in calls if c.method == "editMessageText" and c.ok)
    return answers, edits


async def _schema(url: str, schema: str, *, drop: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            f'DROP SCHEMA "{schema}" CASCADE' if drop else f'CREATE SCHEMA "{schema}"'
        )
    finally:
        await conn.close()


async def run_qatysu(
    residents: int, concurrency: int, folder: Path, url: str | None = None
) -> tuple[Figures, int]:
    """Our Application: session (claim, person), vote checks, group commit, answer, edit."""
    path = folder / "bench.db"
    poll = await _prepare(path, residents, url)
    settings = Settings(_env_file=None, database_path=path, database_url=url, bot_token=None)  # type: ignore[call-arg]
    async with Harness(settings) as harness:
        services = harness.app.bot_data.services
        assert services is not None
        tr = services.i18n.get("ru")
        shown = await render_announcement(preview_of(ANNOUNCEMENT_KIND, payload_of(poll)), tr)
        assert shown.markup is not None
        markup = json.loads(json.dumps(shown.markup.to_dict()))
        messages = _seed_chats(harness.sim, residents, shown.text, markup)
        updates = _taps(harness.sim, messages)
        since = len(harness.sim.calls)
        seconds = await _deliver_all(
            harness.app.process_update, harness.app.bot, updates, concurrency
        )
        answers, edits = _counts(harness.sim, since)
        current = await repo.get(services.db, poll.id)
        assert current is not None
        tally = sum((await repo.results(services.db, current)).bot)
    return Figures(residents, seconds, answers, edits), tally


async def run_bare(residents: int, concurrency: int, text: str, markup: Json) -> Figures:
    """The python-telegram-bot floor: the same taps, the same two calls, nothing stored."""
    sim = BotApiSimulator()
    app = Application.builder().token(OFFLINE_TOKEN).request(sim).get_updates_request(sim).build()

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("✅ Ваш голос учтён.")
        await query.edit_message_text(f"{text}\n\n✅ Ваш голос: {query.data}", reply_markup=None)

    app.add_handler(CallbackQueryHandler(tapped))
    await app.initialize()
    await app.start()
    messages = _seed_chats(sim, residents, text, markup)
    updates = _taps(sim, messages)
    since = len(sim.calls)
    seconds = await _deliver_all(app.process_update, app.bot, updates, concurrency)
    answers, edits = _counts(sim, since)
    await app.stop()
    await app.shutdown()
    return Figures(residents, seconds, answers, edits)


async def main(residents: int, concurrency: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    server = os.environ.get("BENCH_POSTGRES")
    with tempfile.TemporaryDirectory(prefix="qatysu-bench-") as folder:
        ours, tally = await run_qatysu(residents, concurrency, Path(folder))
        pg: tuple[Figures, int] | None = None
        if server:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            await _schema(server, schema, drop=False)
            try:
                url = f"{server}{'&' if '?' in server else '?'}search_path={schema}"
                pg = await run_qatysu(residents, concurrency, Path(folder) / "pg", url)
            finally:
                await _schema(server, schema, drop=True)
        poll = await _prepare(Path(folder) / "bare.db", 0)
        tr_text = "🗳 Опрос акимата\n\n" + poll.question
        markup = {"inline_keyboard": [[{"text": o, "callback_data": f"v1:poll:v:1:{1 << i}"}]
                                      for i, o in enumerate(OPTIONS)]}  # fmt: skip
        bare = await run_bare(residents, concurrency, tr_text, markup)
    print(f"Votes by button tap, {residents} residents, {concurrency} updates in flight")
    print(bare.line("bare python-telegram-bot"))
    print(ours.line("Qatysu (SQLite, real app)"))
    print(f"ratio Qatysu / bare: {ours.rate / bare.rate:.2f}")
    if pg is not None:
        print(pg[0].line("Qatysu (PostgreSQL, real app)"))
        print(f"ratio PostgreSQL / SQLite: {pg[0].rate / ours.rate:.2f}")
        if pg[1] != residents or pg[0].answers != residents:
            raise SystemExit("on PostgreSQL the tally or the Bot API calls do not match the taps")
    verdict = "OK" if tally == residents else "WRONG"
    print(f"tally: {tally} votes stored for {residents} taps: {verdict}")
    if tally != residents or ours.answers != residents or ours.edits != residents:
        raise SystemExit("the tally or the Bot API calls do not match the taps")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(args + [5000, 256][len(args) :])))
