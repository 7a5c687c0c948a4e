"""Complaints, suggestions and hearing questions: the items, their history, deadline notices."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database, from_db_time, to_db_time
from storage.models import Scope, ScopeKind
from storage.versions import NONE, Versions


class Kind(StrEnum):
    """What the resident sent."""

    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    QUESTION = "question"


class Status(StrEnum):
    """Where an item stands; "overdue" is not stored but read from the due date."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"


OPEN = (Status.NEW, Status.IN_PROGRESS)  # not yet answered: these can fall overdue
ACTIVE = (Status.NEW, Status.IN_PROGRESS, Status.ANSWERED)  # staff can still act on these


@dataclass(frozen=True, slots=True)
class NewAppeal:
    """What the intake dialog (or a hearing question) hands over to be stored."""

    kind: Kind
    person_id: int
    village_code: str
    category: str
    text: str
    text_key: str
    language: str
    due_on: date
    hide_name: bool = False
    photos: tuple[str, ...] = ()
    voice_file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hearing_id: int | None = None


@dataclass(frozen=True, slots=True)
class Appeal:
    """One item, with its resident (linked even when their name is hidden from staff)."""

    id: int
    number: str
    kind: Kind
    person_id: int
    village_code: str
    handler_village_code: str
    level: str
    category: str
    text: str
    language: str
    hide_name: bool
    voice_file_id: str | None
    latitude: float | None
    longitude: float | None
    hearing_id: int | None
    hearing_topic: str | None
    status: Status
    confirm_pending: bool
    due_on: date
    created_at: datetime
    updated_at: datetime
    resident_telegram_id: int | None
    resident_name: str | None
    resident_language: str | None
    photos: tuple[str, ...] = field(default=())
    redacted: bool = False  # the resident erased their data: no text, photos, voice, location
    extensions: int = 0  # deadline extensions so far
    extended_days: int = 0  # working days they added
    hearing_kind: str | None = None  # a question's meeting: its kind and start
    hearing_starts_at: datetime | None = None

    def is_overdue(self, today: date) -> bool:
        """Unanswered past its due date."""
        return self.status in OPEN and self.due_on < today


@dataclass(frozen=True, slots=True)
class Event:
    """One step of an item's history."""

    action: str
    actor_id: int | None
    actor_name: str | None
    note: str | None
    created_at: datetime
    versions: Versions = NONE  # the note in the other language, when staff added it
    target: str | None = None  # where it went ("village:<code>", "body:<id>"...), apart from note

    def note_in(self, language: str) -> str | None:
        """The note as a reader of ``language`` gets it: their version, else the first."""
        return self.versions.pick(language, "note", self.note) if self.note else self.note


_SELECT = """
SELECT a.*, h.topic AS hearing_topic, h.kind AS hearing_kind, h.starts_at AS hearing_starts_at,
       p.telegram_id AS resident_telegram_id,
       p.first_name AS resident_name,
       COALESCE(p.language, p.telegram_language) AS resident_language
FROM appeals a
JOIN people p ON p.id = a.person_id
JOIN villages v ON v.code = a.handler_village_code
JOIN districts d ON d.code = v.district_code
LEFT JOIN hearings h ON h.id = a.hearing_id
"""
# Stored with a new item in its transaction (an on-behalf item's audit: storage.behalf).
AfterCreate = Callable[[aiosqlite.Connection, int], Awaitable[None]]
REPEAT_WINDOW = timedelta(hours=24)  # intake refuses the same text again within this
# Columns a status change may set besides the status (never built from user input).
_CHANGEABLE = frozenset({"handler_village_code", "level", "due_on", "confirm_pending"})


def _appeal(row: sqlite3.Row, photos: tuple[str, ...] = ()) -> Appeal:
    return Appeal(
        id=row["id"],
        number=f"{row['year']}-{row['seq']:05d}",
        kind=Kind(row["kind"]),
        person_id=row["person_id"],
        village_code=row["village_code"],
        handler_village_code=row["handler_village_code"],
        level=row["level"],
        category=row["category"],
        text=row["text"],
        language=row["language"],
        hide_name=bool(row["hide_name"]),
        voice_file_id=row["voice_file_id"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        hearing_id=row["hearing_id"],
        hearing_topic=row["hearing_topic"],
        status=Status(row["status"]),
        confirm_pending=bool(row["confirm_pending"]),
        due_on=date.fromisoformat(row["due_on"]),
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
        resident_telegram_id=row["resident_telegram_id"],
        resident_name=row["resident_name"],
        resident_language=row["resident_language"],
        photos=photos,
        redacted=row["redacted_at"] is not None,
        extensions=row["extensions"],
        extended_days=row["extended_days"],
        hearing_kind=row["hearing_kind"],
        hearing_starts_at=from_db_time(row["hearing_starts_at"]) if row["hearing_kind"] else None,
    )


async def _add_event(
    tx: aiosqlite.Connection,
    appeal_id: int,
    action: str,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    versions: Versions | None = None,
    target: str | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at, versions, "
        "target) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            appeal_id,
            action,
            actor_id,
            note,
            to_db_time(now),
            versions.to_json() if versions else None,
            target,
        ),
    )


