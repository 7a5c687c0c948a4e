"""Public hearings and the other meetings of local self-government (one row each, with its
kind), their villages, "I will come" answers and claimed reminders."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.versions import NONE, Versions

TEXTS = ("topic", "place", "agenda", "decisions")  # what staff type: a version each may have

KINDS = ("hearing", "assembly", "gathering", "report")  # see storage/migrations/0020


@dataclass(frozen=True, slots=True)
class Hearing:
    """A public hearing (қоғамдық тыңдау / публичные слушания), or another meeting of local
    self-government: ``kind`` is one of :data:`KINDS`."""

    id: int
    topic: str
    starts_at: datetime
    place: str
    latitude: float | None
    longitude: float | None
    agenda: str
    status: str  # scheduled, cancelled, held
    created_by: int
    village_codes: tuple[str, ...]
    attendance: int | None = None
    decisions: str | None = None
    kind: str = "hearing"
    reason: str | None = None  # of the last cancellation or postponement
    postponed_from: datetime | None = None  # the first planned start, once postponed
    postponements: int = 0
    members_total: int | None = None  # an assembly as held: its members then
    members_present: int | None = None
    protocol_file_id: str | None = None  # the signed protocol, as Telegram keeps it
    protocol_kind: str | None = None  # photo or document
    answers_sent_at: datetime | None = None  # the answers to questions asked in advance
    versions: Versions = NONE  # the texts in another language than the first

    def read_in(self, language: str) -> Hearing:
        """The hearing as a reader of ``language`` gets it: their version of each text, else
        the first one."""
        if not self.versions:
            return self
        pick = self.versions.pick
        return replace(
            self,
            topic=pick(language, "topic", self.topic),
            place=pick(language, "place", self.place),
            agenda=pick(language, "agenda", self.agenda),
            decisions=pick(language, "decisions", self.decisions) if self.decisions else None,
        )

    @property
    def has_pin(self) -> bool:
        """Whether staff dropped a map pin for the place."""
        return self.latitude is not None and self.longitude is not None

    def with_changes(self, **changes: Any) -> Hearing:
        """A copy with some fields changed (to preview a change before it is stored)."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class NewHearing:
    """What staff fill in to announce a hearing."""

    topic: str
    starts_at: datetime
    place: str
    agenda: str
    village_codes: tuple[str, ...]
    created_by: int
    latitude: float | None = None
    longitude: float | None = None
    kind: str = "hearing"
    items: tuple[str, ...] = ()  # an assembly's agenda items, to be voted on one by one
    versions: Versions = NONE

    def preview(self) -> Hearing:
        """The hearing as it will be once stored (for a preview before it is)."""
        return Hearing(
            id=0, topic=self.topic, starts_at=self.starts_at, place=self.place,
            latitude=self.latitude, longitude=self.longitude, agenda=self.agenda,
            status="scheduled", created_by=self.created_by, village_codes=self.village_codes,
            kind=self.kind,
            versions=self.versions,
        )  # fmt: skip


