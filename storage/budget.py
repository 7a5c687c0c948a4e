"""Budget cycles, their projects, ballots (one per voter key), paper protocols and updates.

A ballot's choices are a bit set of ballot positions (bit 0 = the first project on the ballot),
fixed when voting opens. Ballots are written by :func:`cast`, which groups concurrent ballots
into one transaction (:meth:`storage.db.Database.grouped`): the cycle's phase and dates, the
costs of the chosen projects and the voter's earlier ballot are read and written there, so a
double tap, concurrent taps and a ballot racing the close end as one ballot or a refusal.
Every phase change is a claim (``UPDATE … WHERE phase = ?``): whoever makes it first wins once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database, Statements, from_db_time, to_db_time

Conn = aiosqlite.Connection | Statements
MAX_BALLOT = 30  # projects on one ballot: a bit set of positions in one integer
OPEN_KIND = "budget_open"  # broadcast kinds whose existence means "announced"
VOTING_KIND = "budget_voting"
RESULTS_KIND = "budget_results"


class Phase(StrEnum):
    """Where a cycle stands; each begins at its own date."""

    PROPOSALS = "proposals"
    SCREENING = "screening"
    VOTING = "voting"
    RESULTS = "results"
    IMPLEMENTATION = "implementation"
    CANCELLED = "cancelled"  # nothing was accepted for the ballot


PHASES = (Phase.PROPOSALS, Phase.SCREENING, Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION)


class Electorate(StrEnum):
    """Who may propose and vote: the residents of the cycle's villages, or the verified ones."""

    RESIDENTS = "residents"
    VERIFIED = "verified"


class BallotKind(StrEnum):
    """Projects whose costs fit in the budget together, or up to K projects."""

    BUDGET = "budget"
    APPROVAL = "approval"


class Progress(StrEnum):
    """A funded project's implementation."""

    PLANNED = "planned"
    STARTED = "started"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class NewCycle:
    """What staff decided in the /newbudget dialog."""

    title: str
    scope_kind: str  # village or okrug
    scope_code: str
    village_codes: tuple[str, ...]
    amount: int
    rule: str
    ballot_kind: BallotKind
    max_choices: int | None
    electorate: Electorate
    opened_at: datetime
    screening_at: datetime
    voting_at: datetime
    results_at: datetime
    implementation_at: datetime
    created_by: int


@dataclass(frozen=True, slots=True)
class Cycle:
    """A participatory budget cycle of a village or a rural okrug."""

    id: int
    title: str
    scope_kind: str
    scope_code: str
    village_codes: tuple[str, ...]
    amount: int
    rule: str
    ballot_kind: BallotKind
    max_choices: int | None
    electorate: Electorate
    phase: Phase
    opened_at: datetime
    screening_at: datetime
    voting_at: datetime
    results_at: datetime
    implementation_at: datetime
    created_by: int
    results: dict[str, Any] | None = None

    def starts(self, phase: Phase) -> datetime:
        """When ``phase`` begins."""
        return {
            Phase.PROPOSALS: self.opened_at,
            Phase.SCREENING: self.screening_at,
            Phase.VOTING: self.voting_at,
            Phase.RESULTS: self.results_at,
            Phase.IMPLEMENTATION: self.implementation_at,
        }[phase]

    def next_change(self) -> tuple[Phase, datetime] | None:
        """The next phase and when it begins (None: the last phase, or cancelled)."""
        if self.phase not in PHASES or self.phase is Phase.IMPLEMENTATION:
            return None
        following = PHASES[PHASES.index(self.phase) + 1]
        return following, self.starts(following)

    def accepts_proposals(self, now: datetime) -> bool:
        """Whether a resident may propose a project now."""
        return self.phase is Phase.PROPOSALS and now < self.screening_at

    def accepts_screening(self, now: datetime) -> bool:
        """Whether staff may screen proposals now (from the first proposal until voting)."""
        return self.phase in (Phase.PROPOSALS, Phase.SCREENING) and now < self.voting_at

    def accepts_ballots(self, now: datetime) -> bool:
        """Whether a ballot arriving now counts."""
        return self.phase is Phase.VOTING and self.voting_at <= now < self.results_at

    @property
    def accepts_updates(self) -> bool:
        """Whether staff may report on funded projects."""
        return self.phase is Phase.IMPLEMENTATION

    def limit(self) -> int:
        """The most a ballot may hold: tenge (within the budget) or projects (approval)."""
        return self.amount if self.ballot_kind is BallotKind.BUDGET else self.max_choices or 1