async def create(
    db: Database, new: NewAppeal, year: int, now: datetime, after: AfterCreate | None = None
) -> Appeal:
    """Store an item with the next number of ``year``, its photos and its first event (and
    what ``after`` stores with it)."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO appeal_sequences (year, last) VALUES (?, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = appeal_sequences.last + 1 RETURNING last",
            (year,),
        )
        row = await cursor.fetchone()
        await cursor.close()
        assert row is not None
        cursor = await tx.execute(
            "INSERT INTO appeals (year, seq, kind, person_id, village_code, handler_village_code, "
            "category, text, text_key, language, hide_name, voice_file_id, latitude, longitude, "
            "hearing_id, due_on, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                year, row[0], new.kind.value, new.person_id, new.village_code, new.village_code,
                new.category, new.text, new.text_key, new.language, int(new.hide_name),
                new.voice_file_id, new.latitude, new.longitude, new.hearing_id,
                new.due_on.isoformat(), to_db_time(now), to_db_time(now),
            ),
        )  # fmt: skip
        appeal_id = cursor.lastrowid
        assert appeal_id is not None
        await tx.executemany(
            "INSERT INTO appeal_photos (appeal_id, position, file_id) VALUES (?, ?, ?)",
            [(appeal_id, position, file_id) for position, file_id in enumerate(new.photos)],
        )
        await _add_event(tx, appeal_id, "created", None, None, now)
        if after is not None:
            await after(tx, appeal_id)
    appeal = await get(db, appeal_id)
    assert appeal is not None
    return appeal


async def get(db: Database, appeal_id: int) -> Appeal | None:
    """Return one item with its photos."""
    row = await db.fetch_one(_SELECT + " WHERE a.id = ?", (appeal_id,))
    if row is None:
        return None
    photos = await db.fetch_all(
        "SELECT file_id FROM appeal_photos WHERE appeal_id = ? ORDER BY position", (appeal_id,)
    )
    return _appeal(row, tuple(photo["file_id"] for photo in photos))


async def count_since(db: Database, person_id: int, since: datetime) -> int:
    """How many items the person sent since ``since``."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM appeals WHERE person_id = ? AND created_at >= ?",
        (person_id, to_db_time(since)),
    )
    return int(row[0]) if row else 0


async def sent_same_text_since(
    db: Database, person_id: int, text_key: str, since: datetime
) -> bool:
    """Whether the person sent the same text (by its normalized key) since ``since``."""
    row = await db.fetch_one(
        "SELECT 1 FROM appeals WHERE person_id = ? AND text_key = ? AND created_at >= ? LIMIT 1",
        (person_id, text_key, to_db_time(since)),
    )
    return row is not None


async def of_person(db: Database, person_id: int, limit: int, offset: int = 0) -> list[Appeal]:
    """The person's items, newest first."""
    rows = await db.fetch_all(
        _SELECT + " WHERE a.person_id = ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
        (person_id, limit, offset),
    )
    return [_appeal(row) for row in rows]


async def awaiting_confirmation(db: Database, person_id: int) -> Appeal | None:
    """The person's newest item marked resolved whose "Was it really solved?" is unanswered."""
    row = await db.fetch_one(
        _SELECT + " WHERE a.person_id = ? AND a.status = 'resolved' AND a.confirm_pending = 1 "
        "ORDER BY a.updated_at DESC, a.id DESC LIMIT 1",
        (person_id,),
    )
    return _appeal(row) if row else None


async def count_of_person(db: Database, person_id: int) -> int:
    """How many items the person ever sent."""
    row = await db.fetch_one("SELECT COUNT(*) FROM appeals WHERE person_id = ?", (person_id,))
    return int(row[0]) if row else 0


