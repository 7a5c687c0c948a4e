"""Polls, their options and villages, votes (one per resident), paper tallies and results.

A vote's choices are a bit set of option positions (bit 0 = the first option). Votes are
written by :func:`cast`, which groups concurrent ballots into one transaction
(:meth:`storage.db.Database.grouped`): the poll's status, the resident's earlier vote and the
new one are read and written there, so a double tap, concurrent taps and a vote racing the
close all end as exactly one vote or a refusal.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database, Statements, from_db_time, to_db_time
from storage.versions import NONE, Versions

RESULTS_KIND = "poll_results"  # the broadcast kind whose existence means "results published"
# Reads run on the connection, or inside a group commit (votes: see Database.grouped).
Conn = aiosqlite.Connection | Statements
MAX_OPTIONS = 10


def positions(choices: int) -> list[int]:
    """The option positions in a bit set of choices."""
    return [position for position in range(MAX_OPTIONS) if choices >> position & 1]


def bit_set(chosen: Iterable[int]) -> int:
    """The bit set of option positions."""
    value = 0
    for position in chosen:
        value |= 1 << position
    return value


@dataclass(frozen=True, slots=True)
class NewPoll:
    """What staff decided in the /newpoll dialog."""

    question: str
    options: tuple[str, ...]
    max_choices: int
    may_change: bool
    results_early: bool
    closes_at: datetime
    village_codes: tuple[str, ...]
    created_by: int
    verified_only: bool = False  # only verified residents of the villages may vote
    versions: Versions = NONE  # the question and options in another language


@dataclass(frozen=True, slots=True)
class Poll:
    """A poll on local priorities."""

    id: int
    question: str
    options: tuple[str, ...]
    max_choices: int
    may_change: bool
    results_early: bool
    closes_at: datetime
    status: str
    created_by: int
    created_at: datetime
    closed_at: datetime | None
    village_codes: tuple[str, ...]
    reminded: bool
    verified_only: bool = False  # only verified residents of the villages may vote
    versions: Versions = NONE  # the question and options in another language

    def read_in(self, language: str) -> Poll:
        """The poll as a reader of ``language`` gets it: their version of the question and the
        options (the options only when there are as many), else the first one."""
        if not self.versions:
            return self
        options = (self.versions.text(language, "options") or "").split("\n")
        return replace(
            self,
            question=self.versions.pick(language, "question", self.question),
            options=tuple(options) if len(options) == len(self.options) else self.options,
        )

    @property
    def single(self) -> bool:
        """Whether a resident chooses one option."""
        return self.max_choices == 1

    def accepts_votes(self, now: datetime) -> bool:
        """Whether a vote arriving ``now`` counts."""
        return self.status == "open" and now < self.closes_at

    def valid_choices(self, choices: int) -> bool:
        """Whether a bit set names existing options, at least one and at most the maximum."""
        return 0 < choices < 1 << len(self.options) and choices.bit_count() <= self.max_choices


@dataclass(frozen=True, slots=True)
class VillageTally:
    """One village's part of the results."""

    village_code: str
    registered: int  # residents registered (at the close; live while open)
    voters: int  # residents who voted in the bot
    bot: tuple[int, ...]  # votes per option in the bot
    paper: tuple[int, ...]  # votes per option on paper
    verified_voters: int = 0  # of the voters, those verified when they voted
    verified: tuple[int, ...] = ()  # of the votes in the bot, those of verified voters

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (results travel in the broadcast payload)."""
        return {
            "village": self.village_code, "registered": self.registered, "voters": self.voters,
            "bot": list(self.bot), "paper": list(self.paper),
            "verified_voters": self.verified_voters, "verified": list(self.verified),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VillageTally:
        """Read :meth:`to_dict`'s form (results published before verification had none)."""
        bot = tuple(data["bot"])
        return cls(
            village_code=str(data["village"]), registered=int(data["registered"]),
            voters=int(data["voters"]), bot=bot, paper=tuple(data["paper"]),
            verified_voters=int(data.get("verified_voters", 0)),
            verified=tuple(data.get("verified") or (0,) * len(bot)),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Results:
    """Counts of a poll, per village and in total; paper votes apart and in the total."""

    poll_id: int
    options: int
    villages: tuple[VillageTally, ...]

    def _sum(self, field: str) -> tuple[int, ...]:
        return tuple(
            sum(getattr(v, field)[position] for v in self.villages)
            for position in range(self.options)
        )

    @property
    def bot(self) -> tuple[int, ...]:
        """Votes per option in the bot."""
        return self._sum("bot")

    @property
    def paper(self) -> tuple[int, ...]:
        """Votes per option on paper."""
        return self._sum("paper")

    @property
    def verified(self) -> tuple[int, ...]:
        """Votes per option in the bot by residents verified when they voted."""
        return self._sum("verified")

    @property
    def unverified(self) -> tuple[int, ...]:
        """Votes per option in the bot by residents not verified when they voted."""
        return tuple(b - v for b, v in zip(self.bot, self.verified, strict=True))

    @property
    def verified_voters(self) -> int:
        """Residents who voted in the bot as verified residents."""
        return sum(v.verified_voters for v in self.villages)

    @property
    def totals(self) -> tuple[int, ...]:
        """Votes per option, bot and paper together."""
        return tuple(b + p for b, p in zip(self.bot, self.paper, strict=True))

    @property
    def votes(self) -> int:
        """All votes (marks) of every option."""
        return sum(self.totals)

    @property
    def paper_votes(self) -> int:
        """All votes on paper."""
        return sum(self.paper)

    @property
    def voters(self) -> int:
        """Residents who voted in the bot."""
        return sum(v.voters for v in self.villages)

    @property
    def registered(self) -> int:
        """Residents registered in the poll's villages."""
        return sum(v.registered for v in self.villages)

    def share(self, position: int) -> float:
        """An option's share of all votes (0 when nobody voted)."""
        return self.totals[position] / self.votes if self.votes else 0.0

    @staticmethod
    def turnout(voters: int, registered: int) -> float:
        """Voters over registered residents (0 when the village has none)."""
        return voters / registered if registered else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "poll": self.poll_id,
            "options": self.options,
            "villages": [v.to_dict() for v in self.villages],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        """Read :meth:`to_dict`'s form."""
        return cls(
            poll_id=int(data["poll"]),
            options=int(data["options"]),
            villages=tuple(VillageTally.from_dict(v) for v in data["villages"]),
        )


class CastResult(StrEnum):
    """What became of a tap on a vote button."""

    RECORDED = "recorded"  # a first vote
    CHANGED = "changed"  # a different choice, and the poll allows changing
    SAME = "same"  # the vote already stood so (a double tap)
    FINAL = "final"  # already voted otherwise, and the poll does not allow changing
    CLOSED = "closed"
    ELSEWHERE = "elsewhere"  # the voter does not live in one of the poll's villages
    UNVERIFIED = "unverified"  # the poll is for verified residents, and the voter is not one
    MOVED = "moved"  # the voter moved to their village after the poll opened
    LATE = "late"  # joined after the poll opened, and the poll takes no late joiners
    INVALID = "invalid"  # no such poll or choice (stale or forged data)


@dataclass(frozen=True, slots=True)
class Ballot:
    """A resident's tap on a vote button, as it arrived."""

    poll_id: int
    person_id: int
    village_code: str | None
    choices: int
    at: datetime
    verified: bool = False  # a verified resident of ``village_code`` (set in the transaction)
    bound_at: datetime | None = None  # when the voter was bound to their village
    moved_at: datetime | None = None  # when they last moved from another village


def late_joiners_vote(poll: Poll) -> bool:
    """Whether someone bound to their village for the first time after the poll opened votes.

    Yes, since they vote nowhere else; but not in a poll for verified residents only, whose
    electorate is who lived there when it opened.
    """
    return not poll.verified_only


def eligibility(
    poll: Poll, village_code: str | None, bound_at: datetime | None, moved_at: datetime | None
) -> CastResult | None:
    """Why a resident may not vote in ``poll`` (None: they may).

    Only residents of its villages, bound there since before it opened: one who moved in after
    the opening voted (or could have) where they lived before; a first-time joiner may vote
    (:func:`late_joiners_vote`).
    """
    if village_code not in poll.village_codes:
        return CastResult.ELSEWHERE
    if moved_at is not None and moved_at >= poll.created_at:
        return CastResult.MOVED
    if bound_at is not None and bound_at >= poll.created_at and not late_joiners_vote(poll):
        return CastResult.LATE
    return None


@dataclass(frozen=True, slots=True)
class Cast:
    """The outcome of a ballot: the poll, the vote that stands, results when shown early."""

    result: CastResult
    poll: Poll | None
    choices: int  # the resident's vote after this ballot (0: none)
    results: Results | None = None

    @property
    def counted(self) -> bool:
        """Whether the resident's vote now stands as they tapped it."""
        return self.result in (CastResult.RECORDED, CastResult.CHANGED, CastResult.SAME)


_POLL = (
    "SELECT p.*, "
    "(SELECT json_group_array(label) FROM (SELECT label FROM poll_options o "
    " WHERE o.poll_id = p.id ORDER BY position)) AS option_labels, "
    "(SELECT json_group_array(village_code) FROM (SELECT village_code FROM poll_villages v "
    " WHERE v.poll_id = p.id ORDER BY village_code)) AS villages "
    "FROM polls p "
)


def _poll(row: sqlite3.Row) -> Poll:
    return Poll(
        id=row["id"],
        question=row["question"],
        options=tuple(json.loads(row["option_labels"])),
        max_choices=row["max_choices"],
        may_change=bool(row["may_change"]),
        results_early=bool(row["results_early"]),
        closes_at=from_db_time(row["closes_at"]),
        status=row["status"],
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        closed_at=from_db_time(row["closed_at"]) if row["closed_at"] else None,
        village_codes=tuple(json.loads(row["villages"])),
        reminded=row["reminded_at"] is not None,
        verified_only=bool(row["verified_only"]),
        versions=Versions.from_json(row["versions"]),
    )


async def _query(conn: Conn, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, params))  # one round trip to the thread


