"""Staff notices waiting for a second pair of eyes, and what staff sent in a day.

A request is decided once: the first approval, rejection or withdrawal claims it (an update
that only a waiting request matches), so two approvers tapping at once make one broadcast.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time

WAITING = "waiting"
DECISIONS = ("approved", "rejected", "withdrawn", "expired")


@dataclass(frozen=True, slots=True)
class NoticeRequest:
    """A notice to many residents that waits for approval (or was decided)."""

    id: int
    created_by: int
    payload: dict[str, Any]
    village_codes: tuple[str, ...]
    recipients: int
    report_chat_id: int
    report_language: str
    status: str
    created_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    broadcast_id: int | None


def _request(row: sqlite3.Row) -> NoticeRequest:
    return NoticeRequest(
        id=row["id"],
        created_by=row["created_by"],
        payload=json.loads(row["payload"]),
        village_codes=tuple(json.loads(row["village_codes"])),
        recipients=row["recipients"],
        report_chat_id=row["report_chat_id"],
        report_language=row["report_language"],
        status=row["status"],
        created_at=from_db_time(row["created_at"]),
        decided_by=row["decided_by"],
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        broadcast_id=row["broadcast_id"],
    )


async def create(
    db: Database,
    *,
    created_by: int,
    payload: dict[str, Any],
    village_codes: tuple[str, ...],
    recipients: int,
    report_to: tuple[int, str],
    now: datetime,
) -> NoticeRequest:
    """Store a request waiting for approval; return it."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO notice_requests (created_by, payload, village_codes, recipients, "
            "report_chat_id, report_language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (created_by, json.dumps(payload, ensure_ascii=False), json.dumps(list(village_codes)),
             recipients, report_to[0], report_to[1], to_db_time(now)),
        )  # fmt: skip
        request_id = cursor.lastrowid
    assert request_id is not None
    request = await get(db, request_id)
    assert request is not None
    return request


async def get(db: Database, request_id: int) -> NoticeRequest | None:
    """Return one request."""
    row = await db.fetch_one("SELECT * FROM notice_requests WHERE id = ?", (request_id,))
    return _request(row) if row else None


async def decide(
    db: Database, request_id: int, status: str, decided_by: int | None, now: datetime
) -> bool:
    """Close a waiting request as ``status``; False when it was no longer waiting."""
    if status not in DECISIONS:
        raise ValueError(f"not a decision: {status!r}")
    changed = await db.execute_write(
        "UPDATE notice_requests SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'waiting'",
        (status, decided_by, to_db_time(now), request_id),
    )
    return changed == 1


async def set_broadcast(db: Database, request_id: int, broadcast_id: int) -> None:
    """Link an approved request to the broadcast that carries it."""
    await db.execute_write(
        "UPDATE notice_requests SET broadcast_id = ? WHERE id = ?", (broadcast_id, request_id)
    )


async def waiting(db: Database) -> list[NoticeRequest]:
    """Requests still waiting, oldest first."""
    rows = await db.fetch_all("SELECT * FROM notice_requests WHERE status = 'waiting' ORDER BY id")
    return [_request(row) for row in rows]


async def waiting_before(db: Database, moment: datetime) -> list[NoticeRequest]:
    """Requests asked for before ``moment`` and still waiting."""
    rows = await db.fetch_all(
        "SELECT * FROM notice_requests WHERE status = 'waiting' AND created_at < ? ORDER BY id",
        (to_db_time(moment),),
    )
    return [_request(row) for row in rows]


async def approved_without_broadcast(db: Database) -> list[NoticeRequest]:
    """Approved requests whose broadcast a crash kept from being made (or linked)."""
    rows = await db.fetch_all(
        "SELECT * FROM notice_requests WHERE status = 'approved' AND broadcast_id IS NULL "
        "ORDER BY id"
    )
    return [_request(row) for row in rows]


async def broadcast_of(db: Database, request_id: int) -> int | None:
    """The notice broadcast made for a request, if one was made."""
    row = await db.fetch_one(
        "SELECT id FROM broadcasts WHERE kind = 'notice' AND ref_id = ? ORDER BY id LIMIT 1",
        (request_id,),
    )
    return int(row[0]) if row else None


async def notices_since(db: Database, created_by: int, moment: datetime) -> int:
    """Notices a staff member sent or asked approval for since ``moment``.

    A notice sent after approval is counted once, as its request (its broadcast's ``ref_id``).
    """
    row = await db.fetch_one(
        "SELECT (SELECT COUNT(*) FROM broadcasts WHERE created_by = ? AND kind = 'notice' "
        "AND ref_id IS NULL AND created_at >= ?) + "
        "(SELECT COUNT(*) FROM notice_requests WHERE created_by = ? AND created_at >= ?)",
        (created_by, to_db_time(moment), created_by, to_db_time(moment)),
    )
    return int(row[0]) if row else 0