def _scope_clause(scopes: Sequence[Scope]) -> tuple[str, list[Any]]:
    """SQL (on ``a``, ``v``, ``d`` of :data:`_SELECT`) for the items staff of ``scopes`` work.

    Village and okrug staff work items at village level; district and wider staff work every
    item of their area, including those forwarded up to the district.
    """
    parts: list[str] = []
    params: list[Any] = []
    for scope in scopes:
        if scope.kind is ScopeKind.ALL:
            return "1 = 1", []
        if scope.kind is ScopeKind.REGION:
            parts.append("d.region_code = ?")
        elif scope.kind is ScopeKind.DISTRICT:
            parts.append("v.district_code = ?")
        elif scope.kind is ScopeKind.OKRUG:
            parts.append("(v.okrug_code = ? AND a.level = 'village')")
        else:
            parts.append("(a.handler_village_code = ? AND a.level = 'village')")
        params.append(scope.code)
    return ("(" + " OR ".join(parts) + ")" if parts else "0 = 1"), params


def _filter_clause(
    status: str, category: str | None, today: date, place: Scope | None
) -> tuple[str, list[Any]]:
    # Questions asked before a meeting are their own kind: listed with their meeting, by theme
    # (handlers.meetings.questions), not among complaints and suggestions.
    if status == "questions":
        return _narrowed(
            "a.kind = 'question' AND a.status IN ('new', 'in_progress')", [], category, place
        )
    if status == "overdue":
        sql, params = "a.status IN ('new', 'in_progress') AND a.due_on < ?", [today.isoformat()]
    else:
        sql, params = "a.status = ?", [Status(status).value]
    return _narrowed(sql + " AND a.kind != 'question'", params, category, place)


def _narrowed(
    sql: str, params: list[Any], category: str | None, place: Scope | None
) -> tuple[str, list[Any]]:
    if category is not None:
        sql += " AND a.category = ?"
        params.append(category)
    if place is not None:  # narrowed to the villages of one okrug, or one village
        sql += " AND v.okrug_code = ?" if place.kind is ScopeKind.OKRUG else " AND v.code = ?"
        params.append(place.code)
    return sql, params


async def in_scopes(
    db: Database,
    scopes: Sequence[Scope],
    status: str,
    category: str | None,
    today: date,
    limit: int,
    offset: int = 0,
    place: Scope | None = None,
) -> list[Appeal]:
    """Items staff of ``scopes`` work, by status ("overdue" too) and category, oldest due first;
    with ``place``, only those worked in one okrug or village."""
    scope_sql, scope_params = _scope_clause(scopes)
    filter_sql, filter_params = _filter_clause(status, category, today, place)
    rows = await db.fetch_all(
        f"{_SELECT} WHERE {scope_sql} AND {filter_sql} ORDER BY a.due_on, a.id LIMIT ? OFFSET ?",
        (*scope_params, *filter_params, limit, offset),
    )
    return [_appeal(row) for row in rows]


async def count_in_scopes(
    db: Database,
    scopes: Sequence[Scope],
    status: str,
    category: str | None,
    today: date,
    place: Scope | None = None,
) -> int:
    """How many items :func:`in_scopes` would list in all."""
    scope_sql, scope_params = _scope_clause(scopes)
    filter_sql, filter_params = _filter_clause(status, category, today, place)
    # The fragments are constant SQL; every value goes in as a parameter.
    sql = (
        "SELECT COUNT(*) FROM appeals a JOIN villages v ON v.code = a.handler_village_code "
        "JOIN districts d ON d.code = v.district_code WHERE "
    )
    row = await db.fetch_one(f"{sql}{scope_sql} AND {filter_sql}", (*scope_params, *filter_params))
    return int(row[0]) if row else 0


async def change(
    db: Database,
    appeal_id: int,
    expected: Sequence[Status],
    status: Status | None,
    action: str,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    versions: Versions | None = None,
    target: str | None = None,
    **columns: object,
) -> Appeal | None:
    """Apply one step if the item is still in an ``expected`` status; record it in the history
    (the note's other versions with it, and where it went: ``target``).

    Returns the changed item, or None when someone else changed it first (or it is gone).
    """
    unknown = set(columns) - _CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    values: dict[str, object] = {"updated_at": to_db_time(now), **columns}
    if status is not None:
        values["status"] = status.value
    assignments = ", ".join(f"{name} = ?" for name in values)
    marks = ", ".join("?" for _ in expected)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            f"UPDATE appeals SET {assignments} WHERE id = ? AND status IN ({marks})",  # noqa: S608
            (*values.values(), appeal_id, *(s.value for s in expected)),
        )
        if cursor.rowcount == 0:
            return None
        await _add_event(tx, appeal_id, action, actor_id, note, now, versions, target)
    return await get(db, appeal_id)


