"""Participatory budget: the rules of a cycle, from its announcement to its last photo.

Handlers parse and render; this module decides and writes (through :mod:`storage.budget`).
Everything that goes to many people (the announcement, the ballot, the results, a project's
progress) and every message to one resident (their proposal screened) goes through the
broadcast engine, with what it says in the broadcast's payload, so a restart resends the same.
Phase changes happen at their dates through :mod:`bot.budget.jobs`; each is claimed in the
database, so it happens once however often a job runs.

One ballot per person: ballots and proposal limits are tied to :func:`voter_key`, the person's
pseudonymous key, which erasing their data does not reset.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.budget.rules import Outcome, Rule, decide
from bot.context import Services
from bot.i18n import Translator
from bot.messaging import translator_of
from bot.residents import verification
from storage import budget as repo
from storage import polls as polls_repo
from storage import roles as roles_repo
from storage import territory
from storage import verifications as verifications_repo
from storage.budget import (
    MAX_BALLOT,
    Ballot,
    Cast,
    Cycle,
    Electorate,
    NewCycle,
    NewProject,
    Phase,
    Progress,
    Project,
    Proposed,
    Protocol,
    Screened,
    Tally,
)
from storage.db import to_db_time, utcnow
from storage.models import Names, Person, Role, Village

_LOGGER = logging.getLogger(__name__)
OPEN_KIND, VOTING_KIND, RESULTS_KIND = repo.OPEN_KIND, repo.VOTING_KIND, repo.RESULTS_KIND
SCREENED_KIND = "budget_screened"  # to the proposer
UPDATE_KIND = "budget_update"  # to those who voted for a project
STAFF_KIND = "budget_staff"  # to the cycle's author: proposals closed, voting cancelled
MAX_TITLE, MAX_DESCRIPTION, MAX_REASON, MAX_NOTE = 100, 1000, 500, 900
MAX_TENGE = 10**12
PHASE_AT = 20  # every phase begins at 20:00 local time


# --- who may take part ---------------------------------------------------------------------------
def voter_key(services: Services, person: Person) -> str:
    """The pseudonymous key of a person (:mod:`bot.identity`): their ballot and limits are tied
    to it, so one who erases their data and comes back finds their ballot, not a second one."""
    return services.identity.person_key(person.telegram_id)


async def is_verified(services: Services, person: Person) -> bool:
    """Whether the person is a verified resident of the village they live in now."""
    found = await verifications_repo.latest_of(services.db, person.id)
    return verification.is_verified(person, found)


class Refusal(StrEnum):
    """Why a resident may not propose or vote in a cycle."""

    NO_VILLAGE = "no_village"
    ELSEWHERE = "elsewhere"
    UNVERIFIED = "unverified"


async def refusal(services: Services, cycle: Cycle, person: Person | None) -> Refusal | None:
    """Why ``person`` is not of the cycle's electorate, or None when they are."""
    if person is None or person.village_code is None:
        return Refusal.NO_VILLAGE
    if person.village_code not in cycle.village_codes:
        return Refusal.ELSEWHERE
    if cycle.electorate is Electorate.VERIFIED and not await is_verified(services, person):
        return Refusal.UNVERIFIED
    return None


# --- amounts and dates ---------------------------------------------------------------------------
_AMOUNT = re.compile(
    r"^(?P<number>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<fraction>\d{1,3}))?\s*"
    r"(?P<unit>млн\.?|mln|m|million|миллион\w*|мың|тыс\.?|k|thousand|тысяч\w*)?\s*"
    r"(?:₸|тг\.?|тенге|теңге|tenge|kzt)?$",
    re.IGNORECASE,
)
_MULTIPLIER = {
    "млн": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "million": 10**6,
    "миллион": 10**6,
    "мың": 10**3,
    "тыс": 10**3,
    "k": 10**3,
    "thousand": 10**3,
    "тысяч": 10**3,
}


