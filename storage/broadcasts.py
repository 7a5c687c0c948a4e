"""The broadcast outbox: one row per recipient, so that a broadcast survives a restart.

The outbox of a large broadcast (a region: 100,000 rows) is written ``OUTBOX_CHUNK`` rows per
transaction, so that the one writing connection is free between chunks for everyone else's
writes; the broadcast is released to the engine only once its outbox is whole. Finished
broadcasts keep their rows for a retention period, then only their counts (compaction).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow

# A broadcast reaches residents still reachable: not deleted, not blocked. Lists of values go
# in as one JSON array parameter (json_each), so that no SQL text is ever assembled.
_AUDIENCE = (
    "FROM people p WHERE p.deleted_at IS NULL AND p.blocked_at IS NULL "
    "AND p.telegram_id IS NOT NULL AND (p.village_code IN (SELECT value FROM json_each(?)) "
    "OR p.id IN (SELECT value FROM json_each(?)))"
)
# Rows written (or deleted) per transaction: a few milliseconds of the writer each.
OUTBOX_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A message to many."""

    id: int
    kind: str
    ref_id: int | None
    created_by: int
    payload: dict[str, Any]
    status: str
    report_chat_id: int | None
    report_message_id: int | None
    report_language: str | None
    created_at: datetime
    report_title: str | None = None  # above the report of a broadcast nobody sent by hand


@dataclass(frozen=True, slots=True)
class Recipient:
    """One outbox row ready to send."""

    person_id: int
    chat_id: int
    language: str | None
    attempts: int = 0  # tries recorded before this one


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one outbox row."""

    person_id: int
    status: str  # sent, blocked, failed, or pending (to be tried again)
    text_only: bool = False  # sent without its picture or file: Telegram refused the file


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of a broadcast's rows by status."""

    total: int
    sent: int
    blocked: int
    failed: int
    skipped: int
    text_only: int = 0  # of the sent: without the picture or file

    @property
    def done(self) -> int:
        """Rows that will not be tried again."""
        return self.sent + self.blocked + self.failed + self.skipped

    @classmethod
    def counted(cls, rows: Sequence[sqlite3.Row]) -> Tally:
        """The tally of ``status, n, bare`` rows grouped by status."""
        counts = {row["status"]: row["n"] for row in rows}
        bare = {row["status"]: row["bare"] for row in rows}
        return cls(
            total=sum(counts.values()),
            sent=counts.get("sent", 0),
            blocked=counts.get("blocked", 0),
            failed=counts.get("failed", 0),
            skipped=counts.get("skipped", 0),
            text_only=bare.get("sent") or 0,
        )


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        created_by=row["created_by"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        report_chat_id=row["report_chat_id"],
        report_message_id=row["report_message_id"],
        report_language=row["report_language"],
        created_at=from_db_time(row["created_at"]),
        report_title=row["report_title"],
    )


async def count_audience(db: Database, village_codes: Sequence[str]) -> int:
    """How many reachable residents live in these villages (read beside the writer)."""
    row = await db.read_one(
        "SELECT COUNT(*) " + _AUDIENCE, (json.dumps(list(village_codes)), json.dumps([]))
    )
    return int(row[0]) if row else 0


async def create(
    db: Database,
    *,
    kind: str,
    payload: dict[str, Any],
    created_by: int,
    ref_id: int | None = None,
    village_codes: Sequence[str] = (),
    person_ids: Iterable[int] = (),
    report_to: tuple[int, str, str | None] | None = None,
) -> int:
    """Store a broadcast and its outbox (residents of villages and/or listed people).

    ``report_to`` is the chat, language and title of the sender's report. The outbox is
    written in chunks; the broadcast is sent only once it is whole (:func:`write_outbox`).
    """
    audience = {"villages": list(village_codes), "people": list(person_ids)}
    chat_id, language, title = report_to if report_to is not None else (None, None, None)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO broadcasts (kind, ref_id, created_by, payload, created_at, audience, "
            "report_chat_id, report_language, report_title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, ref_id, created_by, json.dumps(payload, ensure_ascii=False),
             to_db_time(utcnow()), json.dumps(audience), chat_id, language, title),
        )  # fmt: skip
        broadcast_id = cursor.lastrowid
    assert broadcast_id is not None
    await write_outbox(db, broadcast_id)
    return broadcast_id


