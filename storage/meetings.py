"""What a meeting of local self-government keeps beyond a public hearing's row.

The meeting itself is a row of ``hearings`` (:mod:`storage.hearings`, with its ``kind``); here
are the assembly's members (per village, kept by staff), its agenda items with their decisions
and votes, the answers to the questions asked in advance (appeals of kind ``question``, their
category the theme), and the writes that span the meeting and its questions: a postponement
moves the questions' due date with it, a cancellation closes them, the answers go out once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage.db import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class Member:
    """A member of the local community assembly, from one village."""

    id: int
    village_code: str
    name: str


@dataclass(frozen=True, slots=True)
class Item:
    """An agenda item of an assembly; once it was held, its decision and votes."""

    position: int
    title: str
    decision: str | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstained: int | None = None


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What the assembly decided on one item, and how it voted."""

    decision: str
    votes_for: int
    votes_against: int
    votes_abstained: int


@dataclass(frozen=True, slots=True)
class AssemblyRecord:
    """An assembly as held: who came, what it decided item by item, the signed protocol."""

    attendance: int
    members_total: int
    members_present: int
    results: tuple[ItemResult, ...]
    decisions: str  # the decisions as plain text, for the reports and the shared text
    protocol: tuple[str, str] | None  # file id, "photo" or "document"


@dataclass(frozen=True, slots=True)
class Question:
    """A question a resident asked before a meeting (an appeal of kind ``question``)."""

    id: int
    number: str
    theme: str
    text: str
    village_code: str
    status: str
    person_id: int
    redacted: bool = False  # the resident erased their data: the text is gone


@dataclass(frozen=True, slots=True)
class Answer:
    """Staff's answer to the questions of one theme."""

    theme: str
    text: str
    answered_by: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class MeetingLine:
    """One meeting of a report's period, with its counts (no names, no residents' texts)."""

    id: int
    kind: str
    status: str
    starts_at: datetime
    village_codes: tuple[str, ...]
    attendance: int | None
    members_total: int | None
    members_present: int | None
    postponements: int
    items_decided: int  # an assembly's items recorded with a decision; another's outcome: 1
    items_adopted: int  # ... of which more than half of the members present voted for
    questions: tuple[tuple[date, datetime | None], ...]  # each question: due on, answered at


def _codes(village_codes: Iterable[str]) -> str:
    return json.dumps(list(village_codes))


# --- members ------------------------------------------------------------------------------------
async def members_of(db: Database, village_codes: Sequence[str]) -> list[Member]:
    """The assembly members of these villages, by village, then in the order they were added."""
    rows = await db.fetch_all(
        "SELECT id, village_code, name FROM assembly_members "
        "WHERE village_code IN (SELECT value FROM json_each(?)) ORDER BY village_code, id",
        (_codes(village_codes),),
    )
    return [Member(row["id"], row["village_code"], row["name"]) for row in rows]


async def member_count(db: Database, village_codes: Sequence[str]) -> int:
    """How many assembly members these villages have."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM assembly_members "
        "WHERE village_code IN (SELECT value FROM json_each(?))",
        (_codes(village_codes),),
    )
    return int(row[0]) if row else 0


async def add_members(db: Database, village_code: str, names: Sequence[str], added_by: int) -> int:
    """Add members to a village's list (a name already there is skipped); how many were added."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        added = 0
        for name in names:
            cursor = await tx.execute(
                "INSERT INTO assembly_members (village_code, name, added_by, added_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (village_code, name, added_by, now),
            )
            added += cursor.rowcount
    return added


async def get_member(db: Database, member_id: int) -> Member | None:
    """One member."""
    row = await db.fetch_one(
        "SELECT id, village_code, name FROM assembly_members WHERE id = ?", (member_id,)
    )
    return Member(row["id"], row["village_code"], row["name"]) if row else None


async def remove_member(db: Database, member_id: int) -> bool:
    """Take a member off the list; False when they were not on it."""
    return await db.execute_write("DELETE FROM assembly_members WHERE id = ?", (member_id,)) > 0


