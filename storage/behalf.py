"""Residents without Telegram: items staff file on their behalf, and hearing attendance.

An on-behalf item is an ordinary appeal owned by a placeholder row of ``people`` (no Telegram
id, no name, no village: no figure counts it as a resident) with an ``appeal_behalf`` row: the
channel, who entered it when, the resident's name and phone (E.164 and its keyed hash). When
the resident joins and shares that phone, :func:`claim` moves the item to them and erases the
name and phone. Hearing entries (``hearing_behalf``) are counts or named people with a channel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import appeals
from storage.db import Database, from_db_time, to_db_time

CHANNELS = ("phone", "visit", "meeting", "paper")  # how a resident without Telegram reached us
TELEGRAM = "telegram"  # the channel of every other item, in the reports
COMING, ATTENDED = "coming", "attended"  # hearing entries: "I will come", or came


@dataclass(frozen=True, slots=True)
class NewEntry:
    """Who filed an item for whom, and how it came."""

    channel: str
    name: str
    phone: str | None  # E.164
    phone_hash: str | None
    entered_by: int  # staff, by Telegram id


@dataclass(frozen=True, slots=True)
class Entry:
    """The audit of an on-behalf item, as stored."""

    appeal_id: int
    channel: str
    name: str | None
    phone: str | None
    entered_by: int
    entered_by_name: str | None
    entered_at: datetime
    claimed: bool  # the resident joined and shared this phone: the item is theirs now
    erased: bool  # staff erased the name, phone and words

    @property
    def to_pass_on(self) -> bool:
        """Answers cannot reach the resident by Telegram: staff pass them on."""
        return not self.claimed


@dataclass(frozen=True, slots=True)
class HearingEntry:
    """Residents without Telegram coming to (or at) a hearing: a count, or one named person."""

    hearing_id: int
    village_code: str
    kind: str
    people: int
    name: str | None
    channel: str
    entered_by: int


@dataclass(frozen=True, slots=True)
class HearingFigures:
    """What staff entered for a hearing: people coming, people who came, and the names."""

    coming: int
    attended: int
    names: tuple[str, ...]


async def new_placeholder(db: Database, now: datetime) -> int:
    """A row of ``people`` to own an item until its resident joins (holds nothing personal)."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO people (created_at) VALUES (?) RETURNING id", (to_db_time(now),)
        )
        row = await cursor.fetchone()
        await cursor.close()
    assert row is not None
    return int(row[0])


def recorder(entry: NewEntry, now: datetime) -> appeals.AfterCreate:
    """What :func:`storage.appeals.create` stores with the item, in its transaction: the
    audit row, and the step "entered on behalf" in the item's history."""

    async def record(tx: aiosqlite.Connection, appeal_id: int) -> None:
        await tx.execute(
            "INSERT INTO appeal_behalf (appeal_id, channel, name, phone, phone_hash, "
            "entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (appeal_id, entry.channel, entry.name, entry.phone, entry.phone_hash,
             entry.entered_by, to_db_time(now)),
        )  # fmt: skip
        await tx.execute(
            "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at) "
            "VALUES (?, 'entered', ?, NULL, ?)",
            (appeal_id, entry.entered_by, to_db_time(now)),
        )

    return record


async def entry_of(db: Database, appeal_id: int) -> Entry | None:
    """The audit of an item filed on someone's behalf; None for a resident's own item."""
    row = await db.fetch_one(
        "SELECT b.*, s.first_name AS staff_name FROM appeal_behalf b "
        "LEFT JOIN people s ON s.telegram_id = b.entered_by WHERE b.appeal_id = ?",
        (appeal_id,),
    )
    if row is None:
        return None
    return Entry(
        appeal_id=row["appeal_id"], channel=row["channel"], name=row["name"], phone=row["phone"],
        entered_by=row["entered_by"], entered_by_name=row["staff_name"],
        entered_at=from_db_time(row["entered_at"]), claimed=row["claimed_at"] is not None,
        erased=row["erased_at"] is not None,
    )  # fmt: skip