@dataclass(frozen=True, slots=True)
class NewProject:
    """A resident's proposal."""

    cycle_id: int
    proposer_key: str
    person_id: int
    village_code: str
    title: str
    description: str
    cost: int
    photo: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Project:
    """A proposed project, as screened, voted on and carried out."""

    id: int
    cycle_id: int
    number: int
    proposer_key: str
    person_id: int | None
    village_code: str | None
    title: str
    description: str
    cost: int
    photo: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    status: str  # proposed, accepted, rejected, merged
    final_cost: int | None
    reason: str | None
    merged_into: int | None
    position: int | None
    funded: int | None
    progress: Progress | None
    progress_reason: str | None

    @property
    def price(self) -> int:
        """What the project costs: as staff refined it, else as proposed."""
        return self.final_cost or self.cost

    @property
    def bit(self) -> int:
        """Its bit in a ballot's choices (0 when it is not on the ballot)."""
        return 1 << self.position if self.position is not None else 0


@dataclass(frozen=True, slots=True)
class Update:
    """A report on a funded project."""

    id: int
    project_id: int
    progress: Progress
    note: str | None
    photo: str | None
    posted_at: datetime


class Proposed(StrEnum):
    """What became of a proposal."""

    STORED = "stored"
    CLOSED = "closed"  # not in the proposal phase
    LIMIT = "limit"  # the proposer reached BUDGET_PROPOSALS_PER_RESIDENT
    ELSEWHERE = "elsewhere"
    UNVERIFIED = "unverified"  # a cycle of verified residents, and the proposer is not one


class Screened(StrEnum):
    """What became of a screening decision."""

    DONE = "done"
    CLOSED = "closed"  # voting has begun
    DECIDED = "decided"  # screened before
    TARGET = "target"  # a merge into a project that cannot take it
    FULL = "full"  # the ballot holds MAX_BALLOT projects already


class CastResult(StrEnum):
    """What became of a ballot."""

    RECORDED = "recorded"
    CHANGED = "changed"
    SAME = "same"
    CLOSED = "closed"
    ELSEWHERE = "elsewhere"  # the voter does not live in one of the cycle's villages
    MOVED = "moved"  # the voter moved to their village after voting opened
    UNVERIFIED = "unverified"  # a cycle of verified residents, and the voter is not one
    OVER = "over"  # over the budget, or more than K projects
    EMPTY = "empty"
    INVALID = "invalid"  # no such cycle or position (stale or forged data)


@dataclass(frozen=True, slots=True)
class Ballot:
    """A resident's tap on the Vote button, as it arrived."""

    cycle_id: int
    voter_key: str
    person_id: int
    village_code: str | None
    choices: int
    at: datetime
    moved_at: datetime | None = None  # when the voter last moved from another village


@dataclass(frozen=True, slots=True)
class Cast:
    """The outcome of a ballot: the cycle, and the choices that stand after it."""

    result: CastResult
    cycle: Cycle | None
    choices: int

    @property
    def counted(self) -> bool:
        """Whether the voter's ballot now stands as they tapped it."""
        return self.result in (CastResult.RECORDED, CastResult.CHANGED, CastResult.SAME)


@dataclass(frozen=True, slots=True)
class Protocol:
    """A village meeting's paper ballots: per project (greedy), or each paper (Equal Shares)."""

    village_code: str
    present: int
    votes: tuple[int, ...]  # per ballot position
    papers: tuple[int, ...]  # each paper's choices (Equal Shares only)


@dataclass(frozen=True, slots=True)
class Tally:
    """What the close counts: ballots in the bot, and the standing protocols."""

    ballots: tuple[int, ...]  # the choices of each ballot in the bot
    voters: dict[str, int]  # ballots in the bot per village
    protocols: tuple[Protocol, ...]
    registered: dict[str, int]  # residents per village now

    @property
    def present(self) -> int:
        """Residents present at the meetings of the protocols."""
        return sum(p.present for p in self.protocols)


# --- reading ---------------------------------------------------------------------------------
_CYCLE = (
    "SELECT c.*, (SELECT json_group_array(village_code) FROM (SELECT village_code "
    " FROM budget_cycle_villages v WHERE v.cycle_id = c.id ORDER BY village_code)) AS villages "
    "FROM budget_cycles c "
)


