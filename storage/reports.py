"""Aggregates for digests, summaries and open data, and the record of what was delivered.

Every query groups in SQL (by village, kind, category...) and returns small typed records: no
row of a large table crosses into Python, except one line per answer for the medians. A period
is ``[start, end)`` in UTC; a trend is several contiguous periods, counted in one pass each
(:func:`_bucketed`); villages go in as one JSON array parameter (``json_each``). Nothing here
returns a name, a Telegram id or a resident's text: the reports built on it carry no personal
data. The aggregates run on the
read-only connection (:meth:`storage.db.Database.read_all`), beside the writer, never holding it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time
from storage.models import Names

# Activity that makes a resident "active" in a period, one SELECT of person ids each, all with
# the named parameters :start and :end.
ACTIVITY_SOURCES: tuple[str, ...] = (
    "SELECT person_id FROM appeals WHERE created_at >= :start AND created_at < :end",
    "SELECT person_id FROM hearing_rsvps WHERE created_at >= :start AND created_at < :end",
    "SELECT person_id FROM poll_votes WHERE voted_at >= :start AND voted_at < :end",
)
# Actions after which an item no longer counts as waiting for an answer.
# "handed_off" (to another body) and "formal" (a formal appeal advised) answer the resident too.
_ANSWERED_ACTIONS = ("answered", "resolved", "rejected", "handed_off", "formal")


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
    closes_at: datetime  # the real close once closed, the planned one while open
    status: str  # open, closed
    village_codes: tuple[str, ...]
    position: int
    label: str
    votes: int  # cast in the bot
    paper_votes: int  # entered by staff from a meeting
    voters: int  # residents who voted in the poll (any option)
    registered: int  # residents of the poll's villages
    max_choices: int = 1
    verified_votes: int = 0  # of ``votes``, those of residents verified when they voted
    follow_up: str | None = None  # what staff recorded as done after the close


@dataclass(frozen=True, slots=True)
class Answer:
    """A complaint or suggestion first answered in the period: when it came, was answered, due."""

    village_code: str
    received_at: datetime
    answered_at: datetime
    due_on: date  # local calendar date; on time when answered by its end


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One period of a trend, over all the villages asked for."""

    registered: int = 0  # at the period's end
    joined: int = 0
    complaints: int = 0
    suggestions: int = 0
    hearings: int = 0  # not cancelled, each once however many villages it had
    coming: int = 0
    attended: int = 0


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
    """Residents per village who did anything of :data:`ACTIVITY_SOURCES` in the period.

    Only residents registered at the period's end count (as in :func:`residents`), so that the
    active are a part of the registered: someone who left meanwhile is in neither.
    """
    union = " UNION ".join(ACTIVITY_SOURCES)
    rows = await db.read_all(
        f"SELECT p.village_code, COUNT(*) AS n FROM ({union}) x "  # noqa: S608 - constant SQL
        "JOIN people p ON p.id = x.person_id "
        "WHERE p.village_code IN (SELECT value FROM json_each(:codes)) "
        "AND p.created_at < :end AND (p.deleted_at IS NULL OR p.deleted_at >= :end) "
        "GROUP BY p.village_code",
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


# Residents without Telegram as staff entered them (storage.behalf): "I will come" adds to the
# residents' answers; attendance is at least those entered, as the head count recorded with the
# outcome includes them.
_HEARING_SELECT = (
    "SELECT h.id, h.topic, h.starts_at, h.status, "
    "MAX(COALESCE(h.attendance, 0), COALESCE((SELECT SUM(e.people) FROM hearing_behalf e "
    "WHERE e.hearing_id = h.id AND e.kind = 'attended'), 0)) AS entered_attendance, "
    "h.attendance AS recorded_attendance, h.decisions, h.villages, "
    "(SELECT COUNT(*) FROM hearing_rsvps r WHERE r.hearing_id = h.id) + (SELECT TOTAL(e.people) "
    "FROM hearing_behalf e WHERE e.hearing_id = h.id AND e.kind = 'coming') AS coming, "
    "(SELECT COUNT(*) FROM appeals q WHERE q.hearing_id = h.id AND q.kind = 'question') "
    "AS questions FROM hearing_rows h WHERE h.id IN (SELECT hearing_id FROM hearing_villages "
    "WHERE village_code IN (SELECT value FROM json_each(:codes))) "
)


def _attendance(recorded: int | None, at_least: int) -> int | None:
    """The recorded head count, or those entered when more (None: neither)."""
    return recorded if recorded is not None and recorded >= at_least else (at_least or recorded)


def _hearing_lines(rows: Sequence[Any]) -> list[HearingLine]:
    return [
        HearingLine(
            id=row["id"], topic=row["topic"], starts_at=from_db_time(row["starts_at"]),
            status=row["status"], village_codes=tuple(sorted(json.loads(row["villages"]))),
            coming=int(row["coming"]), questions=row["questions"],
            attendance=_attendance(row["recorded_attendance"], row["entered_attendance"]),
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


# "I will come" staff entered for residents without Telegram, per village of theirs.
_ENTERED_COMING = (
    "SELECT e.village_code, SUM(e.people) AS n FROM hearing_behalf e "
    "JOIN hearings h ON h.id = e.hearing_id WHERE e.kind = 'coming' AND h.status != 'cancelled' "
    "AND h.starts_at >= :start AND h.starts_at < :end "
    "AND e.village_code IN (SELECT value FROM json_each(:codes)) GROUP BY e.village_code"
)


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
    for row in await db.read_all(_ENTERED_COMING, params):
        counts[row["village_code"]] = counts.get(row["village_code"], 0) + int(row["n"])
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
    """Polls of any of the villages open during the period: one line per option.

    Votes, paper votes, voters and registered residents count the villages of the scope only;
    registered residents are those frozen at the close, or today's while the poll is open. The
    close is the real one (a poll closed early says when), the planned one while open.
    """
    params = _week(start, end, village_codes)
    # ``+village_code``: look a poll's rows up by the poll and keep those of the scope, rather
    # than probe every poll for each of a region's 500 villages (0.1 s a query at scale 1).
    polls = await db.read_all(
        "SELECT p.id, p.question, COALESCE(p.closed_at, p.closes_at) AS closes_at, p.status, "
        " p.max_choices, p.follow_up, "
        " (SELECT json_group_array(pv.village_code) FROM poll_villages pv WHERE pv.poll_id = p.id"
        "  AND +pv.village_code IN (SELECT value FROM json_each(:codes))) AS villages, "
        # Frozen at the close; while open, as the close will count them: those living there and
        # those who voted from there (since moved or erased), so turnout stays within 100%.
        " (SELECT TOTAL(COALESCE(pv.registered, (SELECT COUNT(*) FROM people x "
        "   WHERE (x.village_code = pv.village_code AND x.deleted_at IS NULL) OR x.id IN "
        "   (SELECT person_id FROM poll_votes w WHERE w.poll_id = p.id "
        "    AND w.village_code = pv.village_code)))) "
        "  FROM poll_villages pv WHERE pv.poll_id = p.id "
        "  AND +pv.village_code IN (SELECT value FROM json_each(:codes))) AS registered "
        "FROM polls p WHERE p.created_at < :end AND COALESCE(p.closed_at, p.closes_at) >= :start "
        "AND EXISTS (SELECT 1 FROM poll_villages pv WHERE pv.poll_id = p.id "
        "  AND +pv.village_code IN (SELECT value FROM json_each(:codes))) ORDER BY p.id",
        params,
    )
    if not polls:
        return []
    ids = json.dumps([row["id"] for row in polls])
    # Votes by poll and set of choices (their tallies, kept as votes are cast: migration 0024),
    # split into options here.
    ticks: dict[tuple[int, int], int] = {}
    verified: dict[tuple[int, int], int] = {}  # of ``ticks``, those of verified residents
    voters: dict[int, int] = {}
    for row in await db.read_all(
        "SELECT poll_id, choices, verified, SUM(votes) AS n FROM poll_tallies "
        "WHERE poll_id IN (SELECT value FROM json_each(:ids)) "
        "AND +village_code IN (SELECT value FROM json_each(:codes)) "
        "GROUP BY poll_id, choices, verified",
        {"codes": params["codes"], "ids": ids},
    ):
        voters[row["poll_id"]] = voters.get(row["poll_id"], 0) + row["n"]
        for position in range(row["choices"].bit_length()):
            if row["choices"] >> position & 1:
                key = (row["poll_id"], position)
                ticks[key] = ticks.get(key, 0) + row["n"]
                if row["verified"]:
                    verified[key] = verified.get(key, 0) + row["n"]
    options = await db.read_all(
        "SELECT o.poll_id, o.position, o.label, "
        " (SELECT TOTAL(pp.votes) FROM poll_paper_votes pp WHERE pp.poll_id = o.poll_id "
        "  AND pp.position = o.position "
        "  AND +pp.village_code IN (SELECT value FROM json_each(:codes))) AS paper "
        "FROM poll_options o WHERE o.poll_id IN (SELECT value FROM json_each(:ids)) "
        "ORDER BY o.poll_id, o.position",
        {"codes": params["codes"], "ids": ids},
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
            votes=ticks.get((option["poll_id"], option["position"]), 0),
            paper_votes=int(option["paper"]),
            voters=voters.get(option["poll_id"], 0),
            registered=int(by_poll[option["poll_id"]]["registered"]),
            max_choices=int(by_poll[option["poll_id"]]["max_choices"]),
            follow_up=by_poll[option["poll_id"]]["follow_up"],
            verified_votes=verified.get((option["poll_id"], option["position"]), 0),
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


async def answers(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[Answer]:
    """Complaints and suggestions whose first answer (or resolution, or rejection) came in
    ``[start, end)``: one line each, for the medians and the share answered on time."""
    params = {**_week(start, end, village_codes), "answered": json.dumps(list(_ANSWERED_ACTIONS))}
    rows = await db.read_all(
        "SELECT a.village_code, a.created_at, a.due_on, MIN(e.created_at) AS answered_at "
        "FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id "
        "WHERE e.action IN (SELECT value FROM json_each(:answered)) "
        "AND e.created_at >= :start AND e.created_at < :end "
        "AND a.kind IN ('complaint', 'suggestion') "
        "AND a.village_code IN (SELECT value FROM json_each(:codes)) "
        "AND NOT EXISTS (SELECT 1 FROM appeal_events b WHERE b.appeal_id = e.appeal_id "
        "  AND b.action IN (SELECT value FROM json_each(:answered)) AND b.created_at < :start) "
        "GROUP BY e.appeal_id, a.village_code, a.created_at, a.due_on",
        params,
    )
    return [
        Answer(row["village_code"], from_db_time(row["created_at"]),
               from_db_time(row["answered_at"]), date.fromisoformat(row["due_on"]))
        for row in rows
    ]  # fmt: skip


# The trend's counts, each in one pass over the whole trend: BUCKET stands for the index of the
# period a row falls in (:func:`_bucketed`), the periods being contiguous from :start to :end.
# Votes are not among them: counting a million votes took longer than all the rest.
_TREND_COUNTS = (
    "SELECT BUCKET(created_at) AS i, kind, COUNT(*) AS n FROM appeals "
    "WHERE kind IN ('complaint', 'suggestion') AND created_at >= :start AND created_at < :end "
    "AND village_code IN (SELECT value FROM json_each(:codes)) GROUP BY i, kind",
    "SELECT BUCKET(h.starts_at) AS i, 'coming' AS kind, COUNT(*) AS n "
    "FROM hearings h JOIN hearing_rsvps r ON r.hearing_id = h.id "
    "JOIN people p ON p.id = r.person_id WHERE h.status != 'cancelled' "
    "AND h.starts_at >= :start AND h.starts_at < :end "
    "AND p.village_code IN (SELECT value FROM json_each(:codes)) GROUP BY i",
    "SELECT BUCKET(starts_at) AS i, 'hearings' AS kind, COUNT(*) AS n, "
    "TOTAL(attendance) AS attended FROM hearings WHERE status != 'cancelled' "
    "AND starts_at >= :start AND starts_at < :end AND id IN (SELECT hearing_id FROM "
    "hearing_villages WHERE village_code IN (SELECT value FROM json_each(:codes))) GROUP BY i",
)
_TREND_KINDS = {"complaint": "complaints", "suggestion": "suggestions"}
# People of the scope by the period they joined in and the one they erased their data in
# (-1: before the trend, the count: not within it): one pass, a handful of groups.
_TREND_PEOPLE = (
    "SELECT CASE WHEN created_at < :start THEN -1 ELSE BUCKET(created_at) END AS i, "
    "CASE WHEN deleted_at IS NULL OR deleted_at >= :end THEN :count "
    "WHEN deleted_at < :start THEN -1 ELSE BUCKET(deleted_at) END AS gone, COUNT(*) AS n "
    "FROM people WHERE created_at < :end "
    "AND village_code IN (SELECT value FROM json_each(:codes)) GROUP BY i, gone"
)


def _bucketed(sql: str, count: int) -> str:
    """``sql`` with each ``BUCKET(column)`` as a CASE giving the period's index: the number of
    period ends the row is not before. Only the count shapes the SQL; values are parameters."""
    head, found, rest = sql.partition("BUCKET(")
    if not found:
        return sql
    column, _, tail = rest.partition(")")
    whens = " ".join(f"WHEN {column} < :e{index} THEN {index}" for index in range(count))
    return f"{head}CASE {whens} END{_bucketed(tail, count)}"


def _periods(bounds: Sequence[tuple[datetime, datetime]], codes: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = _week(bounds[0][0], bounds[-1][1], codes)
    for index, (start, end) in enumerate(bounds):
        params[f"s{index}"], params[f"e{index}"] = to_db_time(start), to_db_time(end)
    return params


async def trend(
    db: Database, village_codes: Sequence[str], bounds: Sequence[tuple[datetime, datetime]]
) -> list[TrendPoint]:
    """The scope's totals in each of the contiguous periods ``bounds``, oldest first."""
    count = len(bounds)
    params = {**_periods(bounds, village_codes), "count": count}
    found: list[dict[str, int]] = [{} for _ in bounds]
    people = await db.read_all(_bucketed(_TREND_PEOPLE, count), params)
    for index, point in enumerate(found):
        # Registered at the end of period ``index``: joined by then, not gone by then.
        point["registered"] = sum(r["n"] for r in people if r["i"] <= index < r["gone"])
        point["joined"] = sum(r["n"] for r in people if r["i"] == index)
    for sql in _TREND_COUNTS:
        for row in await db.read_all(_bucketed(sql, count), params):
            point = found[row["i"]]
            point[_TREND_KINDS.get(row["kind"], row["kind"])] = int(row["n"])
            if row["kind"] == "hearings":
                point["attended"] = int(row["attended"])
    return [TrendPoint(**point) for point in found]


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


async def appeals_by_channel(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> dict[str, dict[str, int]]:
    """Complaints and suggestions received in the period per village, by the channel they came
    by: ``telegram``, or how a resident without Telegram reached staff (storage.behalf)."""
    rows = await db.read_all(
        "SELECT a.village_code, COALESCE(b.channel, 'telegram') AS channel, COUNT(*) AS n "
        "FROM appeals a LEFT JOIN appeal_behalf b ON b.appeal_id = a.id "
        "WHERE a.kind IN ('complaint', 'suggestion') AND a.created_at >= :start "
        "AND a.created_at < :end AND a.village_code IN (SELECT value FROM json_each(:codes)) "
        "GROUP BY a.village_code, channel",
        _week(start, end, village_codes),
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        found.setdefault(row["village_code"], {})[row["channel"]] = int(row["n"])
    return found


@dataclass(frozen=True, slots=True)
class HandOff:
    """A complaint or suggestion sent on in the period: to another body, or to eOtinish."""

    number: str
    village_code: str
    kind: str
    category: str
    status: str
    body: Names | None  # the body it was handed (or rejected) to, the latest
    formal: bool  # a formal appeal on eOtinish was advised
    registration: str | None  # its eOtinish registration number, the latest recorded


async def handoffs(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[HandOff]:
    """The items of the villages handed to another body, advised a formal appeal or given an
    eOtinish number in ``[start, end)``, by number; what each stands at now."""
    rows = await db.read_all(
        "SELECT a.year, a.seq, a.village_code, a.kind, a.category, a.status, "
        "EXISTS (SELECT 1 FROM appeal_events e WHERE e.appeal_id = a.id AND e.action = 'formal') "
        " AS formal, "
        "(SELECT e.note FROM appeal_events e WHERE e.appeal_id = a.id AND e.action = 'eotinish' "
        " ORDER BY e.id DESC LIMIT 1) AS registration, b.name_kk, b.name_ru, b.name_en "
        "FROM appeals a LEFT JOIN bodies b ON b.id = ("
        " SELECT CAST(substr(e.target, 6) AS INTEGER) FROM appeal_events e "
        " WHERE e.appeal_id = a.id AND e.target LIKE 'body:%' ORDER BY e.id DESC LIMIT 1) "
        "WHERE a.kind IN ('complaint', 'suggestion') "
        "AND a.village_code IN (SELECT value FROM json_each(:codes)) "
        "AND a.id IN (SELECT e.appeal_id FROM appeal_events e "
        " WHERE e.created_at >= :start AND e.created_at < :end "
        " AND (e.action IN ('handed_off', 'formal', 'eotinish') "
        "  OR (e.action = 'rejected' AND e.target LIKE 'body:%'))) "
        "ORDER BY a.year, a.seq",
        _week(start, end, village_codes),
    )
    return [
        HandOff(
            number=f"#{row['year']}-{row['seq']:05d}", village_code=row["village_code"],
            kind=row["kind"], category=row["category"], status=row["status"],
            body=Names(row["name_kk"], row["name_ru"], row["name_en"]) if row["name_kk"] else None,
            formal=bool(row["formal"]), registration=row["registration"],
        )
        for row in rows
    ]  # fmt: skip