# --- agenda items and the assembly's record -----------------------------------------------------
def _item(row: sqlite3.Row) -> Item:
    return Item(
        position=row["position"], title=row["title"], decision=row["decision"],
        votes_for=row["votes_for"], votes_against=row["votes_against"],
        votes_abstained=row["votes_abstained"],
    )  # fmt: skip


async def items_of(db: Database, hearing_id: int) -> list[Item]:
    """A meeting's agenda items, in order."""
    rows = await db.fetch_all(
        "SELECT * FROM meeting_items WHERE hearing_id = ? ORDER BY position", (hearing_id,)
    )
    return [_item(row) for row in rows]


async def conclude_assembly(db: Database, hearing_id: int, record: AssemblyRecord) -> bool:
    """Record an assembly as held, with each item's decision and votes, in one transaction;
    False when it was not scheduled (held or cancelled meanwhile)."""
    now = to_db_time(utcnow())
    file_id, kind = record.protocol if record.protocol else (None, None)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE hearings SET status = 'held', attendance = ?, decisions = ?, "
            "members_total = ?, members_present = ?, protocol_file_id = ?, protocol_kind = ?, "
            "concluded_at = ?, updated_at = ? WHERE id = ? AND status = 'scheduled'",
            (record.attendance, record.decisions, record.members_total, record.members_present,
             file_id, kind, now, now, hearing_id),
        )  # fmt: skip
        if cursor.rowcount == 0:
            return False
        await tx.executemany(
            "UPDATE meeting_items SET decision = ?, votes_for = ?, votes_against = ?, "
            "votes_abstained = ? WHERE hearing_id = ? AND position = ?",
            [
                (r.decision, r.votes_for, r.votes_against, r.votes_abstained, hearing_id, position)
                for position, r in enumerate(record.results, 1)
            ],
        )
    return True