def parse_tenge(text: str) -> int | None:
    """An amount typed as «1 200 000», «1,2 млн», «800 мың», «5 mln ₸»; None if not one."""
    match = _AMOUNT.match(text.strip().lower())
    if match is None:
        return None
    whole = int(re.sub(r"\D", "", match["number"]))
    fraction = match["fraction"] or ""
    unit = (match["unit"] or "").rstrip(".")
    multiplier = next((m for word, m in _MULTIPLIER.items() if unit.startswith(word)), 1)
    if fraction and multiplier == 1:
        return None  # tenge have no fractions
    value = whole * multiplier + int(fraction.ljust(3, "0")) * multiplier // 1000
    return value if 0 < value <= MAX_TENGE else None


@dataclass(frozen=True, slots=True)
class Plan:
    """How long each phase lasts, in days: proposals, screening, voting, results."""

    proposals: int
    screening: int
    voting: int
    results: int


PLANS = {
    "short": Plan(7, 3, 7, 7),
    "standard": Plan(14, 7, 14, 14),
    "long": Plan(30, 14, 14, 30),
}


def phase_dates(plan: Plan, now: datetime, zone: Any) -> tuple[datetime, ...]:
    """When proposals open (now), and when screening, voting, results, implementation begin."""
    local = now.astimezone(zone)
    moments = [now]
    day = local.date()
    for days in (plan.proposals, plan.screening, plan.voting, plan.results):
        day += timedelta(days=days)
        at = datetime(day.year, day.month, day.day, PHASE_AT, tzinfo=zone)
        moments.append(at)
    return tuple(moments)


# --- payloads ------------------------------------------------------------------------------------
def payload_of(cycle: Cycle) -> dict[str, Any]:
    """The cycle as a broadcast carries it (JSON)."""
    return {
        "cycle": cycle.id,
        "title": cycle.title,
        "scope_kind": cycle.scope_kind,
        "scope_code": cycle.scope_code,
        "villages": list(cycle.village_codes),
        "amount": cycle.amount,
        "rule": cycle.rule,
        "ballot_kind": str(cycle.ballot_kind),
        "max_choices": cycle.max_choices,
        "electorate": str(cycle.electorate),
        "phase": str(cycle.phase),
        "opened_at": to_db_time(cycle.opened_at),
        "screening_at": to_db_time(cycle.screening_at),
        "voting_at": to_db_time(cycle.voting_at),
        "results_at": to_db_time(cycle.results_at),
        "implementation_at": to_db_time(cycle.implementation_at),
        "created_by": cycle.created_by,
    }


def cycle_of(payload: dict[str, Any]) -> Cycle:
    """Read :func:`payload_of`'s form back."""
    return repo.cycle_from(payload, int(payload["cycle"]), tuple(payload["villages"]))


async def place_names(services: Services, cycle: Cycle) -> Names | None:
    """The names of the cycle's village or rural okrug."""
    if cycle.scope_kind == "okrug":
        okrug = await territory.get_okrug(services.db, cycle.scope_code)
        return okrug.names if okrug is not None else None
    village = await territory.get_village(services.db, cycle.scope_code)
    return village.names if village is not None else None


def items_of(projects: list[Project]) -> list[dict[str, Any]]:
    """The projects on the ballot, as a payload carries them."""
    on_ballot = sorted(
        (p for p in projects if p.position is not None), key=lambda p: p.position or 0
    )
    return [
        {"id": p.id, "number": p.number, "title": p.title, "price": p.price, "position": p.position}
        for p in on_ballot
    ]


async def broadcast_payload(services: Services, cycle: Cycle) -> dict[str, Any]:
    """The cycle, its place's names and its ballot."""
    names = await place_names(services, cycle)
    projects = await repo.projects(services.db, cycle.id)
    return payload_of(cycle) | {
        "place": asdict(names) if names is not None else None,
        "items": items_of(projects),
    }


async def report_chat(services: Services, telegram_id: int) -> tuple[int, Translator]:
    """Where and in which language a staff member watches a broadcast made for them."""
    return telegram_id, await translator_of(services, telegram_id)


