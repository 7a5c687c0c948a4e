"""Helpers for the poll tests: residents, a poll announced, who received what."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Services
from bot.polls import jobs as poll_jobs
from bot.polls import service as polls
from bot.simulator import Harness, SimUser
from bot.simulator.api import Json
from storage.db import Database, utcnow
from storage.polls import NewPoll, Poll
from tests.conftest import STAFF_ID

MOLODEZHNY = "krg-osakarovka-molodezhny"
OSAKAROVKA = "krg-osakarovka-osakarovka"
NURA = "krg-nura-nura"  # outside the staff's district
OPTIONS = ("Дорога до школы", "Водопровод", "Крыша школы")


def services_of(bot: Harness) -> Services:
    services = bot.app.bot_data.services
    assert services is not None
    return services


def db_of(bot: Harness) -> Database:
    return services_of(bot).db


async def residents(
    bot: Harness, village: str, ids: range | list[int], language: str = "ru"
) -> list[SimUser]:
    """People who joined ``village`` through its QR link."""
    people = []
    for user_id in ids:
        person = bot.user(user_id, f"R{user_id}", language)
        await person.send(f"/start v_{village}")
        people.append(person)
    return people


async def announce(
    bot: Harness,
    *,
    villages: tuple[str, ...] = (MOLODEZHNY,),
    max_choices: int = 1,
    may_change: bool = False,
    results_early: bool = False,
    closes_in: timedelta = timedelta(days=3),
    options: tuple[str, ...] = OPTIONS,
    question: str = "Что ремонтировать в первую очередь?",
) -> Poll:
    """A poll created by the district's staff, announced, and delivered."""
    services = services_of(bot)
    if STAFF_ID not in bot.sim.users:
        await bot.user(STAFF_ID, "Ерлан", "ru").send("/start")
    new = NewPoll(
        question=question, options=options, max_choices=max_choices, may_change=may_change,
        results_early=results_early, closes_at=utcnow() + closes_in, village_codes=villages,
        created_by=STAFF_ID,
    )  # fmt: skip
    poll = await polls.create(services, new, (STAFF_ID, services.i18n.get("ru")))
    assert bot.app.job_queue is not None
    poll_jobs.schedule(bot.app.job_queue, poll, services.settings.poll_reminder)
    await bot.broadcasts_finished()
    return poll


def poll_message(person: SimUser, poll: Poll) -> Json:
    """The message of ``poll`` in the person's chat (the newest one carrying its buttons)."""
    marker = f"v1:poll:v:{poll.id}:"
    for message in reversed(person.messages):
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            if any(str(b.get("callback_data", "")).startswith(marker) for b in row):
                return message
    raise AssertionError(f"no message of poll {poll.id} in chat {person.id}")


async def vote(person: SimUser, poll: Poll, *positions: int) -> Json | None:
    """Tap the vote button of one option (or of several, then Vote) on the poll's message."""
    message = poll_message(person, poll)
    choices = 0
    for position in positions:
        choices |= 1 << position
    return await person.tap_data(f"v1:poll:v:{poll.id}:{choices}", message)


async def stored_votes(bot: Harness, poll: Poll) -> list[tuple[int, int]]:
    """(person id, choices) of every stored vote."""
    rows = await db_of(bot).fetch_all(
        "SELECT person_id, choices FROM poll_votes WHERE poll_id = ? ORDER BY person_id",
        (poll.id,),
    )
    return [(row[0], row[1]) for row in rows]


def received(bot: Harness, user_id: int, marker: str) -> int:
    """How many messages (text or caption) containing ``marker`` reached ``user_id``."""
    return sum(
        1
        for call in bot.sim.calls
        if call.ok
        and call.method in {"sendMessage", "sendPhoto"}
        and call.params.get("chat_id") == user_id
        and marker in str(call.params.get("text") or call.params.get("caption"))
    )


async def enter_protocol(
    staff: SimUser, place: str, present: int, votes: str, *, reason: str | None = None
) -> None:
    """Staff at the protocol's first step (a correction's reason, or the meeting's day) enter
    a meeting of today: its reason if a correction, place, residents present, votes; and save."""
    if reason is not None:
        await staff.send(reason)
    await staff.tap_data("v1:pst:pday:0", staff.messages[-1])  # today
    await staff.send(place)
    await staff.send(str(present))
    await staff.send(votes)
    await staff.tap_data("v1:pst:psave", staff.messages[-1])