async def _select(conn: Conn, where: str, params: Sequence[Any]) -> list[Poll]:
    """Polls matching ``where`` (constant SQL text of this module; values go in ``params``)."""
    return [_poll(row) for row in await _query(conn, _POLL + where, params)]


async def create(db: Database, new: NewPoll, now: datetime) -> Poll:
    """Store a poll with its options and villages."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO polls (question, max_choices, may_change, results_early, closes_at, "
            "created_by, created_at, verified_only, versions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.question, new.max_choices, int(new.may_change), int(new.results_early),
             to_db_time(new.closes_at), new.created_by, to_db_time(now),
             int(new.verified_only), new.versions.to_json()),
        )  # fmt: skip
        poll_id = cursor.lastrowid
        assert poll_id is not None
        await tx.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
            [(poll_id, position, label) for position, label in enumerate(new.options)],
        )
        await tx.executemany(
            "INSERT INTO poll_villages (poll_id, village_code) VALUES (?, ?)",
            [(poll_id, code) for code in new.village_codes],
        )
    poll = await get(db, poll_id)
    assert poll is not None
    return poll


async def get(db: Database, poll_id: int) -> Poll | None:
    """Return one poll."""
    found = await _select(db.conn, "WHERE p.id = ?", (poll_id,))
    return found[0] if found else None


async def open_polls(db: Database) -> list[Poll]:
    """Polls still open, the soonest to close first."""
    return await _select(db.conn, "WHERE p.status = 'open' ORDER BY p.closes_at", ())


async def of_village(db: Database, village_code: str, status: str, limit: int) -> list[Poll]:
    """Open (soonest to close first) or closed (latest first) polls of one village."""
    where = (
        "WHERE p.status = ? AND p.id IN (SELECT poll_id FROM poll_villages WHERE village_code = ?) "
    )
    order = (
        "ORDER BY p.closes_at LIMIT ?" if status == "open" else "ORDER BY p.closed_at DESC LIMIT ?"
    )
    rows = await _query(db.conn, _POLL + where + order, (status, village_code, limit))
    return [_poll(row) for row in rows]


async def in_villages(db: Database, village_codes: Sequence[str], limit: int) -> list[Poll]:
    """Polls touching any of these villages: open ones first, then the latest closed."""
    return await _select(
        db.conn,
        "WHERE p.id IN (SELECT poll_id FROM poll_villages "
        "WHERE village_code IN (SELECT value FROM json_each(?))) "
        "ORDER BY p.status = 'closed', p.closes_at DESC LIMIT ?",
        (json.dumps(list(village_codes)), limit),
    )


async def closed_unpublished(db: Database) -> list[Poll]:
    """Closed polls whose results broadcast was never created (a crash right after closing)."""
    return await _select(
        db.conn,
        "WHERE p.status = 'closed' AND NOT EXISTS (SELECT 1 FROM broadcasts b "
        "WHERE b.kind = ? AND b.ref_id = p.id)",
        (RESULTS_KIND,),
    )


async def published_payload(db: Database, poll_id: int) -> dict[str, Any] | None:
    """The results as they were published at the close (the results broadcast's payload)."""
    rows = await _query(
        db.conn,
        "SELECT payload FROM broadcasts WHERE kind = ? AND ref_id = ? ORDER BY id LIMIT 1",
        (RESULTS_KIND, poll_id),
    )
    return dict(json.loads(rows[0][0])) if rows else None


async def vote_of(db: Database, poll_id: int, person_id: int) -> int:
    """A resident's choices in a poll (0: no vote)."""
    rows = await _query(
        db.conn,
        "SELECT choices FROM poll_votes WHERE poll_id = ? AND person_id = ?",
        (poll_id, person_id),
    )
    return int(rows[0][0]) if rows else 0


async def votes_of(db: Database, person_id: int, poll_ids: Sequence[int]) -> dict[int, int]:
    """A resident's choices in several polls, by poll id."""
    rows = await _query(
        db.conn,
        "SELECT poll_id, choices FROM poll_votes WHERE person_id = ? "
        "AND poll_id IN (SELECT value FROM json_each(?))",
        (person_id, json.dumps(list(poll_ids))),
    )
    return {row[0]: row[1] for row in rows}


# --- votes ---------------------------------------------------------------------------------
async def _polls_by_id(conn: Conn, ids: Iterable[int]) -> dict[int, Poll]:
    found = await _select(
        conn, "WHERE p.id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)
    )
    return {poll.id: poll for poll in found}


def _decide(ballot: Ballot, poll: Poll | None, before: int) -> tuple[CastResult, Poll | None, int]:
    """The result of one ballot given the vote that stood before it."""
    if poll is None or not poll.valid_choices(ballot.choices):
        return CastResult.INVALID, poll, before
    if not poll.accepts_votes(ballot.at):
        return CastResult.CLOSED, poll, before
    refused = eligibility(poll, ballot.village_code, ballot.bound_at, ballot.moved_at)
    if refused is not None:
        return refused, poll, before
    if poll.verified_only and not ballot.verified:
        return CastResult.UNVERIFIED, poll, before
    if not before:
        return CastResult.RECORDED, poll, ballot.choices
    if before == ballot.choices:
        return CastResult.SAME, poll, before
    if not poll.may_change:
        return CastResult.FINAL, poll, before
    return CastResult.CHANGED, poll, ballot.choices


async def _verified(conn: Statements, ballots: list[Ballot]) -> list[Ballot]:
    """The ballots, each marked whether its voter is a verified resident of its village."""
    pairs = [[b.person_id, b.village_code] for b in ballots]
    verified = {
        (row[0], row[1])
        for row in await _query(
            conn,
            "SELECT v.person_id, v.village_code FROM json_each(?) j JOIN verifications v "
            "ON v.person_id = json_extract(j.value, '$[0]') "
            "AND v.village_code = json_extract(j.value, '$[1]') WHERE v.status = 'verified'",
            (json.dumps(pairs),),
        )
    }
    return [replace(b, verified=(b.person_id, b.village_code) in verified) for b in ballots]


async def _cast(conn: Statements, ballots: list[Ballot]) -> list[Cast]:
    ballots = await _verified(conn, ballots)
    polls = await _polls_by_id(conn, {b.poll_id for b in ballots})
    keys = [[b.poll_id, b.person_id] for b in ballots]
    standing = {
        (row[0], row[1]): row[2]
        for row in await _query(
            conn,
            "SELECT v.poll_id, v.person_id, v.choices FROM json_each(?) j JOIN poll_votes v "
            "ON v.poll_id = json_extract(j.value, '$[0]') "
            "AND v.person_id = json_extract(j.value, '$[1]')",
            (json.dumps(keys),),
        )
    }
    decided: list[tuple[CastResult, Poll | None, int]] = []
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for ballot in ballots:  # in arrival order: a second tap in the same group sees the first
        key = (ballot.poll_id, ballot.person_id)
        result, poll, choices = _decide(ballot, polls.get(ballot.poll_id), standing.get(key, 0))
        at = to_db_time(ballot.at)
        verified = int(ballot.verified)
        if result is CastResult.RECORDED:
            inserts.append((*key, ballot.village_code, choices, at, verified))
        elif result is CastResult.CHANGED:
            updates.append((choices, ballot.village_code, at, verified, *key))
        standing[key] = choices
        decided.append((result, poll, choices))
    if inserts:
        await conn.executemany(
            "INSERT INTO poll_votes (poll_id, person_id, village_code, choices, voted_at, "
            "verified) VALUES (?, ?, ?, ?, ?, ?)",
            inserts,
        )
    if updates:
        await conn.executemany(
            "UPDATE poll_votes SET choices = ?, village_code = ?, changed_at = ?, verified = ? "
            "WHERE poll_id = ? AND person_id = ?",
            updates,
        )
    early: dict[int, Results] = {}
    for _, poll, _ in decided:  # once per poll per group, however many voted in it
        if poll is not None and poll.results_early and poll.id not in early:
            early[poll.id] = await _results(conn, poll, live=True)
    return [
        Cast(result, poll, choices, early.get(poll.id) if poll is not None else None)
        for result, poll, choices in decided
    ]


async def cast(db: Database, ballot: Ballot) -> Cast:
    """Record a ballot under the poll's rules, with the ballots arriving at the same moment."""
    return await db.grouped(_cast, ballot)


# --- results ------------------------------------------------------------------------------
async def _results(conn: Conn, poll: Poll, *, live: bool) -> Results:
    """Votes in the bot (verified voters' apart) and the standing protocols' paper votes."""
    size = len(poll.options)
    bot = {code: [0] * size for code in poll.village_codes}
    verified = {code: [0] * size for code in poll.village_codes}
    paper = {code: [0] * size for code in poll.village_codes}
    voters = dict.fromkeys(poll.village_codes, 0)
    verified_voters = dict.fromkeys(poll.village_codes, 0)
    for code, choices, was_verified, count in await _query(
        conn,
        "SELECT village_code, choices, verified, COUNT(*) FROM poll_votes WHERE poll_id = ? "
        "GROUP BY village_code, choices, verified",
        (poll.id,),
    ):
        counts = bot.setdefault(code, [0] * size)
        checked = verified.setdefault(code, [0] * size)
        paper.setdefault(code, [0] * size)
        voters[code] = voters.get(code, 0) + count
        if was_verified:
            verified_voters[code] = verified_voters.get(code, 0) + count
        for position in positions(choices):
            counts[position] += count
            if was_verified:
                checked[position] += count
    for code, position, count in await _query(
        conn,
        "SELECT village_code, position, votes FROM poll_paper_votes WHERE poll_id = ?",
        (poll.id,),
    ):
        paper.setdefault(code, [0] * size)[position] = count
        bot.setdefault(code, [0] * size)
        verified.setdefault(code, [0] * size)
    registered = await _registered(conn, poll, bot) if not live else dict.fromkeys(bot, 0)
    return Results(
        poll_id=poll.id,
        options=size,
        villages=tuple(
            VillageTally(
                code,
                registered.get(code, 0),
                voters.get(code, 0),
                tuple(bot[code]),
                tuple(paper[code]),
                verified_voters.get(code, 0),
                tuple(verified[code]),
            )
            for code in sorted(bot)
        ),
    )


async def _registered(conn: Conn, poll: Poll, villages: Iterable[str]) -> dict[str, int]:
    """Residents per village: frozen at the close, counted live before it.

    A village's residents are those registered there now, and those who voted from there
    (since moved away or deleted their data), so that turnout never exceeds 100%.
    """
    frozen = {
        row[0]: row[1]
        for row in await _query(
            conn,
            "SELECT village_code, registered FROM poll_villages "
            "WHERE poll_id = ? AND registered IS NOT NULL",
            (poll.id,),
        )
    }
    counted: dict[str, int] = {}
    for code in villages:
        if code in frozen:
            counted[code] = frozen[code]
            continue
        rows = await _query(
            conn,
            "SELECT COUNT(*) FROM people p WHERE (p.village_code = ? AND p.deleted_at IS NULL) "
            "OR p.id IN (SELECT person_id FROM poll_votes WHERE poll_id = ? AND village_code = ?)",
            (code, poll.id, code),
        )
        counted[code] = int(rows[0][0])
    return counted


async def results(db: Database, poll: Poll) -> Results:
    """The poll's counts with turnout (frozen at the close)."""
    return await _results(db.conn, poll, live=False)


async def close(db: Database, poll_id: int, now: datetime, by: int | None) -> Poll | None:
    """Close an open poll and freeze its villages' registered residents; None if not open.

    The status change is the claim: whoever closes it (the schedule, a second worker, staff
    closing early) wins once.
    """
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE polls SET status = 'closed', closed_at = ?, closed_by = ? "
            "WHERE id = ? AND status = 'open'",
            (to_db_time(now), by, poll_id),
        )
        if cursor.rowcount == 0:
            return None
        await tx.execute(
            "UPDATE poll_villages SET registered = (SELECT COUNT(*) FROM people p "
            " WHERE (p.village_code = poll_villages.village_code AND p.deleted_at IS NULL) "
            " OR p.id IN (SELECT person_id FROM poll_votes v WHERE v.poll_id = ? "
            "  AND v.village_code = poll_villages.village_code)) "
            "WHERE poll_id = ?",
            (poll_id, poll_id),
        )
    return await get(db, poll_id)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What staff recorded as done after a poll closed."""

    text: str
    by: int
    at: datetime


async def set_follow_up(db: Database, poll_id: int, text: str, by: int, now: datetime) -> bool:
    """Record what was done after a closed poll (replacing an earlier record); False if open."""
    changed = await db.execute_write(
        "UPDATE polls SET follow_up = ?, follow_up_by = ?, follow_up_at = ? "
        "WHERE id = ? AND status = 'closed'",
        (text, by, to_db_time(now), poll_id),
    )
    return changed > 0


async def follow_up(db: Database, poll_id: int) -> FollowUp | None:
    """What staff recorded as done after the poll, if anything."""
    row = await db.fetch_one(
        "SELECT follow_up, follow_up_by, follow_up_at FROM polls WHERE id = ? "
        "AND follow_up IS NOT NULL",
        (poll_id,),
    )
    if row is None:
        return None
    return FollowUp(row["follow_up"], int(row["follow_up_by"]), from_db_time(row["follow_up_at"]))


async def claim_reminder(db: Database, poll_id: int, now: datetime) -> bool:
    """Claim the one reminder of an open poll; False when claimed before or closed."""
    changed = await db.execute_write(
        "UPDATE polls SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
        "AND status = 'open' AND closes_at > ?",
        (to_db_time(now), poll_id, to_db_time(now)),
    )
    return changed > 0


async def non_voters(db: Database, poll: Poll) -> list[int]:
    """People ids of the residents of the poll's villages who have not voted."""
    rows = await _query(
        db.conn,
        "SELECT p.id FROM people p WHERE p.deleted_at IS NULL AND p.telegram_id IS NOT NULL "
        "AND p.village_code IN (SELECT village_code FROM poll_villages WHERE poll_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM poll_votes v WHERE v.poll_id = ? AND v.person_id = p.id)",
        (poll.id, poll.id),
    )
    return [row[0] for row in rows]