# --- the cycle -----------------------------------------------------------------------------------
def scope_villages(kind: str, code: str, villages: list[Village]) -> tuple[str, ...]:
    """The villages of a village or okrug among ``villages`` (the staff's own)."""
    if kind == "okrug":
        return tuple(sorted(v.code for v in villages if v.okrug_code == code))
    return tuple(v.code for v in villages if v.code == code)


async def okrug_whole(services: Services, code: str, villages: list[Village]) -> bool:
    """Whether ``villages`` hold every village of the okrug (staff may run its budget)."""
    every = await territory.list_villages(services.db, okrug_code=code)
    ours = {v.code for v in villages}
    return bool(every) and all(v.code in ours for v in every)


async def create(services: Services, new: NewCycle, report_to: tuple[int, Translator]) -> Cycle:
    """Store the cycle, announce it to the residents of its villages, schedule its phases."""
    cycle = await repo.create(services.db, new)
    await announce(services, cycle, report_to)
    if services.budget_schedule is not None:
        services.budget_schedule.schedule(cycle)
    _LOGGER.info("Budget cycle %s opened in %d villages", cycle.id, len(cycle.village_codes))
    return cycle


async def announce(
    services: Services, cycle: Cycle, report_to: tuple[int, Translator] | None = None
) -> None:
    """The announcement: what the budget is, its rules and dates, how to propose."""
    if report_to is None:
        report_to = await report_chat(services, cycle.created_by)
    chat_id, tr = report_to
    await services.engine.submit(
        kind=OPEN_KIND,
        payload=await broadcast_payload(services, cycle),
        created_by=cycle.created_by,
        report_to=(chat_id, tr),
        report_title=tr.t("budget.open_report", title=cycle.title),
        ref_id=cycle.id,
        village_codes=cycle.village_codes,
    )


# --- proposals and screening ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Proposal:
    """What a resident entered in the proposal dialog."""

    title: str
    description: str
    cost: int
    photo: str | None = None
    latitude: float | None = None
    longitude: float | None = None


async def propose(
    services: Services, cycle: Cycle, person: Person, proposal: Proposal
) -> tuple[Proposed, Project | None]:
    """Store a resident's proposal (phase, village and limit checked when it is stored)."""
    assert person.village_code is not None
    new = NewProject(
        cycle_id=cycle.id,
        proposer_key=voter_key(services, person),
        person_id=person.id,
        village_code=person.village_code,
        title=proposal.title,
        description=proposal.description,
        cost=proposal.cost,
        photo=proposal.photo,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
    )
    limit = services.settings.budget_proposals_per_resident
    result, project = await repo.propose(services.db, new, limit, utcnow())
    if project is not None:
        _LOGGER.info("Budget cycle %s: project %s proposed", cycle.id, project.number)
    return result, project


async def proposals_left(services: Services, cycle: Cycle, person: Person) -> int:
    """How many more projects this person may propose in the cycle."""
    mine = await repo.proposals_of(services.db, cycle.id, voter_key(services, person))
    return max(0, services.settings.budget_proposals_per_resident - mine)


async def screen(
    services: Services,
    project: Project,
    *,
    status: str,
    by: int,
    final_cost: int | None = None,
    reason: str | None = None,
    into: int | None = None,
) -> Screened:
    """Accept, reject or merge a proposal, once; the proposer is told."""
    result, screened = await repo.screen(
        services.db,
        project.id,
        status=status,
        by=by,
        now=utcnow(),
        final_cost=final_cost,
        reason=reason,
        into=into,
    )
    if result is not Screened.DONE or screened is None:
        return result
    cycle = await repo.get(services.db, screened.cycle_id)
    target = await repo.project(services.db, into) if into is not None else None
    if screened.person_id is not None and cycle is not None:
        await services.engine.submit(
            kind=SCREENED_KIND,
            payload={
                "cycle": cycle.id,
                "title": cycle.title,
                "number": screened.number,
                "project": screened.title,
                "status": status,
                "cost": screened.price,
                "reason": reason,
                "into": target.number if target else None,
                "voting_at": to_db_time(cycle.voting_at),
            },
            created_by=by,
            ref_id=screened.id,
            person_ids=(screened.person_id,),
        )
    _LOGGER.info("Budget project %s %s by %s", screened.id, status, by)
    return result