async def write_outbox(db: Database, broadcast_id: int) -> None:
    """Write the outbox of a broadcast being prepared, then release it to the engine.

    The recipients are read on the read-only connection, then written ``OUTBOX_CHUNK`` rows a
    transaction, yielding the writer between chunks. Run again after a crash, it writes what
    is missing (rows already there are kept) and releases the broadcast then.
    """
    row = await db.fetch_one("SELECT audience FROM broadcasts WHERE id = ?", (broadcast_id,))
    if row is None or row["audience"] is None:
        return
    audience = json.loads(row["audience"])
    # One JSON array, not 100,000 rows: cheap to read, and sliced into chunks as it is.
    found = await db.read_one(
        f"SELECT json_group_array(id) FROM (SELECT p.id {_AUDIENCE} ORDER BY p.id)",  # noqa: S608
        (json.dumps(audience["villages"]), json.dumps(audience["people"])),
    )
    recipients: list[int] = json.loads(found[0]) if found else []
    for start in range(0, len(recipients), OUTBOX_CHUNK):
        await _write_chunk(db, broadcast_id, recipients[start : start + OUTBOX_CHUNK])
        await asyncio.sleep(0)  # let whoever waits for the writer ask for it first
    await db.execute_write("UPDATE broadcasts SET audience = NULL WHERE id = ?", (broadcast_id,))


async def _write_chunk(db: Database, broadcast_id: int, person_ids: list[int]) -> None:
    """Write one chunk of outbox rows in one transaction."""
    await db.execute_write(
        "INSERT OR IGNORE INTO outbox (broadcast_id, person_id) SELECT ?, value FROM json_each(?)",
        (broadcast_id, json.dumps(person_ids)),
    )


async def unwritten(db: Database) -> list[Broadcast]:
    """Broadcasts whose outbox a crash left half written, oldest first."""
    rows = await db.fetch_all("SELECT * FROM broadcasts WHERE audience IS NOT NULL ORDER BY id")
    return [_broadcast(row) for row in rows]


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    """Return one broadcast."""
    row = await db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def sending(db: Database) -> list[Broadcast]:
    """Broadcasts still going out, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM broadcasts WHERE status = 'sending' AND audience IS NULL ORDER BY id"
    )
    return [_broadcast(row) for row in rows]


async def set_report_message(
    db: Database,
    broadcast_id: int,
    chat_id: int,
    message_id: int,
    language: str,
    title: str | None = None,
) -> None:
    """Remember the sender's progress message, the language to write it in, its title."""
    await db.execute_write(
        "UPDATE broadcasts SET report_chat_id = ?, report_message_id = ?, report_language = ?, "
        "report_title = ? WHERE id = ?",
        (chat_id, message_id, language, title, broadcast_id),
    )


async def claim(db: Database, broadcast_id: int, limit: int, lease: timedelta) -> list[Recipient]:
    """Reserve up to ``limit`` pending rows for this worker for ``lease``.

    A row claimed by a worker that then died becomes claimable again when its lease runs out,
    so several workers (or a restarted one) never send the same row at the same time.
    """
    now = utcnow()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE outbox SET lease_until = ? WHERE broadcast_id = ? AND person_id IN ("
            " SELECT person_id FROM outbox WHERE broadcast_id = ? AND status = 'pending'"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY person_id LIMIT ?"
            ") RETURNING person_id",
            (to_db_time(now + lease), broadcast_id, broadcast_id, to_db_time(now), limit),
        )
        claimed = [row[0] for row in await cursor.fetchall()]
        await cursor.close()
    if not claimed:
        return []
    rows = await db.fetch_all(
        "SELECT p.id, p.telegram_id, COALESCE(p.language, p.telegram_language) AS language, "
        "o.attempts FROM people p "
        "JOIN outbox o ON o.person_id = p.id AND o.broadcast_id = ? "
        "WHERE p.deleted_at IS NULL AND p.blocked_at IS NULL AND p.telegram_id IS NOT NULL "
        "AND p.id IN (SELECT value FROM json_each(?))",
        (broadcast_id, json.dumps(claimed)),
    )
    reachable = {row["id"] for row in rows}
    gone = [person_id for person_id in claimed if person_id not in reachable]
    if gone:  # deleted their data or blocked the bot since the broadcast was made
        await record(db, broadcast_id, [Outcome(person_id, "skipped") for person_id in gone])
    return [
        Recipient(row["id"], row["telegram_id"], row["language"], row["attempts"]) for row in rows
    ]


