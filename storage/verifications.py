"""Verified residents: phone requests, the staff's decisions, the household register's phones.

A request carries the keyed hash of the phone (and, while staff have not decided, the number,
the contact's name and the street the resident typed: erased at the decision). One phone
verifies one account (a unique index over verified rows); a person has at most one pending or
verified request; a verification is of one village, and counts only while the person lives
there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.db import Database, from_db_time, to_db_time

Conn = aiosqlite.Connection


class Status(StrEnum):
    """Where a request stands."""

    PENDING = "pending"  # waiting for the village's staff
    VERIFIED = "verified"
    REJECTED = "rejected"
    DROPPED = "dropped"  # the person moved to another village, or shared their phone again
    ERASED = "erased"  # the person erased their data


@dataclass(frozen=True, slots=True)
class Verification:
    """One request to be verified as a resident of a village, and what became of it."""

    id: int
    person_id: int
    village_code: str
    status: Status
    method: str | None  # "register" (the household register matched) or "staff"
    requested_at: datetime
    phone: str | None  # E.164, while pending
    name: str | None  # the contact's name, while pending
    street: str | None  # as the resident typed it, while pending
    decided_at: datetime | None
    decided_by: int | None
    reason: str | None


class Requested(StrEnum):
    """What sharing a phone did."""

    VERIFIED = "verified"  # the household register has it: verified at once
    PENDING = "pending"  # the village's staff will check it
    TAKEN = "taken"  # the phone verifies another account
    ALREADY = "already"  # the person is verified in this village already


class Decided(StrEnum):
    """What a staff decision did."""

    DONE = "done"
    GONE = "gone"  # decided already, withdrawn, or the person moved away
    TAKEN = "taken"  # the phone verifies another account meanwhile
    OWN = "own"  # staff deciding their own request


_COLUMNS = (
    "id, person_id, village_code, status, method, requested_at, phone, name, street, "
    "decided_at, decided_by, reason"
)


def _verification(row: sqlite3.Row) -> Verification:
    return Verification(
        id=row["id"],
        person_id=row["person_id"],
        village_code=row["village_code"],
        status=Status(row["status"]),
        method=row["method"],
        requested_at=from_db_time(row["requested_at"]),
        phone=row["phone"],
        name=row["name"],
        street=row["street"],
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        decided_by=row["decided_by"],
        reason=row["reason"],
    )


async def get(db: Database, verification_id: int) -> Verification | None:
    """One request."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM verifications WHERE id = ?",  # noqa: S608 - constant columns
        (verification_id,),
    )
    return _verification(row) if row else None


async def latest_of(db: Database, person_id: int) -> Verification | None:
    """The person's open request (pending or verified), else their latest one."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM verifications WHERE person_id = ? "  # noqa: S608
        "ORDER BY status IN ('pending', 'verified') DESC, id DESC LIMIT 1",
        (person_id,),
    )
    return _verification(row) if row else None


async def telegram_id_of(db: Database, person_id: int) -> int | None:
    """The Telegram id of a request's resident (None once they erased their data)."""
    row = await db.fetch_one("SELECT telegram_id FROM people WHERE id = ?", (person_id,))
    return row[0] if row and row[0] is not None else None


async def request(
    db: Database,
    person_id: int,
    village_code: str,
    phone_hash: str,
    phone: str,
    name: str | None,
    now: datetime,
) -> tuple[Requested, int]:
    """Record a shared phone: verified at once when the village's register has it, else pending.

    A pending request of the person is replaced by this one (the phone shared again).
    """
    at = to_db_time(now)
    async with db.transaction() as tx:
        mine = await _first(
            tx,
            "SELECT id, status, village_code FROM verifications WHERE person_id = ? "
            "AND status IN ('pending', 'verified')",
            (person_id,),
        )
        if mine is not None and mine["status"] == Status.VERIFIED:
            if mine["village_code"] == village_code:
                return Requested.ALREADY, mine["id"]
            await _close(tx, "person_id = ?", (person_id,), Status.DROPPED, at)
        taken = await _first(
            tx,
            "SELECT 1 FROM verifications WHERE phone_hash = ? AND status = 'verified' "
            "AND person_id != ?",
            (phone_hash, person_id),
        )
        if taken is not None:
            return Requested.TAKEN, 0
        listed = await _first(
            tx,
            "SELECT 1 FROM register_phones WHERE village_code = ? AND phone_hash = ?",
            (village_code, phone_hash),
        )
        await _close(tx, "person_id = ? AND status = 'pending'", (person_id,), Status.DROPPED, at)
        if listed is not None:
            cursor = await tx.execute(
                "INSERT INTO verifications (person_id, village_code, phone_hash, status, method, "
                "requested_at, decided_at) VALUES (?, ?, ?, 'verified', 'register', ?, ?)",
                (person_id, village_code, phone_hash, at, at),
            )
            assert cursor.lastrowid is not None
            return Requested.VERIFIED, cursor.lastrowid
        cursor = await tx.execute(
            "INSERT INTO verifications (person_id, village_code, phone_hash, phone, name, status, "
            "requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (person_id, village_code, phone_hash, phone, name, at),
        )
        assert cursor.lastrowid is not None
        return Requested.PENDING, cursor.lastrowid