# --- ballots and protocols -----------------------------------------------------------------------
async def cast(services: Services, person: Person, cycle_id: int, choices: int) -> Cast:
    """Record a resident's ballot: checked against the cycle, its electorate and its limit."""
    ballot = Ballot(
        cycle_id,
        voter_key(services, person),
        person.id,
        person.village_code,
        choices,
        utcnow(),
        moved_at=person.village_moved_at,
    )
    return await repo.cast(services.db, ballot)


class ProtocolProblem(StrEnum):
    """Why a protocol cannot be stored."""

    POPULATION = "population"  # more present than the village has residents
    OVER_PRESENT = "over_present"  # a project with more votes than residents present
    PAPERS = "papers"  # more ballot papers than residents present
    OVER_LIMIT = "over_limit"  # a paper over the budget, or with more than K projects
    CLOSED = "closed"


async def record_protocol(
    services: Services,
    cycle: Cycle,
    village: Village,
    present: int,
    counts: list[int] | None = None,
    papers: list[list[int]] | None = None,
    *,
    by: int,
) -> ProtocolProblem | None:
    """Store a meeting's paper ballots: under greedy ``counts``, the votes of each project in
    ballot order; under Equal Shares ``papers``, each paper ballot as the numbers of the
    projects it chose. Bounded by the residents present, and they by the village's population.
    """
    if village.population is not None and present > village.population:
        return ProtocolProblem.POPULATION
    projects = [p for p in await repo.projects(services.db, cycle.id) if p.position is not None]
    projects.sort(key=lambda p: p.position or 0)
    if counts is not None:
        if any(count > present for count in counts):
            return ProtocolProblem.OVER_PRESENT
        votes = [0] * MAX_BALLOT
        for project, count in zip(projects, counts, strict=True):
            votes[project.position or 0] = count
        protocol = Protocol(village.code, present, tuple(votes), ())
    else:
        papers = papers or []
        if len(papers) > present:
            return ProtocolProblem.PAPERS
        bits = {p.number: p.bit for p in projects}
        prices = {p.position or 0: p.price for p in projects}
        chosen = []
        for paper in papers:
            choices = 0
            for number in paper:
                choices |= bits[number]
            if repo.weight(cycle, prices, choices) > cycle.limit():
                return ProtocolProblem.OVER_LIMIT
            chosen.append(choices)
        protocol = Protocol(village.code, present, (0,) * MAX_BALLOT, tuple(chosen))
    if not await repo.record_protocol(services.db, cycle.id, protocol, by, utcnow()):
        return ProtocolProblem.CLOSED
    _LOGGER.info("Budget cycle %s: protocol of %s, %d present", cycle.id, village.code, present)
    return None


# --- phases --------------------------------------------------------------------------------------
async def advance(services: Services, cycle_id: int) -> Cycle | None:
    """Make every phase change that is due (several after a long downtime), schedule the next,
    and return the cycle as it then stands."""
    while True:
        cycle = await repo.get(services.db, cycle_id)
        change = cycle.next_change() if cycle is not None else None
        if cycle is None or change is None or change[1] > utcnow():
            if cycle is not None and services.budget_schedule is not None:
                services.budget_schedule.schedule(cycle)
            return cycle
        await _begin(services, cycle, change[0])


async def _begin(services: Services, cycle: Cycle, phase: Phase) -> None:
    """Begin ``phase`` (claimed: once), and tell whom it concerns."""
    db = services.db
    if phase is Phase.SCREENING:
        if await repo.advance(db, cycle.id, Phase.PROPOSALS, Phase.SCREENING):
            await tell_author(services, cycle, "screening")
    elif phase is Phase.VOTING:
        opened = await repo.open_voting(db, cycle.id)
        if opened is Phase.VOTING:
            await open_ballot(services, cycle.id)
        elif opened is Phase.CANCELLED:
            await tell_author(services, cycle, "cancelled")
    elif phase is Phase.RESULTS:
        await close(services, cycle)
    elif phase is Phase.IMPLEMENTATION:
        await repo.advance(db, cycle.id, Phase.RESULTS, Phase.IMPLEMENTATION)
    _LOGGER.info("Budget cycle %s: %s", cycle.id, phase)