async def record(db: Database, broadcast_id: int, outcomes: Sequence[Outcome]) -> None:
    """Store what became of sent rows; a 'pending' outcome frees the row for a new try."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        await tx.executemany(
            "UPDATE outbox SET status = ?, text_only = ?, attempts = attempts + 1, "
            "lease_until = NULL, updated_at = ? WHERE broadcast_id = ? AND person_id = ?",
            [(o.status, o.text_only, now, broadcast_id, o.person_id) for o in outcomes],
        )
        blocked = [(now, o.person_id) for o in outcomes if o.status == "blocked"]
        await tx.executemany("UPDATE people SET blocked_at = ? WHERE id = ?", blocked)


async def tally(db: Database, broadcast_id: int) -> Tally:
    """Count a broadcast's rows by status (its stored counts once compacted)."""
    stored = await db.read_one(
        "SELECT total, sent, blocked, failed, skipped, text_only FROM broadcasts "
        "WHERE id = ? AND compacted_at IS NOT NULL",
        (broadcast_id,),
    )
    if stored is not None:
        return Tally(
            total=stored["total"], sent=stored["sent"], blocked=stored["blocked"],
            failed=stored["failed"], skipped=stored["skipped"], text_only=stored["text_only"],
        )  # fmt: skip
    rows = await db.read_all(
        "SELECT status, COUNT(*) AS n, SUM(text_only) AS bare FROM outbox "
        "WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    return Tally.counted(rows)


async def has_pending(db: Database, broadcast_id: int) -> bool:
    """Whether any row still waits to be sent."""
    row = await db.fetch_one(
        "SELECT 1 FROM outbox WHERE broadcast_id = ? AND status = 'pending' LIMIT 1",
        (broadcast_id,),
    )
    return row is not None


async def finish(db: Database, broadcast_id: int, status: str) -> bool:
    """Close a broadcast as 'done' or 'cancelled' (skipping what was not sent); once only.

    The rows not sent are skipped ``OUTBOX_CHUNK`` a transaction, other writes going in
    between: a region's 100,000 in one transaction held the writer for a second. Rows a crash
    left pending meanwhile are skipped at the next start (:func:`skip_unsent`).
    """
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'",
            (status, now, broadcast_id),
        )
        if cursor.rowcount == 0:
            return False
    await _skip_pending(db, broadcast_id, now)
    return True


async def _skip_pending(db: Database, broadcast_id: int, now: str) -> None:
    """Mark a finished broadcast's pending rows skipped, a chunk a transaction."""
    while True:
        skipped = await db.execute_write(
            "UPDATE outbox SET status = 'skipped', updated_at = ? WHERE broadcast_id = ? "
            "AND person_id IN (SELECT person_id FROM outbox WHERE broadcast_id = ? "
            "AND status = 'pending' LIMIT ?)",
            (now, broadcast_id, broadcast_id, OUTBOX_CHUNK),
        )
        if skipped < OUTBOX_CHUNK:
            return
        await asyncio.sleep(0)  # let whoever waits for the writer ask for it first


async def skip_unsent(db: Database) -> int:
    """Skip the rows a crash left pending in finished broadcasts; return in how many."""
    rows = await db.read_all(
        "SELECT id FROM broadcasts b WHERE status != 'sending' AND compacted_at IS NULL "
        "AND EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id AND o.status = 'pending')"
    )
    for row in rows:
        await _skip_pending(db, row["id"], to_db_time(utcnow()))
    return len(rows)


async def compact_finished(db: Database, finished_before: datetime) -> int:
    """Keep only the counts of broadcasts finished before then; return how many were compacted.

    Each keeps its tally and its reach per village (as its recipients live now), stored in one
    transaction; its outbox rows then go ``OUTBOX_CHUNK`` a transaction. A crash in between
    leaves rows that the next run deletes: they are never counted again.
    """
    rows = await db.read_all(
        "SELECT id FROM broadcasts WHERE compacted_at IS NULL AND status != 'sending' "
        "AND finished_at < ? ORDER BY id",
        (to_db_time(finished_before),),
    )
    for row in rows:
        await _keep_counts(db, row["id"])
    leftovers = await db.read_all(
        "SELECT id FROM broadcasts b WHERE compacted_at IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id)"
    )
    for row in leftovers:
        await _delete_outbox(db, row["id"])
    return len(rows)


