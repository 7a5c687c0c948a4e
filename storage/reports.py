"""Weekly aggregates for digests and summaries, and the record of what was delivered.

Every query groups in SQL (by village, kind, category...) and returns small typed records: no
row of a large table crosses into Python. A week is ``[start, end)`` in UTC; villages go in as
one JSON array parameter (``json_each``). Nothing here returns a name, a Telegram id or a
resident's text: the reports built on it carry no personal data. The aggregates run on the
read-only connection (:meth:`storage.db.Database.read_all`), beside the writer, never holding it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time

# Activity that makes a resident "active" in a week, one SELECT of person ids each, all with
# the named parameters :start and :end.
ACTIVITY_SOURCES: tuple[str, ...] = (
    "SELECT person_id FROM appeals WHERE created_at >= :start AND created_at < :end",
    "SELECT person_id FROM hearing_rsvps WHERE created_at >= :start AND created_at < :end",
    "SELECT person_id FROM poll_votes WHERE voted_at >= :start AND voted_at < :end",
)
# Actions after which an item no longer counts as waiting for an answer.
_ANSWERED_ACTIONS = ("answered", "resolved", "rejected")


@dataclass(frozen=True, slots=True)
class LanguageTally:
    """Residents of one village speaking one language (``""``: not chosen yet)."""

    village_code: str
    language: str
    registered: int  # joined before the week ended, not erased by then
    new: int  # joined during the week
    departed: int  # erased their data, or blocked the bot, during the week


@dataclass(frozen=True, slots=True)
class AppealTally:
    """Complaints or suggestions of one village and category received in the week, by status."""

    village_code: str
    kind: str
    category: str
    status: str  # as it stands now
    count: int


@dataclass(frozen=True, slots=True)
class OverdueTally:
    """Items of one village and category past due and not answered when the week ended."""

    village_code: str
    kind: str
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class HearingLine:
    """A public hearing with its counts (topic and decisions are written by staff)."""

    id: int
    topic: str
    starts_at: datetime
    status: str
    village_codes: tuple[str, ...]
    coming: int
    questions: int
    attendance: int | None
    decisions: str | None


@dataclass(frozen=True, slots=True)
class VillageHearings:
    """Hearings (not cancelled) of one village in the week, and its residents who will come."""

    village_code: str
    hearings: int
    coming: int


@dataclass(frozen=True, slots=True)
class Reach:
    """Broadcasts of the week to the residents of one village."""

    village_code: str
    broadcasts: int
    messages: int
    delivered: int


@dataclass(frozen=True, slots=True)
class PollLine:
    """One option of one poll: online and paper votes apart, and the poll's turnout."""

    poll_id: int
    question: str
    closes_at: datetime
    status: str  # open, closed
    village_codes: tuple[str, ...]
    position: int
    label: str
    votes: int  # cast in the bot
    paper_votes: int  # entered by staff from a meeting
    voters: int  # residents who voted in the poll (any option)
    registered: int  # residents of the poll's villages
    verified_votes: int = 0  # of ``votes``, those of residents verified when they voted


def _codes(village_codes: Sequence[str]) -> str:
    return json.dumps(list(village_codes))


def _week(start: datetime, end: datetime, village_codes: Sequence[str]) -> dict[str, Any]:
    return {"start": to_db_time(start), "end": to_db_time(end), "codes": _codes(village_codes)}