def cycle_from(
    fields: Mapping[str, Any] | sqlite3.Row,
    cycle_id: int,
    village_codes: tuple[str, ...],
    results: dict[str, Any] | None = None,
) -> Cycle:
    """A cycle from its fields by name: a row, or the form a broadcast carries."""
    return Cycle(
        id=cycle_id,
        title=str(fields["title"]),
        scope_kind=str(fields["scope_kind"]),
        scope_code=str(fields["scope_code"]),
        village_codes=village_codes,
        amount=int(fields["amount"]),
        rule=str(fields["rule"]),
        ballot_kind=BallotKind(fields["ballot_kind"]),
        max_choices=fields["max_choices"],
        electorate=Electorate(fields["electorate"]),
        phase=Phase(fields["phase"]),
        opened_at=from_db_time(fields["opened_at"]),
        screening_at=from_db_time(fields["screening_at"]),
        voting_at=from_db_time(fields["voting_at"]),
        results_at=from_db_time(fields["results_at"]),
        implementation_at=from_db_time(fields["implementation_at"]),
        created_by=int(fields["created_by"]),
        results=results,
    )


def _cycle(row: sqlite3.Row) -> Cycle:
    results = json.loads(row["results"]) if row["results"] else None
    return cycle_from(row, row["id"], tuple(json.loads(row["villages"])), results)


def _project(row: sqlite3.Row) -> Project:
    return Project(
        id=row["id"],
        cycle_id=row["cycle_id"],
        number=row["number"],
        proposer_key=row["proposer_key"],
        person_id=row["person_id"],
        village_code=row["village_code"],
        title=row["title"],
        description=row["description"],
        cost=row["cost"],
        photo=row["photo"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        created_at=from_db_time(row["created_at"]),
        status=row["status"],
        final_cost=row["final_cost"],
        reason=row["reason"],
        merged_into=row["merged_into"],
        position=row["position"],
        funded=row["funded"],
        progress=Progress(row["progress"]) if row["progress"] else None,
        progress_reason=row["progress_reason"],
    )


async def _query(conn: Conn, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, params))  # one round trip to the thread


async def _cycles(conn: Conn, where: str, params: Sequence[Any]) -> list[Cycle]:
    """Cycles matching ``where`` (constant SQL text of this module; values in ``params``)."""
    return [_cycle(row) for row in await _query(conn, _CYCLE + where, params)]


async def get(db: Database, cycle_id: int) -> Cycle | None:
    """One cycle."""
    found = await _cycles(db.conn, "WHERE c.id = ?", (cycle_id,))
    return found[0] if found else None


async def of_village(db: Database, village_code: str, limit: int) -> list[Cycle]:
    """The cycles a village takes part in, the newest first (cancelled ones left out)."""
    return await _cycles(
        db.conn,
        "WHERE c.phase != 'cancelled' AND c.id IN (SELECT cycle_id FROM budget_cycle_villages "
        "WHERE village_code = ?) ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
        (village_code, limit),
    )


async def in_villages(db: Database, village_codes: Sequence[str], limit: int) -> list[Cycle]:
    """Cycles touching any of these villages, the newest first."""
    return await _cycles(
        db.conn,
        "WHERE c.id IN (SELECT cycle_id FROM budget_cycle_villages "
        "WHERE village_code IN (SELECT value FROM json_each(?))) "
        "ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
        (json.dumps(list(village_codes)), limit),
    )


async def running(db: Database) -> list[Cycle]:
    """Cycles with a phase still to begin (their jobs are rebuilt at start)."""
    return await _cycles(
        db.conn, "WHERE c.phase NOT IN ('implementation', 'cancelled') ORDER BY c.id", ()
    )


async def unannounced(db: Database, kind: str, phases: Sequence[Phase]) -> list[Cycle]:
    """Cycles in ``phases`` without a broadcast of ``kind`` (a crash right after the change)."""
    return await _cycles(
        db.conn,
        "WHERE c.phase IN (SELECT value FROM json_each(?)) AND NOT EXISTS "
        "(SELECT 1 FROM broadcasts b WHERE b.kind = ? AND b.ref_id = c.id) ORDER BY c.id",
        (json.dumps([str(p) for p in phases]), kind),
    )


async def projects(db: Database, cycle_id: int) -> list[Project]:
    """Every project of a cycle, by number."""
    rows = await _query(
        db.conn, "SELECT * FROM budget_projects WHERE cycle_id = ? ORDER BY number", (cycle_id,)
    )
    return [_project(row) for row in rows]


async def project(db: Database, project_id: int) -> Project | None:
    """One project."""
    rows = await _query(db.conn, "SELECT * FROM budget_projects WHERE id = ?", (project_id,))
    return _project(rows[0]) if rows else None


async def proposals_of(db: Database, cycle_id: int, proposer_key: str) -> int:
    """How many projects this voter key proposed in the cycle."""
    rows = await _query(
        db.conn,
        "SELECT COUNT(*) FROM budget_projects WHERE cycle_id = ? AND proposer_key = ?",
        (cycle_id, proposer_key),
    )
    return int(rows[0][0])