async def _keep_counts(db: Database, broadcast_id: int) -> None:
    """Store a finished broadcast's tally and reach per village, then delete its rows."""
    counts = await tally(db, broadcast_id)
    reach = await db.read_all(
        "SELECT p.village_code, COUNT(*) AS messages, TOTAL(o.status = 'sent') AS delivered "
        "FROM outbox o JOIN people p ON p.id = o.person_id "
        "WHERE o.broadcast_id = ? AND p.village_code IS NOT NULL GROUP BY p.village_code",
        (broadcast_id,),
    )
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE broadcasts SET compacted_at = ?, total = ?, sent = ?, blocked = ?, "
            "failed = ?, skipped = ?, text_only = ? WHERE id = ? AND compacted_at IS NULL",
            (to_db_time(utcnow()), counts.total, counts.sent, counts.blocked, counts.failed,
             counts.skipped, counts.text_only, broadcast_id),
        )  # fmt: skip
        if cursor.rowcount == 0:
            return
        await tx.executemany(
            "INSERT INTO broadcast_reach (broadcast_id, village_code, messages, delivered) "
            "VALUES (?, ?, ?, ?)",
            [(broadcast_id, r["village_code"], r["messages"], int(r["delivered"])) for r in reach],
        )
    await _delete_outbox(db, broadcast_id)


async def _delete_outbox(db: Database, broadcast_id: int) -> None:
    """Delete a compacted broadcast's outbox rows, a chunk a transaction."""
    while True:
        deleted = await db.execute_write(
            "DELETE FROM outbox WHERE broadcast_id = ? AND person_id IN ("
            "SELECT person_id FROM outbox WHERE broadcast_id = ? LIMIT ?)",
            (broadcast_id, broadcast_id, OUTBOX_CHUNK),
        )
        if deleted < OUTBOX_CHUNK:
            return
        await asyncio.sleep(0)


async def villages_of(db: Database, broadcast_id: int) -> list[str]:
    """The villages its recipients live in (who may stop it is decided by them)."""
    rows = await db.read_all(
        "SELECT DISTINCT p.village_code FROM outbox o JOIN people p ON p.id = o.person_id "
        "WHERE o.broadcast_id = ? AND p.village_code IS NOT NULL ORDER BY p.village_code",
        (broadcast_id,),
    )
    return [row[0] for row in rows]


async def delivered(db: Database, broadcast_ids: Sequence[int]) -> tuple[list[int], bool]:
    """Who received these broadcasts (outbox rows sent), and whether the list is incomplete:
    a broadcast compacted after ``OUTBOX_RETENTION_DAYS`` keeps its counts, not its rows."""
    ids = json.dumps(list(broadcast_ids))
    rows = await db.read_all(
        "SELECT DISTINCT person_id FROM outbox WHERE broadcast_id IN "
        "(SELECT value FROM json_each(?)) AND status = 'sent' ORDER BY person_id",
        (ids,),
    )
    compacted = await db.read_one(
        "SELECT 1 FROM broadcasts WHERE id IN (SELECT value FROM json_each(?)) "
        "AND compacted_at IS NOT NULL LIMIT 1",
        (ids,),
    )
    return [row[0] for row in rows], compacted is not None


async def of_item(db: Database, kind: str, ref_id: int) -> list[int]:
    """The broadcasts of ``kind`` about one item (a hearing's announcement, a poll's)."""
    rows = await db.read_all(
        "SELECT id FROM broadcasts WHERE kind = ? AND ref_id = ? ORDER BY id", (kind, ref_id)
    )
    return [row[0] for row in rows]


async def reached_villages(db: Database, broadcast_id: int) -> list[str]:
    """The villages a broadcast reached: from its rows, or its stored reach once compacted."""
    found = await villages_of(db, broadcast_id)
    if found:
        return found
    rows = await db.read_all(
        "SELECT village_code FROM broadcast_reach WHERE broadcast_id = ? ORDER BY village_code",
        (broadcast_id,),
    )
    return [row[0] for row in rows]