async def people_ids(db: Database, telegram_ids: Iterable[int]) -> list[int]:
    """People ids of these Telegram users, when they have written to the bot."""
    rows = await _query(
        db.conn,
        "SELECT id FROM people WHERE telegram_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(telegram_ids))),),
    )
    return [row[0] for row in rows]


async def voted_by(db: Database, person_id: int, limit: int) -> list[Poll]:
    """Polls the person voted in, latest first (for /mydata)."""
    return await _select(
        db.conn,
        "WHERE p.id IN (SELECT poll_id FROM poll_votes WHERE person_id = ?) "
        "ORDER BY p.created_at DESC LIMIT ?",
        (person_id, limit),
    )


async def has_votes(db: Database, poll_id: int) -> bool:
    """Whether anyone voted yet, in the bot or on paper."""
    row = await db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = ?) "
        "OR EXISTS (SELECT 1 FROM poll_paper_votes WHERE poll_id = ?)",
        (poll_id, poll_id),
    )
    return bool(row and row[0])


async def correct_question(db: Database, poll_id: int, question: str, versions: Versions) -> bool:
    """Correct an open poll's question while nobody has voted; False once someone has."""
    changed = await db.execute_write(
        "UPDATE polls SET question = ?, versions = ? WHERE id = ? AND status = 'open' "
        "AND NOT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM poll_paper_votes WHERE poll_id = ?)",
        (question, versions.to_json(), poll_id, poll_id, poll_id),
    )
    return changed > 0


async def correct_options(
    db: Database, poll_id: int, options: Sequence[str], versions: Versions
) -> bool:
    """Replace an open poll's options while nobody has voted (its maximum of choices kept
    within their number); False once someone has."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE polls SET versions = :versions, max_choices = MIN(max_choices, :size) "
            "WHERE id = :id AND status = 'open' "
            "AND NOT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = :id) "
            "AND NOT EXISTS (SELECT 1 FROM poll_paper_votes WHERE poll_id = :id)",
            {"id": poll_id, "versions": versions.to_json(), "size": len(options)},
        )
        if cursor.rowcount == 0:
            return False
        await tx.execute("DELETE FROM poll_options WHERE poll_id = ?", (poll_id,))
        await tx.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
            [(poll_id, position, label) for position, label in enumerate(options)],
        )
    return True


async def set_closing(db: Database, poll_id: int, closes_at: datetime) -> bool:
    """Move an open poll's closing time (its reminder is due again); False once closed."""
    changed = await db.execute_write(
        "UPDATE polls SET closes_at = ?, reminded_at = NULL WHERE id = ? AND status = 'open'",
        (to_db_time(closes_at), poll_id),
    )
    return changed > 0