# --- postponing and cancelling a meeting, with its questions ------------------------------------
async def postpone(
    db: Database, hearing_id: int, starts_at: datetime, reason: str, due_on: date
) -> bool:
    """Move a scheduled meeting to ``starts_at`` for ``reason``: the reminders are due again, and
    its open questions are due on the new day. False when it was not scheduled."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE hearings SET postponed_from = COALESCE(postponed_from, starts_at), "
            "starts_at = ?, reason = ?, postponements = postponements + 1, updated_at = ? "
            "WHERE id = ? AND status = 'scheduled'",
            (to_db_time(starts_at), reason, now, hearing_id),
        )
        if cursor.rowcount == 0:
            return False
        await tx.execute("DELETE FROM hearing_reminders WHERE hearing_id = ?", (hearing_id,))
        await tx.execute(
            "UPDATE appeals SET due_on = ?, updated_at = ? WHERE hearing_id = ? "
            "AND kind = 'question' AND status IN ('new', 'in_progress')",
            (due_on.isoformat(), now, hearing_id),
        )
    return True


async def cancel(
    db: Database, hearing_id: int, reason: str | None, now: datetime
) -> list[int] | None:
    """Cancel a scheduled meeting for ``reason`` and close its open questions (each with the
    reason in its history); the people who asked them. None when it was not scheduled."""
    stamp = to_db_time(now)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE hearings SET status = 'cancelled', reason = ?, updated_at = ? "
            "WHERE id = ? AND status = 'scheduled'",
            (reason, stamp, hearing_id),
        )
        if cursor.rowcount == 0:
            return None
        cursor = await tx.execute(
            "SELECT id, person_id FROM appeals WHERE hearing_id = ? AND kind = 'question' "
            "AND status IN ('new', 'in_progress')",
            (hearing_id,),
        )
        open_questions = list(await cursor.fetchall())
        await cursor.close()
        for row in open_questions:
            await tx.execute(
                "UPDATE appeals SET status = 'rejected', updated_at = ? WHERE id = ?",
                (stamp, row[0]),
            )
            await tx.execute(
                "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at) "
                "VALUES (?, 'meeting_cancelled', NULL, ?, ?)",
                (row[0], reason, stamp),
            )
    return sorted({int(row[1]) for row in open_questions})


# --- questions asked in advance and their answers -----------------------------------------------
async def questions_of(db: Database, hearing_id: int) -> list[Question]:
    """The questions residents asked before a meeting, oldest first."""
    rows = await db.fetch_all(
        "SELECT id, year, seq, category, text, village_code, status, person_id, redacted_at "
        "FROM appeals "
        "WHERE hearing_id = ? AND kind = 'question' ORDER BY id",
        (hearing_id,),
    )
    return [
        Question(
            id=row["id"], number=f"{row['year']}-{row['seq']:05d}", theme=row["category"],
            text=row["text"], village_code=row["village_code"], status=row["status"],
            person_id=row["person_id"], redacted=row["redacted_at"] is not None,
        )
        for row in rows
    ]  # fmt: skip


async def answers_of(db: Database, hearing_id: int) -> dict[str, Answer]:
    """Staff's answers to a meeting's questions, by theme."""
    rows = await db.fetch_all(
        "SELECT * FROM meeting_answers WHERE hearing_id = ? ORDER BY theme", (hearing_id,)
    )
    return {
        row["theme"]: Answer(
            row["theme"], row["text"], row["answered_by"], from_db_time(row["answered_at"])
        )
        for row in rows
    }


async def save_answer(db: Database, hearing_id: int, theme: str, text: str, actor: int) -> None:
    """Keep (or replace) the answer to the questions of one theme."""
    await db.execute_write(
        "INSERT INTO meeting_answers (hearing_id, theme, text, answered_by, answered_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hearing_id, theme) DO UPDATE SET "
        "text = excluded.text, answered_by = excluded.answered_by, "
        "answered_at = excluded.answered_at",
        (hearing_id, theme, text, actor, to_db_time(utcnow())),
    )


async def publish_answers(
    db: Database, hearing_id: int, actor: int, now: datetime
) -> list[int] | None:
    """Mark the answers sent, once: each open question of an answered theme becomes answered,
    the theme's answer in its history. The people whose questions are answered; None when the
    answers went out before (or the meeting was cancelled)."""
    stamp = to_db_time(now)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE hearings SET answers_sent_at = ?, updated_at = ? "
            "WHERE id = ? AND answers_sent_at IS NULL AND status != 'cancelled'",
            (stamp, stamp, hearing_id),
        )
        if cursor.rowcount == 0:
            return None
        cursor = await tx.execute(
            "SELECT a.id, a.person_id, m.text FROM appeals a JOIN meeting_answers m "
            "ON m.hearing_id = a.hearing_id AND m.theme = a.category WHERE a.hearing_id = ? "
            "AND a.kind = 'question' AND a.status IN ('new', 'in_progress')",
            (hearing_id,),
        )
        answered = list(await cursor.fetchall())
        await cursor.close()
        for appeal_id, _, text in answered:
            await tx.execute(
                "UPDATE appeals SET status = 'answered', updated_at = ? WHERE id = ?",
                (stamp, appeal_id),
            )
            await tx.execute(
                "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at) "
                "VALUES (?, 'answered', ?, ?, ?)",
                (appeal_id, actor, text, stamp),
            )
        cursor = await tx.execute(
            "SELECT DISTINCT a.person_id FROM appeals a WHERE a.hearing_id = ? "
            "AND a.kind = 'question' AND a.status = 'answered' ORDER BY a.person_id",
            (hearing_id,),
        )
        people = [int(row[0]) for row in await cursor.fetchall()]
        await cursor.close()
    return people


async def with_questions(db: Database, village_codes: Sequence[str], since: datetime) -> list[int]:
    """Meetings of these villages starting after ``since`` that residents asked questions for."""
    rows = await db.fetch_all(
        "SELECT h.id FROM hearings h WHERE h.starts_at > ? AND EXISTS (SELECT 1 FROM appeals a "
        "WHERE a.hearing_id = h.id AND a.kind = 'question') AND h.id IN (SELECT hearing_id FROM "
        "hearing_villages WHERE village_code IN (SELECT value FROM json_each(?))) "
        "ORDER BY h.starts_at",
        (to_db_time(since), _codes(village_codes)),
    )
    return [int(row[0]) for row in rows]


async def audience(
    db: Database, village_codes: Sequence[str], also: Iterable[int], leaving_out: Iterable[int]
) -> list[int]:
    """Person ids of the residents of ``village_codes`` and of ``also``, but not ``leaving_out``
    (the broadcast engine still leaves out whoever erased their data or blocked the bot)."""
    rows = await db.fetch_all(
        "SELECT id FROM people WHERE (village_code IN (SELECT value FROM json_each(?)) "
        "OR id IN (SELECT value FROM json_each(?))) AND id NOT IN (SELECT value FROM json_each(?)) "
        "ORDER BY id",
        (_codes(village_codes), json.dumps(list(also)), json.dumps(list(leaving_out))),
    )
    return [int(row[0]) for row in rows]


# --- reports --------------------------------------------------------------------------------------
async def between(
    db: Database, village_codes: Sequence[str], start: datetime, end: datetime
) -> list[MeetingLine]:
    """Meetings of any of the villages (planned to start) in ``[start, end)``, with their counts."""
    params = {"start": to_db_time(start), "end": to_db_time(end), "codes": _codes(village_codes)}
    rows = await db.read_all(
        "SELECT h.id, h.kind, h.status, h.starts_at, h.villages, h.attendance, h.members_total, "
        "h.members_present, h.postponements, "
        "CASE WHEN h.kind = 'assembly' THEN (SELECT COUNT(*) FROM meeting_items i "
        " WHERE i.hearing_id = h.id AND i.decision IS NOT NULL) "
        " ELSE CASE WHEN h.status = 'held' AND COALESCE(h.decisions, '') != '' THEN 1 ELSE 0 END"
        " END AS decided, "
        "(SELECT COUNT(*) FROM meeting_items i WHERE i.hearing_id = h.id "
        " AND i.decision IS NOT NULL AND i.votes_for * 2 > h.members_present) AS adopted "
        "FROM hearing_rows h WHERE h.starts_at >= :start AND h.starts_at < :end AND h.id IN "
        "(SELECT hearing_id FROM hearing_villages WHERE village_code IN "
        "(SELECT value FROM json_each(:codes))) ORDER BY h.starts_at, h.id",
        params,
    )
    questions = await db.read_all(
        "SELECT a.hearing_id, a.due_on, (SELECT MIN(e.created_at) FROM appeal_events e "
        "WHERE e.appeal_id = a.id AND e.action = 'answered') AS answered_at FROM appeals a "
        "JOIN hearings h ON h.id = a.hearing_id WHERE a.kind = 'question' "
        "AND h.starts_at >= :start AND h.starts_at < :end",
        params,
    )
    asked: dict[int, list[tuple[date, datetime | None]]] = {}
    for row in questions:
        answered = from_db_time(row["answered_at"]) if row["answered_at"] else None
        asked.setdefault(row["hearing_id"], []).append(
            (date.fromisoformat(row["due_on"]), answered)
        )
    return [
        MeetingLine(
            id=row["id"], kind=row["kind"], status=row["status"],
            starts_at=from_db_time(row["starts_at"]),
            village_codes=tuple(sorted(json.loads(row["villages"]))),
            attendance=row["attendance"], members_total=row["members_total"],
            members_present=row["members_present"], postponements=row["postponements"],
            items_decided=row["decided"], items_adopted=row["adopted"],
            questions=tuple(asked.get(row["id"], ())),
        )
        for row in rows
    ]  # fmt: skip