async def ballot_of(db: Database, cycle_id: int, voter_key: str) -> int:
    """A voter's choices in a cycle (0: no ballot)."""
    rows = await _query(
        db.conn,
        "SELECT choices FROM budget_ballots WHERE cycle_id = ? AND voter_key = ?",
        (cycle_id, voter_key),
    )
    return int(rows[0][0]) if rows else 0


async def ballot_count(db: Database, cycle_id: int) -> int:
    """Ballots cast in the bot."""
    rows = await _query(
        db.conn, "SELECT COUNT(*) FROM budget_ballots WHERE cycle_id = ?", (cycle_id,)
    )
    return int(rows[0][0])


async def updates_of(db: Database, project_id: int, limit: int) -> list[Update]:
    """A project's latest reports, the newest first."""
    rows = await _query(
        db.conn,
        "SELECT * FROM budget_updates WHERE project_id = ? ORDER BY posted_at DESC, id DESC "
        "LIMIT ?",
        (project_id, limit),
    )
    return [
        Update(
            row["id"],
            row["project_id"],
            Progress(row["progress"]),
            row["note"],
            row["photo"],
            from_db_time(row["posted_at"]),
        )
        for row in rows
    ]


async def voters_of(db: Database, project: Project) -> list[int]:
    """People ids of those whose ballot in the bot chose ``project``."""
    if project.position is None:
        return []
    rows = await _query(
        db.conn,
        "SELECT person_id FROM budget_ballots WHERE cycle_id = ? AND (choices & ?) != 0 "
        "AND person_id IS NOT NULL",
        (project.cycle_id, project.bit),
    )
    return [row[0] for row in rows]


async def residents(db: Database, village_codes: Sequence[str]) -> int:
    """Residents registered in these villages now."""
    rows = await _query(
        db.conn,
        "SELECT COUNT(*) FROM people WHERE deleted_at IS NULL "
        "AND village_code IN (SELECT value FROM json_each(?))",
        (json.dumps(list(village_codes)),),
    )
    return int(rows[0][0])


async def tally(db: Database, cycle: Cycle) -> Tally:
    """The ballots in the bot and the standing protocols of a cycle."""
    conn = db.conn
    ballots: list[int] = []
    voters: dict[str, int] = {}
    for village, choices in await _query(
        conn, "SELECT village_code, choices FROM budget_ballots WHERE cycle_id = ?", (cycle.id,)
    ):
        ballots.append(choices)
        voters[village] = voters.get(village, 0) + 1
    protocols = []
    for row in await _query(
        conn,
        "SELECT p.id, p.village_code, p.present FROM budget_protocols p WHERE p.cycle_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM budget_protocols n WHERE n.supersedes = p.id) "
        "ORDER BY p.village_code",
        (cycle.id,),
    ):
        votes = await _query(
            conn,
            "SELECT position, votes FROM budget_protocol_votes WHERE protocol_id = ?",
            (row["id"],),
        )
        papers = await _query(
            conn,
            "SELECT choices FROM budget_protocol_ballots WHERE protocol_id = ? ORDER BY paper",
            (row["id"],),
        )
        counts = [0] * MAX_BALLOT
        for position, count in votes:
            counts[position] = count
        protocols.append(
            Protocol(
                row["village_code"], row["present"], tuple(counts), tuple(p[0] for p in papers)
            )
        )
    registered = {}
    for code in cycle.village_codes:
        rows = await _query(
            conn,
            "SELECT COUNT(*) FROM people WHERE village_code = ? AND deleted_at IS NULL",
            (code,),
        )
        registered[code] = int(rows[0][0])
    return Tally(tuple(ballots), voters, tuple(protocols), registered)