async def tell_author(services: Services, cycle: Cycle, what: str) -> None:
    """Tell the cycle's author that proposals closed, or that voting cannot open."""
    author = await polls_repo.people_ids(services.db, [cycle.created_by])
    if not author:
        return
    projects = await repo.projects(services.db, cycle.id)
    waiting = sum(1 for p in projects if p.status == "proposed")
    await services.engine.submit(
        kind=STAFF_KIND,
        payload=payload_of(cycle) | {"what": what, "proposals": len(projects), "waiting": waiting},
        created_by=cycle.created_by,
        ref_id=cycle.id,
        person_ids=tuple(author),
    )


async def open_ballot(services: Services, cycle_id: int) -> None:
    """Send the ballot to the residents of the cycle's villages."""
    cycle = await repo.get(services.db, cycle_id)
    assert cycle is not None
    payload = await broadcast_payload(services, cycle)
    await _send_to_villages(services, cycle, VOTING_KIND, payload, "budget.voting_report")


async def _send_to_villages(
    services: Services,
    cycle: Cycle,
    kind: str,
    payload: dict[str, Any],
    report_key: str,
    person_ids: tuple[int, ...] = (),
) -> None:
    """Broadcast to the residents of the cycle's villages (and ``person_ids``), reporting the
    progress to the cycle's author."""
    chat_id, tr = await report_chat(services, cycle.created_by)
    await services.engine.submit(
        kind=kind,
        payload=payload,
        created_by=cycle.created_by,
        report_to=(chat_id, tr),
        report_title=tr.t(report_key, title=cycle.title),
        ref_id=cycle.id,
        village_codes=cycle.village_codes,
        person_ids=person_ids,
    )


def ballots_of(cycle: Cycle, projects: list[Project], tally: Tally) -> tuple[list[set[int]], int]:
    """Every ballot as a set of project ids (the bot's, then paper), and how many are paper.

    Under greedy a protocol's votes per project enter as that many one-project ballots (greedy
    counts only the votes); under Equal Shares each recorded paper enters as it was.
    """
    by_position = {p.position: p.id for p in projects if p.position is not None}

    def ids(choices: int) -> set[int]:
        return {by_position[q] for q in repo.positions(choices) if q in by_position}

    ballots = [ids(choices) for choices in tally.ballots]
    paper: list[set[int]] = []
    for protocol in tally.protocols:
        if Rule(cycle.rule) is Rule.GREEDY:
            for position, count in enumerate(protocol.votes):
                if position in by_position:
                    paper += [{by_position[position]}] * count
        else:
            paper += [ids(choices) for choices in protocol.papers]
    return ballots + paper, len(paper)


def results_of(
    cycle: Cycle, projects: list[Project], tally: Tally
) -> tuple[Outcome, dict[str, Any]]:
    """The outcome under the cycle's rule, and the counts to publish with it."""
    on_ballot = [p for p in projects if p.position is not None]
    costs = {p.id: p.price for p in on_ballot}
    ballots, papers = ballots_of(cycle, on_ballot, tally)
    outcome = decide(Rule(cycle.rule), cycle.amount, costs, ballots)
    bot_ballots = ballots[: len(ballots) - papers]
    votes = {str(p.id): sum(1 for b in bot_ballots if p.id in b) for p in on_ballot}
    paper = {str(p.id): sum(1 for b in ballots[len(bot_ballots) :] if p.id in b) for p in on_ballot}
    # Under greedy a protocol gives votes, not papers: its ballots are the residents present.
    greedy = Rule(cycle.rule) is Rule.GREEDY
    results = {
        "votes": votes,
        "paper": paper,
        "voters": len(bot_ballots),
        "paper_ballots": tally.present if greedy else papers,
        "present": tally.present,
        "registered": sum(tally.registered.values()),
        "funded": list(outcome.funded),
        "spent": outcome.spent,
        "left": outcome.left,
    }
    return outcome, results