def _hearing(row: sqlite3.Row) -> Hearing:
    return Hearing(
        id=row["id"],
        topic=row["topic"],
        starts_at=from_db_time(row["starts_at"]),
        place=row["place"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        agenda=row["agenda"],
        status=row["status"],
        created_by=row["created_by"],
        village_codes=tuple(sorted(json.loads(row["villages"]))),
        attendance=row["attendance"],
        decisions=row["decisions"],
        kind=row["kind"],
        reason=row["reason"],
        postponed_from=_time_or_none(row["postponed_from"]),
        postponements=row["postponements"],
        members_total=row["members_total"],
        members_present=row["members_present"],
        protocol_file_id=row["protocol_file_id"],
        protocol_kind=row["protocol_kind"],
        answers_sent_at=_time_or_none(row["answers_sent_at"]),
        versions=Versions.from_json(row["versions"]),
    )


def _time_or_none(text: str | None) -> datetime | None:
    return from_db_time(text) if text else None


async def create(db: Database, new: NewHearing) -> Hearing:
    """Store a hearing with its villages."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO hearings (topic, starts_at, place, latitude, longitude, agenda, "
            "created_by, created_at, updated_at, kind, versions) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.topic, to_db_time(new.starts_at), new.place, new.latitude, new.longitude,
             new.agenda, new.created_by, now, now, new.kind, new.versions.to_json()),
        )  # fmt: skip
        hearing_id = cursor.lastrowid
        assert hearing_id is not None
        await tx.executemany(
            "INSERT INTO hearing_villages (hearing_id, village_code) VALUES (?, ?)",
            [(hearing_id, code) for code in new.village_codes],
        )
        await tx.executemany(
            "INSERT INTO meeting_items (hearing_id, position, title) VALUES (?, ?, ?)",
            [(hearing_id, position, title) for position, title in enumerate(new.items, 1)],
        )
    hearing = await get(db, hearing_id)
    assert hearing is not None
    return hearing


async def get(db: Database, hearing_id: int) -> Hearing | None:
    """Return one hearing."""
    row = await db.fetch_one("SELECT * FROM hearing_rows h WHERE h.id = ?", (hearing_id,))
    return _hearing(row) if row else None


async def upcoming_in(db: Database, village_code: str, now: datetime) -> list[Hearing]:
    """Scheduled hearings of a village that have not begun, soonest first."""
    rows = await db.fetch_all(
        "SELECT * FROM hearing_rows h WHERE h.status = 'scheduled' AND h.starts_at > ? AND h.id IN "
        "(SELECT hearing_id FROM hearing_villages WHERE village_code = ?) ORDER BY h.starts_at",
        (to_db_time(now), village_code),
    )
    return [_hearing(row) for row in rows]


async def recent_in(db: Database, village_codes: Sequence[str], since: datetime) -> list[Hearing]:
    """Hearings touching any of the villages, starting after ``since``, soonest first."""
    rows = await db.fetch_all(
        "SELECT * FROM hearing_rows h WHERE h.starts_at > ? AND h.id IN (SELECT hearing_id "
        "FROM hearing_villages WHERE village_code IN (SELECT value FROM json_each(?))) "
        "ORDER BY h.starts_at",
        (to_db_time(since), json.dumps(list(village_codes))),
    )
    return [_hearing(row) for row in rows]


async def starting_between(db: Database, start: datetime, end: datetime) -> list[Hearing]:
    """Scheduled hearings starting in ``(start, end]``."""
    rows = await db.fetch_all(
        "SELECT * FROM hearing_rows h WHERE h.status = 'scheduled' AND h.starts_at > ? "
        "AND h.starts_at <= ?",
        (to_db_time(start), to_db_time(end)),
    )
    return [_hearing(row) for row in rows]


async def reschedule(
    db: Database,
    hearing_id: int,
    *,
    starts_at: datetime | None = None,
    place: str | None = None,
    pin: tuple[float, float] | None = None,
    versions: Versions | None = None,
) -> None:
    """Change the time or the place (and the texts' other versions, when given); a new time
    makes the reminders due again."""
    async with db.transaction() as tx:
        if starts_at is not None:
            await tx.execute(
                "UPDATE hearings SET starts_at = ?, updated_at = ? WHERE id = ?",
                (to_db_time(starts_at), to_db_time(utcnow()), hearing_id),
            )
            await tx.execute("DELETE FROM hearing_reminders WHERE hearing_id = ?", (hearing_id,))
        if place is not None:
            latitude, longitude = pin if pin else (None, None)
            await tx.execute(
                "UPDATE hearings SET place = ?, latitude = ?, longitude = ?, updated_at = ? "
                "WHERE id = ?",
                (place, latitude, longitude, to_db_time(utcnow()), hearing_id),
            )
        if versions is not None:
            await tx.execute(
                "UPDATE hearings SET versions = ? WHERE id = ?", (versions.to_json(), hearing_id)
            )


async def cancel(db: Database, hearing_id: int) -> bool:
    """Cancel a scheduled hearing; False when it was not scheduled."""
    changed = await db.execute_write(
        "UPDATE hearings SET status = 'cancelled', updated_at = ? "
        "WHERE id = ? AND status = 'scheduled'",
        (to_db_time(utcnow()), hearing_id),
    )
    return changed > 0


async def conclude(
    db: Database,
    hearing_id: int,
    attendance: int,
    decisions: str,
    versions: Versions | None = None,
) -> bool:
    """Record attendance and decisions once (and the texts' other versions, when given);
    False when already concluded or cancelled."""
    now = to_db_time(utcnow())
    changed = await db.execute_write(
        "UPDATE hearings SET status = 'held', attendance = ?, decisions = ?, concluded_at = ?, "
        "updated_at = ?, versions = COALESCE(?, versions) WHERE id = ? AND status = 'scheduled'",
        (attendance, decisions, now, now, versions.to_json() if versions else None, hearing_id),
    )
    return changed > 0


async def toggle_rsvp(db: Database, hearing_id: int, person_id: int) -> bool:
    """Say "I will come", or take it back; return whether the person now comes."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "DELETE FROM hearing_rsvps WHERE hearing_id = ? AND person_id = ?",
            (hearing_id, person_id),
        )
        if cursor.rowcount:
            return False
        await tx.execute(
            "INSERT INTO hearing_rsvps (hearing_id, person_id, created_at) VALUES (?, ?, ?)",
            (hearing_id, person_id, to_db_time(utcnow())),
        )
        return True


async def is_coming(db: Database, hearing_id: int, person_id: int) -> bool:
    """Whether the person said they will come."""
    row = await db.fetch_one(
        "SELECT 1 FROM hearing_rsvps WHERE hearing_id = ? AND person_id = ?",
        (hearing_id, person_id),
    )
    return row is not None


async def rsvp_count(db: Database, hearing_id: int) -> int:
    """How many residents said they will come (those without Telegram, as staff entered them,
    too)."""
    row = await db.fetch_one(
        "SELECT (SELECT COUNT(*) FROM hearing_rsvps r JOIN people p ON p.id = r.person_id "
        "WHERE r.hearing_id = ? AND p.deleted_at IS NULL) + (SELECT TOTAL(people) "
        "FROM hearing_behalf WHERE hearing_id = ? AND kind = 'coming')",
        (hearing_id, hearing_id),
    )
    return int(row[0]) if row else 0


async def coming(db: Database, hearing_id: int) -> list[int]:
    """Person ids of those who said they will come."""
    rows = await db.fetch_all(
        "SELECT person_id FROM hearing_rsvps WHERE hearing_id = ? ORDER BY person_id",
        (hearing_id,),
    )
    return [row[0] for row in rows]


async def question_count(db: Database, hearing_id: int) -> int:
    """How many questions residents asked before the hearing."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM appeals WHERE hearing_id = ? AND kind = 'question'", (hearing_id,)
    )
    return int(row[0]) if row else 0


async def claim_reminder(db: Database, hearing_id: int, offset_minutes: int) -> bool:
    """Claim one reminder of one hearing; False when it was claimed before."""
    changed = await db.execute_write(
        "INSERT INTO hearing_reminders (hearing_id, offset_minutes, claimed_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (hearing_id, offset_minutes, to_db_time(utcnow())),
    )
    return changed > 0


async def attended_by(db: Database, person_id: int, limit: int) -> list[Hearing]:
    """Hearings the person said they will come to, latest first (for /mydata)."""
    rows = await db.fetch_all(
        "SELECT * FROM hearing_rows h WHERE h.id IN "
        "(SELECT hearing_id FROM hearing_rsvps WHERE person_id = ?) "
        "ORDER BY h.starts_at DESC LIMIT ?",
        (person_id, limit),
    )
    return [_hearing(row) for row in rows]


# A correction's field and its column (fixed SQL: no text is ever assembled from input).
_CORRECTABLE = {
    "topic": "UPDATE hearings SET topic = ?, versions = ?, updated_at = ? WHERE id = ?",
    "agenda": "UPDATE hearings SET agenda = ?, versions = ?, updated_at = ? WHERE id = ?",
}


async def correct(db: Database, hearing_id: int, field: str, text: str, versions: Versions) -> None:
    """Correct the topic or the agenda (``versions``: the texts' other versions after it)."""
    await db.execute_write(
        _CORRECTABLE[field], (text, versions.to_json(), to_db_time(utcnow()), hearing_id)
    )