# --- writing ---------------------------------------------------------------------------------
async def create(db: Database, new: NewCycle) -> Cycle:
    """Store a cycle with its villages."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO budget_cycles (title, scope_kind, scope_code, amount, rule, ballot_kind, "
            "max_choices, electorate, opened_at, screening_at, voting_at, results_at, "
            "implementation_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.title,
                new.scope_kind,
                new.scope_code,
                new.amount,
                new.rule,
                str(new.ballot_kind),
                new.max_choices,
                str(new.electorate),
                to_db_time(new.opened_at),
                to_db_time(new.screening_at),
                to_db_time(new.voting_at),
                to_db_time(new.results_at),
                to_db_time(new.implementation_at),
                new.created_by,
            ),
        )
        cycle_id = cursor.lastrowid
        assert cycle_id is not None
        await tx.executemany(
            "INSERT INTO budget_cycle_villages (cycle_id, village_code) VALUES (?, ?)",
            [(cycle_id, code) for code in new.village_codes],
        )
    cycle = await get(db, cycle_id)
    assert cycle is not None
    return cycle


async def propose(
    db: Database, new: NewProject, limit: int, now: datetime
) -> tuple[Proposed, Project | None]:
    """Store a proposal: in the proposal phase, from a resident, within the limit per key."""
    async with db.transaction() as tx:
        found = await _cycles(tx, "WHERE c.id = ?", (new.cycle_id,))
        if not found or not found[0].accepts_proposals(now):
            return Proposed.CLOSED, None
        if new.village_code not in found[0].village_codes:
            return Proposed.ELSEWHERE, None
        if found[0].electorate is Electorate.VERIFIED and not await _verified(
            tx, [(new.person_id, new.village_code)]
        ):
            return Proposed.UNVERIFIED, None
        rows = await _query(
            tx,
            "SELECT COUNT(*), (SELECT COALESCE(MAX(number), 0) FROM budget_projects "
            "WHERE cycle_id = ?) FROM budget_projects WHERE cycle_id = ? AND proposer_key = ?",
            (new.cycle_id, new.cycle_id, new.proposer_key),
        )
        mine, last = int(rows[0][0]), int(rows[0][1])
        if mine >= limit:
            return Proposed.LIMIT, None
        cursor = await tx.execute(
            "INSERT INTO budget_projects (cycle_id, number, proposer_key, person_id, "
            "village_code, title, description, cost, photo, latitude, longitude, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.cycle_id,
                last + 1,
                new.proposer_key,
                new.person_id,
                new.village_code,
                new.title,
                new.description,
                new.cost,
                new.photo,
                new.latitude,
                new.longitude,
                to_db_time(now),
            ),
        )
        project_id = cursor.lastrowid
    assert project_id is not None
    return Proposed.STORED, await project(db, project_id)


async def screen(
    db: Database,
    project_id: int,
    *,
    status: str,
    by: int,
    now: datetime,
    final_cost: int | None = None,
    reason: str | None = None,
    into: int | None = None,
) -> tuple[Screened, Project | None]:
    """Accept (``final_cost``), reject (``reason``) or merge (``into``) a proposal, once."""
    async with db.transaction() as tx:
        rows = await _query(tx, "SELECT * FROM budget_projects WHERE id = ?", (project_id,))
        if not rows:
            return Screened.DECIDED, None
        current = _project(rows[0])
        cycle = (await _cycles(tx, "WHERE c.id = ?", (current.cycle_id,)))[0]
        if not cycle.accepts_screening(now):
            return Screened.CLOSED, current
        if current.status != "proposed":
            return Screened.DECIDED, current
        if status == "merged":
            target = await _query(
                tx,
                "SELECT status FROM budget_projects WHERE id = ? AND cycle_id = ? AND id != ?",
                (into, current.cycle_id, project_id),
            )
            if not target or target[0][0] not in ("proposed", "accepted"):
                return Screened.TARGET, current
        if status == "accepted":
            accepted = await _query(
                tx,
                "SELECT COUNT(*) FROM budget_projects WHERE cycle_id = ? AND status = 'accepted'",
                (current.cycle_id,),
            )
            if int(accepted[0][0]) >= MAX_BALLOT:
                return Screened.FULL, current
        await tx.execute(
            "UPDATE budget_projects SET status = ?, final_cost = ?, reason = ?, merged_into = ?, "
            "screened_by = ?, screened_at = ? WHERE id = ?",
            (status, final_cost, reason, into, by, to_db_time(now), project_id),
        )
    return Screened.DONE, await project(db, project_id)


async def redate(db: Database, cycle_id: int, starts: Sequence[datetime]) -> None:
    """Move the dates of a cycle's five phases (the demo's week passes in minutes)."""
    await db.execute_write(
        "UPDATE budget_cycles SET opened_at = ?, screening_at = ?, voting_at = ?, "
        "results_at = ?, implementation_at = ? WHERE id = ?",
        (*(to_db_time(moment) for moment in starts), cycle_id),
    )


async def _claim(conn: Conn, cycle_id: int, was: Phase, becomes: Phase) -> bool:
    cursor = await conn.execute(
        "UPDATE budget_cycles SET phase = ? WHERE id = ? AND phase = ?",
        (str(becomes), cycle_id, str(was)),
    )
    return cursor.rowcount > 0


async def advance(db: Database, cycle_id: int, was: Phase, becomes: Phase) -> bool:
    """Move a cycle from one phase to the next; False when another run did it first."""
    async with db.transaction() as tx:
        return await _claim(tx, cycle_id, was, becomes)


async def open_voting(db: Database, cycle_id: int) -> Phase | None:
    """Screening → voting: the accepted projects, by number, take their ballot positions.

    With nothing accepted the cycle is cancelled. None when another run did it first.
    """
    async with db.transaction() as tx:
        accepted = await _query(
            tx,
            "SELECT id FROM budget_projects WHERE cycle_id = ? AND status = 'accepted' "
            "ORDER BY number LIMIT ?",
            (cycle_id, MAX_BALLOT),
        )
        becomes = Phase.VOTING if accepted else Phase.CANCELLED
        if not await _claim(tx, cycle_id, Phase.SCREENING, becomes):
            return None
        await tx.executemany(
            "UPDATE budget_projects SET position = ? WHERE id = ?",
            [(position, row[0]) for position, row in enumerate(accepted)],
        )
    return becomes


async def close_voting(
    db: Database, cycle_id: int, results: dict[str, Any], funded: Sequence[int]
) -> bool:
    """Voting → results: store the counts and outcome, mark the funded projects as planned."""
    async with db.transaction() as tx:
        if not await _claim(tx, cycle_id, Phase.VOTING, Phase.RESULTS):
            return False
        await tx.execute(
            "UPDATE budget_cycles SET results = ? WHERE id = ?",
            (json.dumps(results, ensure_ascii=False), cycle_id),
        )
        await tx.executemany(
            "UPDATE budget_projects SET funded = ?, progress = 'planned' "
            "WHERE id = ? AND cycle_id = ?",
            [(order, project_id, cycle_id) for order, project_id in enumerate(funded, 1)],
        )
    return True


# --- ballots -----------------------------------------------------------------------------------
async def _prices(conn: Conn, cycle_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """The price of each ballot position, by cycle."""
    prices: dict[int, dict[int, int]] = {}
    for cycle_id, position, price in await _query(
        conn,
        "SELECT cycle_id, position, COALESCE(final_cost, cost) FROM budget_projects "
        "WHERE cycle_id IN (SELECT value FROM json_each(?)) AND position IS NOT NULL",
        (json.dumps(sorted(set(cycle_ids))),),
    ):
        prices.setdefault(cycle_id, {})[position] = price
    return prices


def positions(choices: int) -> list[int]:
    """The ballot positions in a bit set of choices."""
    return [position for position in range(MAX_BALLOT) if choices >> position & 1]


def weight(cycle: Cycle, prices: dict[int, int], choices: int) -> int:
    """What a ballot takes of the cycle's limit: its tenge, or its number of projects."""
    if cycle.ballot_kind is BallotKind.APPROVAL:
        return choices.bit_count()
    return sum(prices.get(position, 0) for position in positions(choices))