async def mark_to_pass_on(db: Database, appeal_id: int, now: datetime) -> bool:
    """After an answer that Telegram cannot carry: note in the history that staff pass it on
    by phone or in person. False for any item its resident follows in Qatysu."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at) "
            "SELECT appeal_id, 'pass_on', NULL, NULL, ? FROM appeal_behalf "
            "WHERE appeal_id = ? AND claimed_at IS NULL",
            (to_db_time(now), appeal_id),
        )
        return cursor.rowcount > 0


async def claim(db: Database, phone_hash: str, person_id: int, now: datetime) -> list[int]:
    """Give the items filed for this phone to the resident who shared it; erase the name and
    phone they were filed under (the item now shows the resident as any other). Returns the
    items' ids; their placeholder rows of ``people`` go."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "SELECT b.appeal_id, a.person_id FROM appeal_behalf b "
            "JOIN appeals a ON a.id = b.appeal_id "
            "WHERE b.phone_hash = ? AND b.claimed_at IS NULL AND b.erased_at IS NULL",
            (phone_hash,),
        )
        found = [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
        if not found:
            return []
        ids = json.dumps([appeal_id for appeal_id, _ in found])
        await tx.execute(
            "UPDATE appeals SET person_id = ?, updated_at = ? "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (person_id, to_db_time(now), ids),
        )
        await tx.execute(
            "UPDATE appeal_behalf SET claimed_by = ?, claimed_at = ?, name = NULL, phone = NULL, "
            "phone_hash = NULL WHERE appeal_id IN (SELECT value FROM json_each(?))",
            (person_id, to_db_time(now), ids),
        )
        await _drop_placeholders(tx, [holder for _, holder in found])
    return [appeal_id for appeal_id, _ in found]


async def _drop_placeholders(tx: aiosqlite.Connection, holders: Sequence[int]) -> None:
    await tx.execute(
        "DELETE FROM people WHERE id IN (SELECT value FROM json_each(?)) "
        "AND telegram_id IS NULL AND person_key IS NULL AND village_code IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.person_id = people.id)",
        (json.dumps(list(holders)),),
    )


async def erase(db: Database, appeal_id: int, now: datetime) -> bool:
    """Erase the name, the phone and the words of an item not yet claimed (as ``/deletedata``
    does for a resident: category, dates, statuses and answers stay). False when claimed (the
    resident erases their own data) or erased already."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE appeal_behalf SET name = NULL, phone = NULL, phone_hash = NULL, erased_at = ? "
            "WHERE appeal_id = ? AND claimed_at IS NULL AND erased_at IS NULL",
            (to_db_time(now), appeal_id),
        )
        if cursor.rowcount == 0:
            return False
        cursor = await tx.execute("SELECT person_id FROM appeals WHERE id = ?", (appeal_id,))
        row = await cursor.fetchone()
        assert row is not None
        await appeals.redact_of_person(tx, int(row[0]), now)
    return True


async def add_hearing_entries(db: Database, entries: Sequence[HearingEntry], now: datetime) -> None:
    """Store what staff entered for a hearing, together."""
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO hearing_behalf (hearing_id, village_code, kind, people, name, channel, "
            "entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.hearing_id, e.village_code, e.kind, e.people, e.name, e.channel,
                 e.entered_by, to_db_time(now))
                for e in entries
            ],
        )  # fmt: skip


async def hearing_figures(db: Database, hearing_id: int) -> HearingFigures:
    """The people staff entered as coming to and present at a hearing, and the names."""
    rows = await db.fetch_all(
        "SELECT kind, people, name FROM hearing_behalf WHERE hearing_id = ? ORDER BY id",
        (hearing_id,),
    )
    return HearingFigures(
        coming=sum(row["people"] for row in rows if row["kind"] == COMING),
        attended=sum(row["people"] for row in rows if row["kind"] == ATTENDED),
        names=tuple(row["name"] for row in rows if row["name"]),
    )


async def erase_hearing_names(db: Database, hearing_id: int) -> int:
    """Erase the names entered for a hearing (the counts stay); how many."""
    return await db.execute_write(
        "UPDATE hearing_behalf SET name = NULL WHERE hearing_id = ? AND name IS NOT NULL",
        (hearing_id,),
    )
