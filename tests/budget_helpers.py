"""Shared steps of the budget tests: an okrug and its staff, a cycle, its phases, proposals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.budget import service
from bot.context import Services
from bot.simulator import Harness, SimUser
from bot.simulator.api import Json
from storage import budget as repo
from storage import roles as roles_repo
from storage.budget import PHASES, BallotKind, Cycle, Electorate, NewCycle, Phase, Project
from storage.db import utcnow
from storage.models import Role, Scope, ScopeKind
from tests.conftest import make_settings, seed

OKRUG = "krg-bukhar-dubovka-okrug"
DUBOVKA, ZHANAAUL, KARAOZEK, KOKTOBE = (
    "krg-bukhar-dubovka", "krg-bukhar-zhanaaul", "krg-bukhar-karaozek", "krg-bukhar-koktobe",
)  # fmt: skip
OKRUG_VILLAGES = (DUBOVKA, KARAOZEK, KOKTOBE, ZHANAAUL)
BOTAKARA = "krg-bukhar-botakara"  # beside the okrug, in none
OKRUG_STAFF = 5101
VILLAGE_STAFF = 5102  # staff of Dubovka alone: not of the whole okrug


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot on a seeded database; people here act for longer than the flood guard allows."""
    settings = make_settings(tmp_path, flood_updates=0)
    await seed(settings)
    async with Harness(settings) as harness:
        yield harness


def services_of(bot: Harness) -> Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


async def okrug_staff(bot: Harness, user_id: int = OKRUG_STAFF, language: str = "ru") -> SimUser:
    """The okrug akimat's specialist (staff of its four villages), who has started the bot."""
    db = services_of(bot).db
    await roles_repo.grant(db, user_id, Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG), "test")
    staff = bot.user(user_id, "Сәуле", language, started=True)
    await staff.send("/start")
    return staff


async def resident(bot: Harness, user_id: int, village: str, language: str = "ru") -> SimUser:
    """A person who joined ``village`` through its link."""
    person = bot.user(user_id, f"R{user_id}", language)
    await person.send(f"/start v_{village}")
    return person


async def open_cycle(
    bot: Harness,
    *,
    amount: int = 5_000_000,
    rule: str = "greedy",
    ballot: BallotKind = BallotKind.BUDGET,
    max_choices: int | None = None,
    electorate: Electorate = Electorate.RESIDENTS,
    scope: tuple[str, str] = ("okrug", OKRUG),
    villages: tuple[str, ...] = OKRUG_VILLAGES,
    author: int = OKRUG_STAFF,
) -> Cycle:
    """A cycle opened by the okrug's staff a moment ago, proposals open for a day, announced."""
    services = services_of(bot)
    now = utcnow()
    new = NewCycle(
        title="Бюджет 2027", scope_kind=scope[0], scope_code=scope[1], village_codes=villages,
        amount=amount, rule=rule, ballot_kind=ballot, max_choices=max_choices,
        electorate=electorate, opened_at=now, screening_at=now + timedelta(days=1),
        voting_at=now + timedelta(days=2), results_at=now + timedelta(days=3),
        implementation_at=now + timedelta(days=4), created_by=author,
    )  # fmt: skip
    cycle = await service.create(services, new, (author, services.i18n.get("ru")))
    await bot.broadcasts_finished()
    return cycle


async def begin(bot: Harness, cycle: Cycle, phase: Phase) -> Cycle:
    """Date the cycle so that ``phase`` began a moment ago, and run its scheduled job's work."""
    now = utcnow()
    index = PHASES.index(phase)
    moments: dict[str, datetime] = {}
    for position, each in enumerate(PHASES):
        # Phases up to ``phase`` began in the past (a second apart); later ones are days ahead.
        offset = (
            timedelta(seconds=position - index - 1)
            if position <= index
            else timedelta(days=position - index)
        )
        moments[_column(each)] = now + offset
    await repo.redate(services_of(bot).db, cycle.id, [moments[_column(p)] for p in PHASES])
    advanced = await service.advance(services_of(bot), cycle.id)  # as the job does
    assert advanced is not None
    await bot.broadcasts_finished()
    return advanced


def _column(phase: Phase) -> str:
    return "opened_at" if phase is Phase.PROPOSALS else f"{phase.value}_at"


async def propose(
    person: SimUser, cycle: Cycle, title: str, cost: str, description: str = "Очень нужно селу."
) -> None:
    """Propose a project through the dialog (no photo, no place)."""
    await person.tap_data(f"v1:bdg:prop:{cycle.id}")
    await person.send(title)
    await person.send(description)
    await person.send(cost)
    await person.tap("⏭")
    await person.tap("⏭")
    await person.tap("📤")


async def projects(bot: Harness, cycle: Cycle) -> list[Project]:
    return await repo.projects(services_of(bot).db, cycle.id)


async def accept_all(bot: Harness, cycle: Cycle, by: int = OKRUG_STAFF) -> None:
    """Accept every proposal at its cost (through the service; the UI has its own tests)."""
    for project in await projects(bot, cycle):
        if project.status == "proposed":
            await service.screen(services_of(bot), project, status="accepted", by=by,
                                 final_cost=project.cost)  # fmt: skip
    await bot.broadcasts_finished()


def ballot_message(person: SimUser, cycle: Cycle) -> Json:
    """The newest message in the person's chat carrying the cycle's ballot."""
    marker = f"v1:bdg:c:{cycle.id}:"
    for message in reversed(person.messages):
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            if any(str(b.get("callback_data", "")).startswith(marker) for b in row):
                return message
    raise AssertionError(f"no ballot of cycle {cycle.id} in chat {person.id}")


async def tick_and_vote(person: SimUser, cycle: Cycle, *numbers: str) -> Json | None:
    """Tick projects by their number on the ballot's buttons, then tap Vote."""
    for number in numbers:
        message = ballot_message(person, cycle)
        button = next(
            b
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"].split(" ", 1)[1].startswith(f"{number}. ")
        )
        await person.tap_data(button["callback_data"], message)
    message = ballot_message(person, cycle)
    vote = message["reply_markup"]["inline_keyboard"][-1][0]
    return await person.tap_data(vote["callback_data"], message)


async def stored_ballots(bot: Harness, cycle: Cycle) -> list[tuple[str, int]]:
    rows = await services_of(bot).db.fetch_all(
        "SELECT voter_key, choices FROM budget_ballots WHERE cycle_id = ? ORDER BY voter_key",
        (cycle.id,),
    )
    return [(row[0], row[1]) for row in rows]