async def asked_since(db: Database, person_id: int, since: datetime) -> int:
    """How many requests the person made since ``since`` (staff are told of the first only)."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM verifications WHERE person_id = ? AND requested_at >= ?",
        (person_id, to_db_time(since)),
    )
    return int(row[0]) if row else 0


async def set_street(db: Database, verification_id: int, person_id: int, street: str) -> bool:
    """The street the resident typed, for their pending request; False when not pending."""
    changed = await db.execute_write(
        "UPDATE verifications SET street = ? WHERE id = ? AND person_id = ? AND status = 'pending'",
        (street, verification_id, person_id),
    )
    return changed > 0


async def pending_in(db: Database, village_codes: Sequence[str], limit: int) -> list[Verification]:
    """Pending requests of these villages whose residents still live there, oldest first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM verifications v WHERE v.status = 'pending' "  # noqa: S608
        "AND v.village_code IN (SELECT value FROM json_each(?)) "
        "AND EXISTS (SELECT 1 FROM people p WHERE p.id = v.person_id "
        " AND p.village_code = v.village_code AND p.deleted_at IS NULL) "
        "ORDER BY v.requested_at, v.id LIMIT ?",
        (json.dumps(list(village_codes)), limit),
    )
    return [_verification(row) for row in rows]


async def decide(
    db: Database, verification_id: int, approve: bool, by: int, reason: str | None, now: datetime
) -> Decided:
    """Approve or reject a pending request; its phone, name and street are erased then.

    Checked in the transaction: still pending, the person still lives in its village, and (to
    approve) no other account is verified with its phone.
    """
    async with db.transaction() as tx:
        row = await _first(
            tx,
            "SELECT v.phone_hash, p.telegram_id FROM verifications v "
            "JOIN people p ON p.id = v.person_id "
            "WHERE v.id = ? AND v.status = 'pending' AND p.village_code = v.village_code "
            "AND p.deleted_at IS NULL",
            (verification_id,),
        )
        if row is None:
            return Decided.GONE
        if row["telegram_id"] == by:
            return Decided.OWN
        if approve and await _first(
            tx,
            "SELECT 1 FROM verifications WHERE phone_hash = ? AND status = 'verified'",
            (row["phone_hash"],),
        ):
            return Decided.TAKEN
        await tx.execute(
            "UPDATE verifications SET status = ?, method = ?, decided_at = ?, decided_by = ?, "
            "reason = ?, phone = NULL, name = NULL, street = NULL WHERE id = ?",
            (
                Status.VERIFIED if approve else Status.REJECTED,
                "staff" if approve else None,
                to_db_time(now),
                by,
                None if approve else reason,
                verification_id,
            ),
        )
    return Decided.DONE


async def drop_on_move(db: Database, person_id: int, now: datetime) -> None:
    """The person moved: their verification (or request) was of the old village."""
    async with db.transaction() as tx:
        await _close(
            tx, "person_id = ? AND status IN ('pending', 'verified')", (person_id,),
            Status.DROPPED, to_db_time(now),
        )  # fmt: skip


async def erase_of_person(conn: Conn, person_id: int, now: datetime) -> None:
    """The person erased their data: their requests lose phone, name and street, and end."""
    await _close(
        conn, "person_id = ? AND status IN ('pending', 'verified')", (person_id,), Status.ERASED,
        to_db_time(now),
    )  # fmt: skip
    await conn.execute(
        "UPDATE verifications SET phone = NULL, name = NULL, street = NULL WHERE person_id = ?",
        (person_id,),
    )


async def import_phones(
    db: Database, village_code: str, phone_hashes: Iterable[str], now: datetime
) -> int:
    """Add a village's household register phones (keyed hashes); return how many were new."""
    at = to_db_time(now)
    async with db.transaction() as tx:
        before = await _first(
            tx, "SELECT COUNT(*) FROM register_phones WHERE village_code = ?", (village_code,)
        )
        await tx.executemany(
            "INSERT INTO register_phones (village_code, phone_hash, imported_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(village_code, phone_hash, at) for phone_hash in phone_hashes],
        )
        after = await _first(
            tx, "SELECT COUNT(*) FROM register_phones WHERE village_code = ?", (village_code,)
        )
    assert before is not None and after is not None
    return int(after[0]) - int(before[0])


async def _first(conn: Conn, sql: str, params: Sequence[object]) -> sqlite3.Row | None:
    rows = list(await conn.execute_fetchall(sql, params))
    return rows[0] if rows else None


async def _close(conn: Conn, where: str, params: Sequence[object], status: Status, at: str) -> None:
    """End requests matching ``where`` (constant SQL of this module) with ``status``."""
    await conn.execute(
        f"UPDATE verifications SET status = ?, decided_at = ?, phone = NULL, name = NULL, "  # noqa: S608
        f"street = NULL WHERE {where}",
        (status, at, *params),
    )