def judge(
    cycle: Cycle | None, prices: dict[int, int], ballot: Ballot, before: int, verified: bool
) -> CastResult:
    """The result of one ballot given the one that stood before it (``verified``: its voter is
    a verified resident of their village)."""
    if (
        cycle is None
        or ballot.choices < 0
        or any(p not in prices for p in positions(ballot.choices))
    ):
        return CastResult.INVALID
    if ballot.choices >= 1 << MAX_BALLOT:
        return CastResult.INVALID
    if not cycle.accepts_ballots(ballot.at):
        return CastResult.CLOSED
    if ballot.village_code not in cycle.village_codes:
        return CastResult.ELSEWHERE
    if ballot.moved_at is not None and ballot.moved_at >= cycle.voting_at:
        return CastResult.MOVED  # they could vote where they lived before
    if cycle.electorate is Electorate.VERIFIED and not verified:
        return CastResult.UNVERIFIED
    if not ballot.choices:
        return CastResult.EMPTY
    if weight(cycle, prices, ballot.choices) > cycle.limit():
        return CastResult.OVER
    if not before:
        return CastResult.RECORDED
    return CastResult.SAME if before == ballot.choices else CastResult.CHANGED


async def _verified(
    conn: Conn, pairs: Sequence[tuple[int, str | None]]
) -> set[tuple[int, str | None]]:
    """Of these (person, village) pairs, those where the person is a verified resident of the
    village (storage.verifications)."""
    rows = await _query(
        conn,
        "SELECT v.person_id, v.village_code FROM json_each(?) j JOIN verifications v "
        "ON v.person_id = json_extract(j.value, '$[0]') "
        "AND v.village_code = json_extract(j.value, '$[1]') WHERE v.status = 'verified'",
        (json.dumps([list(pair) for pair in pairs]),),
    )
    return {(row[0], row[1]) for row in rows}