async def residents(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[LanguageTally]:
    """Registered, new and departed residents per village and language."""
    rows = await db.read_all(
        "SELECT village_code, COALESCE(language, '') AS language, "
        "TOTAL(created_at < :end AND (deleted_at IS NULL OR deleted_at >= :end)) AS registered, "
        "TOTAL(created_at >= :start AND created_at < :end) AS new, "
        "TOTAL((deleted_at >= :start AND deleted_at < :end) OR (deleted_at IS NULL "
        "      AND blocked_at >= :start AND blocked_at < :end)) AS departed "
        "FROM people WHERE village_code IN (SELECT value FROM json_each(:codes)) "
        "AND created_at < :end GROUP BY village_code, language",
        _week(start, end, village_codes),
    )
    return [
        LanguageTally(
            row["village_code"], row["language"],
            int(row["registered"]), int(row["new"]), int(row["departed"]),
        )
        for row in rows
    ]  # fmt: skip


async def active(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> dict[str, int]:
    """Residents per village who did anything of :data:`ACTIVITY_SOURCES` in the week."""
    union = " UNION ".join(ACTIVITY_SOURCES)
    rows = await db.read_all(
        f"SELECT p.village_code, COUNT(*) AS n FROM ({union}) x "  # noqa: S608 - constant SQL
        "JOIN people p ON p.id = x.person_id "
        "WHERE p.village_code IN (SELECT value FROM json_each(:codes)) GROUP BY p.village_code",
        _week(start, end, village_codes),
    )
    return {row["village_code"]: int(row["n"]) for row in rows}


async def appeals_received(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[AppealTally]:
    """Complaints and suggestions received in the week, by village, kind, category, status."""
    rows = await db.read_all(
        "SELECT village_code, kind, category, status, COUNT(*) AS n FROM appeals "
        "WHERE kind IN ('complaint', 'suggestion') AND created_at >= :start "
        "AND created_at < :end AND village_code IN (SELECT value FROM json_each(:codes)) "
        "GROUP BY village_code, kind, category, status",
        _week(start, end, village_codes),
    )
    return [
        AppealTally(row["village_code"], row["kind"], row["category"], row["status"], row["n"])
        for row in rows
    ]


async def appeals_overdue(
    db: Database, village_codes: Sequence[str], end: datetime, end_day: date
) -> list[OverdueTally]:
    """Complaints and suggestions due before ``end_day`` and not answered by ``end``."""
    params = {
        "end": to_db_time(end),
        "day": end_day.isoformat(),
        "codes": _codes(village_codes),
        "answered": json.dumps(list(_ANSWERED_ACTIONS)),
    }
    rows = await db.read_all(
        "SELECT a.village_code, a.kind, a.category, COUNT(*) AS n FROM appeals a "
        "WHERE a.kind IN ('complaint', 'suggestion') AND a.created_at < :end "
        "AND a.due_on < :day AND a.village_code IN (SELECT value FROM json_each(:codes)) "
        "AND NOT EXISTS (SELECT 1 FROM appeal_events e WHERE e.appeal_id = a.id "
        "  AND e.created_at < :end AND e.action IN (SELECT value FROM json_each(:answered))) "
        "GROUP BY a.village_code, a.kind, a.category",
        params,
    )
    return [
        OverdueTally(row["village_code"], row["kind"], row["category"], row["n"]) for row in rows
    ]


_HEARING_SELECT = (
    "SELECT h.id, h.topic, h.starts_at, h.status, h.attendance, h.decisions, h.villages, "
    "(SELECT COUNT(*) FROM hearing_rsvps r WHERE r.hearing_id = h.id) AS coming, "
    "(SELECT COUNT(*) FROM appeals q WHERE q.hearing_id = h.id AND q.kind = 'question') "
    "AS questions FROM hearing_rows h WHERE h.id IN (SELECT hearing_id FROM hearing_villages "
    "WHERE village_code IN (SELECT value FROM json_each(:codes))) "
)


def _hearing_lines(rows: Sequence[Any]) -> list[HearingLine]:
    return [
        HearingLine(
            id=row["id"], topic=row["topic"], starts_at=from_db_time(row["starts_at"]),
            status=row["status"], village_codes=tuple(sorted(json.loads(row["villages"]))),
            coming=row["coming"], questions=row["questions"], attendance=row["attendance"],
            decisions=row["decisions"],
        )
        for row in rows
    ]  # fmt: skip


async def hearings_between(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[HearingLine]:
    """Hearings of any of the villages that start in ``[start, end)``, in order."""
    rows = await db.read_all(
        _HEARING_SELECT + "AND h.starts_at >= :start AND h.starts_at < :end "
        "ORDER BY h.starts_at, h.id",
        _week(start, end, village_codes),
    )
    return _hearing_lines(rows)


async def hearings_upcoming(
    db: Database, village_codes: Sequence[str], now: datetime, until: datetime
) -> list[HearingLine]:
    """Scheduled hearings of any of the villages starting after ``now`` until ``until``."""
    rows = await db.read_all(
        _HEARING_SELECT + "AND h.status = 'scheduled' AND h.starts_at > :start "
        "AND h.starts_at <= :end ORDER BY h.starts_at, h.id",
        _week(now, until, village_codes),
    )
    return _hearing_lines(rows)


async def hearings_by_village(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[VillageHearings]:
    """Per village: hearings of the week not cancelled, and its residents who will come."""
    params = _week(start, end, village_codes)
    held = await db.read_all(
        "SELECT hv.village_code, COUNT(*) AS n FROM hearing_villages hv "
        "JOIN hearings h ON h.id = hv.hearing_id WHERE h.status != 'cancelled' "
        "AND h.starts_at >= :start AND h.starts_at < :end "
        "AND hv.village_code IN (SELECT value FROM json_each(:codes)) GROUP BY hv.village_code",
        params,
    )
    coming = await db.read_all(
        "SELECT p.village_code, COUNT(*) AS n FROM hearing_rsvps r "
        "JOIN hearings h ON h.id = r.hearing_id JOIN people p ON p.id = r.person_id "
        "WHERE h.status != 'cancelled' AND h.starts_at >= :start AND h.starts_at < :end "
        "AND p.village_code IN (SELECT value FROM json_each(:codes)) GROUP BY p.village_code",
        params,
    )
    counts = {row["village_code"]: int(row["n"]) for row in coming}
    found = {row["village_code"]: int(row["n"]) for row in held}
    return [
        VillageHearings(code, found.get(code, 0), counts.get(code, 0))
        for code in sorted(set(found) | set(counts))
    ]


async def reach(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[Reach]:
    """Per village: broadcasts made in the week that reached its residents, and deliveries.

    A compacted broadcast (its outbox rows deleted after the retention) counts by its reach
    per village, stored when it was compacted.
    """
    rows = await db.read_all(
        "SELECT village_code, COUNT(DISTINCT broadcast_id) AS broadcasts, "
        "SUM(messages) AS messages, TOTAL(delivered) AS delivered FROM ("
        " SELECT p.village_code, o.broadcast_id, COUNT(*) AS messages,"
        " TOTAL(o.status = 'sent') AS delivered"
        # CROSS JOIN keeps this order: the week's few broadcasts, their rows, their people.
        " FROM broadcasts b CROSS JOIN outbox o CROSS JOIN people p"
        " WHERE o.broadcast_id = b.id AND p.id = o.person_id AND b.compacted_at IS NULL"
        " AND b.audience IS NULL AND b.created_at >= :start AND b.created_at < :end"
        " AND p.village_code IN (SELECT value FROM json_each(:codes))"
        " GROUP BY p.village_code, o.broadcast_id"
        " UNION ALL"
        " SELECT r.village_code, r.broadcast_id, r.messages, r.delivered"
        " FROM broadcasts b CROSS JOIN broadcast_reach r"
        " WHERE r.broadcast_id = b.id AND b.created_at >= :start AND b.created_at < :end"
        " AND r.village_code IN (SELECT value FROM json_each(:codes))"
        ") GROUP BY village_code",
        _week(start, end, village_codes),
    )
    return [
        Reach(row["village_code"], row["broadcasts"], row["messages"], int(row["delivered"]))
        for row in rows
    ]


async def poll_results(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[PollLine]:
    """Polls of any of the villages open during the week: one line per option.

    Votes, paper votes, voters and registered residents count the villages of the scope only;
    registered residents are those frozen at the close, or today's while the poll is open.
    """
    params = _week(start, end, village_codes)
    polls = await db.read_all(
        "SELECT p.id, p.question, p.closes_at, p.status, "
        " (SELECT json_group_array(pv.village_code) FROM poll_villages pv WHERE pv.poll_id = p.id"
        "  AND pv.village_code IN (SELECT value FROM json_each(:codes))) AS villages, "
        " (SELECT TOTAL(COALESCE(pv.registered, (SELECT COUNT(*) FROM people x "
        "   WHERE x.village_code = pv.village_code AND x.deleted_at IS NULL))) "
        "  FROM poll_villages pv WHERE pv.poll_id = p.id "
        "  AND pv.village_code IN (SELECT value FROM json_each(:codes))) AS registered, "
        " (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = p.id "
        "  AND v.village_code IN (SELECT value FROM json_each(:codes))) AS voters "
        "FROM polls p WHERE p.created_at < :end AND COALESCE(p.closed_at, p.closes_at) >= :start "
        "AND EXISTS (SELECT 1 FROM poll_villages pv WHERE pv.poll_id = p.id "
        "  AND pv.village_code IN (SELECT value FROM json_each(:codes))) ORDER BY p.id",
        params,
    )
    if not polls:
        return []
    options = await db.read_all(
        "SELECT o.poll_id, o.position, o.label, "
        " (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = o.poll_id "
        "  AND (v.choices >> o.position) & 1 "
        "  AND v.village_code IN (SELECT value FROM json_each(:codes))) AS votes, "
        " (SELECT COUNT(*) FROM poll_votes v WHERE v.poll_id = o.poll_id "
        "  AND (v.choices >> o.position) & 1 AND v.verified "
        "  AND v.village_code IN (SELECT value FROM json_each(:codes))) AS verified, "
        " (SELECT TOTAL(pp.votes) FROM poll_paper_votes pp WHERE pp.poll_id = o.poll_id "
        "  AND pp.position = o.position "
        "  AND pp.village_code IN (SELECT value FROM json_each(:codes))) AS paper "
        "FROM poll_options o WHERE o.poll_id IN (SELECT value FROM json_each(:ids)) "
        "ORDER BY o.poll_id, o.position",
        {"codes": params["codes"], "ids": json.dumps([row["id"] for row in polls])},
    )
    by_poll = {row["id"]: row for row in polls}
    return [
        PollLine(
            poll_id=option["poll_id"],
            question=by_poll[option["poll_id"]]["question"],
            closes_at=from_db_time(by_poll[option["poll_id"]]["closes_at"]),
            status=by_poll[option["poll_id"]]["status"],
            village_codes=tuple(sorted(json.loads(by_poll[option["poll_id"]]["villages"]))),
            position=option["position"],
            label=option["label"],
            votes=int(option["votes"]),
            paper_votes=int(option["paper"]),
            voters=int(by_poll[option["poll_id"]]["voters"]),
            registered=int(by_poll[option["poll_id"]]["registered"]),
            verified_votes=int(option["verified"]),
        )
        for option in options
    ]


async def poll_votes_by_village(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> dict[str, int]:
    """Votes cast in the bot in the week, per village of the voter."""
    rows = await db.read_all(
        "SELECT village_code, COUNT(*) AS n FROM poll_votes "
        "WHERE voted_at >= :start AND voted_at < :end "
        "AND village_code IN (SELECT value FROM json_each(:codes)) GROUP BY village_code",
        _week(start, end, village_codes),
    )
    return {row["village_code"]: int(row["n"]) for row in rows}


async def claim_delivery(
    db: Database, kind: str, recipient: str, slot: date, week: str, now: datetime
) -> bool:
    """Claim one delivery of a scheduled run; False when it was claimed before."""
    changed = await db.execute_write(
        "INSERT INTO report_deliveries (kind, recipient, slot, week, claimed_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (kind, recipient, slot.isoformat(), week, to_db_time(now)),
    )
    return changed > 0


async def record_delivery(
    db: Database, kind: str, recipient: str, slot: date, outcome: str, now: datetime
) -> None:
    """Record what became of a claimed delivery."""
    await db.execute_write(
        "UPDATE report_deliveries SET outcome = ?, sent_at = ? "
        "WHERE kind = ? AND recipient = ? AND slot = ?",
        (outcome, to_db_time(now), kind, recipient, slot.isoformat()),
    )


async def deliveries(db: Database, kind: str, slot: date) -> dict[str, str | None]:
    """Recipients of one kind of delivery of one run, with their outcome."""
    rows = await db.fetch_all(
        "SELECT recipient, outcome FROM report_deliveries WHERE kind = ? AND slot = ?",
        (kind, slot.isoformat()),
    )
    return {row["recipient"]: row["outcome"] for row in rows}


async def topic_of(db: Database, chat_id: int, village_code: str) -> int | None:
    """The forum topic of a village in the staff chat, if one was made."""
    row = await db.fetch_one(
        "SELECT thread_id FROM report_topics WHERE chat_id = ? AND village_code = ?",
        (chat_id, village_code),
    )
    return int(row[0]) if row else None


async def remember_topic(
    db: Database, chat_id: int, village_code: str, thread_id: int, now: datetime
) -> None:
    """Remember the forum topic made for a village in the staff chat."""
    await db.execute_write(
        "INSERT INTO report_topics (chat_id, village_code, thread_id, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET thread_id = excluded.thread_id",
        (chat_id, village_code, thread_id, to_db_time(now)),
    )


async def data_version(db: Database) -> int:
    """The version of everything a report reads: raised by triggers at every change of it."""
    row = await db.fetch_one("SELECT n FROM data_version WHERE id = 1")
    return int(row[0]) if row else 0