async def extend(
    db: Database,
    appeal: Appeal,
    due_on: date,
    days: int,
    bounds: tuple[int, int],
    actor_id: int,
    reason: str,
    now: datetime,
    versions: Versions | None = None,
) -> Appeal | None:
    """Move the due date by ``days`` working days, within ``bounds`` (how many extensions,
    how many working days in all); None when it changed meanwhile or would pass a bound."""
    most, most_days = bounds
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE appeals SET due_on = ?, extensions = extensions + 1, "
            "extended_days = extended_days + ?, updated_at = ? "
            "WHERE id = ? AND due_on = ? AND status IN ('new', 'in_progress', 'answered') "
            "AND extensions < ? AND extended_days + ? <= ?",
            (due_on.isoformat(), days, to_db_time(now), appeal.id, appeal.due_on.isoformat(),
             most, days, most_days),
        )  # fmt: skip
        if cursor.rowcount == 0:
            return None
        await _add_event(tx, appeal.id, "extended", actor_id, reason, now, versions)
    return await get(db, appeal.id)


async def settle_confirmation(
    db: Database, appeal_id: int, person_id: int, solved: bool, now: datetime
) -> Appeal | None:
    """Take the resident's yes/no on a resolved item once; "no" reopens it."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE appeals SET confirm_pending = 0, status = ?, updated_at = ? "
            "WHERE id = ? AND person_id = ? AND status = 'resolved' AND confirm_pending = 1",
            (
                Status.RESOLVED.value if solved else Status.IN_PROGRESS.value,
                to_db_time(now),
                appeal_id,
                person_id,
            ),
        )
        if cursor.rowcount == 0:
            return None
        await _add_event(tx, appeal_id, "confirmed" if solved else "reopened", None, None, now)
    return await get(db, appeal_id)


async def add_event(
    db: Database, appeal_id: int, action: str, actor_id: int | None, note: str | None, now: datetime
) -> None:
    """Record a step that changes nothing else (a deadline escalation, a registration number)."""
    async with db.transaction() as tx:
        await _add_event(tx, appeal_id, action, actor_id, note, now)


async def history(db: Database, appeal_id: int) -> list[Event]:
    """The item's history, oldest first, with the names of the staff who acted."""
    rows = await db.fetch_all(
        "SELECT e.action, e.actor_id, e.note, e.created_at, e.versions, e.target, "
        "p.first_name AS actor_name "
        "FROM appeal_events e LEFT JOIN people p ON p.telegram_id = e.actor_id "
        "WHERE e.appeal_id = ? ORDER BY e.id",
        (appeal_id,),
    )
    return [
        Event(
            action=row["action"],
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            note=row["note"],
            created_at=from_db_time(row["created_at"]),
            versions=Versions.from_json(row["versions"]),
            target=row["target"],
        )
        for row in rows
    ]


async def unanswered_due_by(
    db: Database, day: date, *, unflagged_on: date | None = None
) -> list[Appeal]:
    """New and in-progress items due on or before ``day``.

    With ``unflagged_on``, only those whose deadline notice of that day is not claimed yet
    (overdue when due before it, else due soon): a daily check then reads and claims the new
    ones only, not again every open item it flagged before, one write each.
    """
    sql = _SELECT + " WHERE a.status IN ('new', 'in_progress') AND a.due_on <= ?"
    params = [day.isoformat()]
    if unflagged_on is not None:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM appeal_notices n WHERE n.appeal_id = a.id "
            "AND n.due_on = a.due_on "
            "AND n.kind = CASE WHEN a.due_on < ? THEN 'overdue' ELSE 'due_soon' END)"
        )
        params.append(unflagged_on.isoformat())
    rows = await db.fetch_all(sql + " ORDER BY a.id", params)
    return [_appeal(row) for row in rows]


async def claim_notice(
    db: Database, appeal_id: int, kind: str, due_on: date, now: datetime
) -> bool:
    """Claim a deadline notice; False when it was already claimed (so it is never sent twice)."""
    changed = await db.execute_write(
        "INSERT INTO appeal_notices (appeal_id, kind, due_on, claimed_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (appeal_id, kind, due_on.isoformat(), to_db_time(now)),
    )
    return changed > 0


async def redact_of_person(tx: aiosqlite.Connection, person_id: int, now: datetime) -> None:
    """Blank the person's appeals: text, photos, voice, location (the rest stays for counts).

    The repeat check's key of the last day stays (a keyed hash: no text); older ones go.
    """
    await tx.execute(
        "DELETE FROM appeal_photos WHERE appeal_id IN (SELECT id FROM appeals WHERE person_id = ?)",
        (person_id,),
    )
    await tx.execute(
        "UPDATE appeals SET text = '', voice_file_id = NULL, latitude = NULL, longitude = NULL, "
        "text_key = CASE WHEN created_at >= ? THEN text_key ELSE '' END, "
        "redacted_at = COALESCE(redacted_at, ?) WHERE person_id = ?",
        (to_db_time(now - REPEAT_WINDOW), to_db_time(now), person_id),
    )