async def close(services: Services, cycle: Cycle) -> bool:
    """Close the vote: decide by the published rule, store it, publish the results."""
    tally = await repo.tally(services.db, cycle)
    projects = await repo.projects(services.db, cycle.id)
    outcome, results = results_of(cycle, projects, tally)
    if not await repo.close_voting(services.db, cycle.id, results, outcome.funded):
        return False
    _LOGGER.info("Budget cycle %s closed: %d projects funded", cycle.id, len(outcome.funded))
    closed = await repo.get(services.db, cycle.id)
    assert closed is not None
    await publish(services, closed)
    return True


async def staff_of(services: Services, cycle: Cycle) -> list[int]:
    """Telegram ids of the cycle's author and the staff covering all its villages."""
    villages = [await territory.get_village(services.db, code) for code in cycle.village_codes]
    found = {cycle.created_by}
    for grant in await roles_repo.all_grants(services.db):
        if grant.role is Role.STAFF and all(v and grant.scope.covers(v) for v in villages):
            found.add(grant.telegram_id)
    return sorted(found)


async def results_payload(services: Services, cycle: Cycle) -> dict[str, Any]:
    """The cycle with its projects and results, and where its charts go."""
    from bot.budget import chart

    projects = await repo.projects(services.db, cycle.id)
    payload = await broadcast_payload(services, cycle)
    return payload | {
        "results": cycle.results or {},
        "funded_items": [
            {"id": p.id, "number": p.number, "title": p.title, "price": p.price, "funded": p.funded}
            for p in projects
            if p.funded
        ],
        "charts": str(chart.folder_of(services.settings.database_path)),
    }


async def publish(services: Services, cycle: Cycle) -> None:
    """Send the results to the residents of the cycle's villages and to its staff."""
    staff = await polls_repo.people_ids(services.db, await staff_of(services, cycle))
    payload = await results_payload(services, cycle)
    await _send_to_villages(
        services, cycle, RESULTS_KIND, payload, "budget.results_report", tuple(staff)
    )


async def publish_missing(services: Services) -> int:
    """Send what a crash kept from going out right after a phase change."""
    db = services.db
    sent = 0
    for cycle in await repo.unannounced(db, OPEN_KIND, [Phase.PROPOSALS]):
        await announce(services, cycle)
        sent += 1
    for cycle in await repo.unannounced(db, VOTING_KIND, [Phase.VOTING]):
        await open_ballot(services, cycle.id)
        sent += 1
    for cycle in await repo.unannounced(db, RESULTS_KIND, [Phase.RESULTS, Phase.IMPLEMENTATION]):
        await publish(services, cycle)
        sent += 1
    return sent


# --- implementation ------------------------------------------------------------------------------
async def post_update(
    services: Services,
    project: Project,
    progress: Progress,
    note: str | None,
    photo: str | None,
    by: int,
) -> Project | None:
    """Record a report on a funded project and send it to those who voted for it."""
    updated = await repo.post_update(services.db, project.id, progress, note, photo, by, utcnow())
    if updated is None:
        return None
    cycle = await repo.get(services.db, updated.cycle_id)
    assert cycle is not None
    voters = await repo.voters_of(services.db, updated)
    chat_id, tr = await report_chat(services, by)
    await services.engine.submit(
        kind=UPDATE_KIND,
        payload={
            "cycle": cycle.id,
            "title": cycle.title,
            "number": updated.number,
            "project": updated.title,
            "progress": str(progress),
            "note": note,
            "photo": photo,
        },
        created_by=by,
        report_to=(chat_id, tr),
        report_title=tr.t("budget.update_report", number=updated.number, project=updated.title),
        ref_id=updated.id,
        person_ids=tuple(voters),
    )
    _LOGGER.info("Budget project %s: %s, told %d voters", updated.id, progress, len(voters))
    return updated


async def registered(services: Services, cycle: Cycle) -> int:
    """Residents of the cycle's villages now."""
    return await repo.residents(services.db, cycle.village_codes)