async def _cast(conn: Statements, ballots: list[Ballot]) -> list[Cast]:
    ids = {b.cycle_id for b in ballots}
    cycles = {
        c.id: c
        for c in await _cycles(
            conn, "WHERE c.id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(ids)),)
        )
    }
    prices = await _prices(conn, ids)
    keys = [[b.cycle_id, b.voter_key] for b in ballots]
    standing = {
        (row[0], row[1]): row[2]
        for row in await _query(
            conn,
            "SELECT b.cycle_id, b.voter_key, b.choices FROM json_each(?) j JOIN budget_ballots b "
            "ON b.cycle_id = json_extract(j.value, '$[0]') "
            "AND b.voter_key = json_extract(j.value, '$[1]')",
            (json.dumps(keys),),
        )
    }
    verified = await _verified(conn, [(b.person_id, b.village_code) for b in ballots])
    casts: list[Cast] = []
    inserts: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for ballot in ballots:  # in arrival order: a second tap in the same group sees the first
        key = (ballot.cycle_id, ballot.voter_key)
        cycle = cycles.get(ballot.cycle_id)
        before = standing.get(key, 0)
        is_verified = (ballot.person_id, ballot.village_code) in verified
        result = judge(cycle, prices.get(ballot.cycle_id, {}), ballot, before, is_verified)
        at = to_db_time(ballot.at)
        if result is CastResult.RECORDED:
            inserts.append((*key, ballot.person_id, ballot.village_code, ballot.choices, at))
        elif result is CastResult.CHANGED:
            changes.append((ballot.choices, ballot.person_id, ballot.village_code, at, *key))
        after = ballot.choices if result in (CastResult.RECORDED, CastResult.CHANGED) else before
        standing[key] = after
        casts.append(Cast(result, cycle, after))
    if inserts:
        await conn.executemany(
            "INSERT INTO budget_ballots (cycle_id, voter_key, person_id, village_code, choices, "
            "cast_at) VALUES (?, ?, ?, ?, ?, ?)",
            inserts,
        )
    if changes:
        await conn.executemany(
            "UPDATE budget_ballots SET choices = ?, person_id = ?, village_code = ?, "
            "changed_at = ? WHERE cycle_id = ? AND voter_key = ?",
            changes,
        )
    return casts


async def cast(db: Database, ballot: Ballot) -> Cast:
    """Record a ballot under the cycle's rules, with the ballots arriving at the same moment."""
    return await db.grouped(_cast, ballot)


# --- paper protocols and updates -----------------------------------------------------------------
async def record_protocol(
    db: Database, cycle_id: int, protocol: Protocol, by: int, now: datetime
) -> bool:
    """Store a village's protocol, superseding its standing one; False once voting closed."""
    async with db.transaction() as tx:
        found = await _cycles(tx, "WHERE c.id = ?", (cycle_id,))
        if not found or not found[0].accepts_ballots(now):
            return False
        standing = await _query(
            tx,
            "SELECT p.id FROM budget_protocols p WHERE p.cycle_id = ? AND p.village_code = ? "
            "AND NOT EXISTS (SELECT 1 FROM budget_protocols n WHERE n.supersedes = p.id)",
            (cycle_id, protocol.village_code),
        )
        cursor = await tx.execute(
            "INSERT INTO budget_protocols (cycle_id, village_code, present, entered_by, "
            "entered_at, supersedes) VALUES (?, ?, ?, ?, ?, ?)",
            (
                cycle_id,
                protocol.village_code,
                protocol.present,
                by,
                to_db_time(now),
                standing[0][0] if standing else None,
            ),
        )
        protocol_id = cursor.lastrowid
        await tx.executemany(
            "INSERT INTO budget_protocol_votes (protocol_id, position, votes) VALUES (?, ?, ?)",
            [(protocol_id, position, n) for position, n in enumerate(protocol.votes) if n],
        )
        await tx.executemany(
            "INSERT INTO budget_protocol_ballots (protocol_id, paper, choices) VALUES (?, ?, ?)",
            [(protocol_id, paper, choices) for paper, choices in enumerate(protocol.papers, 1)],
        )
    return True


async def post_update(
    db: Database,
    project_id: int,
    progress: Progress,
    note: str | None,
    photo: str | None,
    by: int,
    now: datetime,
) -> Project | None:
    """Store a report on a funded project and its new status; None when it may not take it."""
    async with db.transaction() as tx:
        rows = await _query(tx, "SELECT * FROM budget_projects WHERE id = ?", (project_id,))
        current = _project(rows[0]) if rows else None
        if current is None or current.funded is None or current.progress is None:
            return None
        cycle = (await _cycles(tx, "WHERE c.id = ?", (current.cycle_id,)))[0]
        if not cycle.accepts_updates or not may_follow(current.progress, progress):
            return None
        await tx.execute(
            "INSERT INTO budget_updates (project_id, progress, note, photo, posted_by, posted_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (project_id, str(progress), note, photo, by, to_db_time(now)),
        )
        reason = note if progress is Progress.CANCELLED else current.progress_reason
        await tx.execute(
            "UPDATE budget_projects SET progress = ?, progress_reason = ? WHERE id = ?",
            (str(progress), reason, project_id),
        )
    return await project(db, project_id)


_ORDER = (Progress.PLANNED, Progress.STARTED, Progress.DONE)


def may_follow(current: Progress, new: Progress) -> bool:
    """Whether a project at ``current`` may be reported ``new``: onward, never back.

    A note keeps the status; a cancelled or done project takes no other status, a cancelled
    one no notes either.
    """
    if current is Progress.CANCELLED:
        return False
    if new is Progress.CANCELLED:
        return current is not Progress.DONE
    if new is current:
        return True
    return new is not Progress.PLANNED and _ORDER.index(new) > _ORDER.index(current)


async def redact_of_person(conn: Conn, person_id: int) -> None:
    """Erase what a person who erased their data wrote and sent with their proposals: the
    description, the photo, the map pin. The title stays: it names the project on the
    budget's list and ballot, for everyone who voted on it."""
    await conn.execute(
        "UPDATE budget_projects SET description = '', photo = NULL, latitude = NULL, "
        "longitude = NULL WHERE person_id = ?",
        (person_id,),
    )


async def voted_by(db: Database, person_id: int, limit: int) -> list[Cycle]:
    """The cycles a person cast a ballot in, the newest first (for /mydata)."""
    return await _cycles(
        db.conn,
        "WHERE c.id IN (SELECT cycle_id FROM budget_ballots WHERE person_id = ?) "
        "ORDER BY c.id DESC LIMIT ?",
        (person_id, limit),
    )


async def proposed_by(db: Database, person_id: int, limit: int) -> list[Project]:
    """The projects a person proposed, the newest first (for /mydata)."""
    rows = await _query(
        db.conn,
        "SELECT * FROM budget_projects WHERE person_id = ? ORDER BY id DESC LIMIT ?",
        (person_id, limit),
    )
    return [_project(row) for row in rows]


@dataclass(frozen=True, slots=True)
class ProjectLine:
    """A funded project as the weekly summary lists it."""

    cycle_title: str
    village_codes: tuple[str, ...]
    number: int
    title: str
    cost: int
    votes: int  # in the bot and on paper
    progress: Progress | None
    updated_at: datetime | None  # the latest report on it


async def project_lines(db: Database, village_codes: Sequence[str]) -> list[ProjectLine]:
    """The funded projects of the cycles of these villages, where each stands (read beside the
    writer: the weekly summary)."""
    mine = set(village_codes)
    found = await _cycles(
        db.reader,
        "WHERE c.results IS NOT NULL AND c.id IN (SELECT cycle_id FROM budget_cycle_villages "
        "WHERE village_code IN (SELECT value FROM json_each(?)))",
        (json.dumps(sorted(mine)),),
    )
    cycles = {c.id: c for c in found if set(c.village_codes) <= mine}
    if not cycles:
        return []
    projects = [
        _project(row)
        for row in await db.read_all(
            "SELECT * FROM budget_projects WHERE funded IS NOT NULL "
            "AND cycle_id IN (SELECT value FROM json_each(?)) ORDER BY cycle_id, funded",
            (json.dumps(sorted(cycles)),),
        )
    ]
    updated = await last_update_at(db, [p.id for p in projects])
    lines = []
    for p in projects:
        cycle = cycles[p.cycle_id]
        results = cycle.results or {}
        votes = int(results.get("votes", {}).get(str(p.id), 0))
        votes += int(results.get("paper", {}).get(str(p.id), 0))
        lines.append(
            ProjectLine(cycle.title, cycle.village_codes, p.number, p.title, p.price, votes,
                        p.progress, updated.get(p.id))
        )  # fmt: skip
    return lines


async def last_update_at(db: Database, project_ids: Sequence[int]) -> dict[int, datetime]:
    """When each project was last reported on."""
    rows = await db.read_all(
        "SELECT project_id, MAX(posted_at) FROM budget_updates "
        "WHERE project_id IN (SELECT value FROM json_each(?)) GROUP BY project_id",
        (json.dumps(list(project_ids)),),
    )
    return {row[0]: from_db_time(row[1]) for row in rows}
