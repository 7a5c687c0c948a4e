"""Paper votes as meeting protocols: entered by staff, never changed, corrected by a new one.

Each village of a poll has at most one chain of protocols: the first one, then corrections,
each superseding the one before it with a reason. The last of the chain stands, and its votes
are the village's paper votes (``poll_paper_votes``, kept so by triggers). The database refuses
an update, a deletion, a correction of another poll's or village's protocol, and an option with
more votes than residents present (migration 0014).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, from_db_time, to_db_time

_PROTOCOL = (
    "SELECT p.*, n.id AS superseded_by, "
    "(SELECT json_group_array(votes) FROM (SELECT votes FROM poll_protocol_votes v "
    " WHERE v.protocol_id = p.id ORDER BY position)) AS counts "
    "FROM poll_protocols p LEFT JOIN poll_protocols n ON n.supersedes = p.id "
)


@dataclass(frozen=True, slots=True)
class NewProtocol:
    """A meeting's protocol as staff entered it."""

    poll_id: int
    village_code: str
    met_on: date
    place: str
    present: int  # residents present
    votes: tuple[int, ...]  # per option, in the poll's order
    entered_by: int  # staff, by Telegram id
    supersedes: int | None = None  # the standing protocol it corrects
    reason: str | None = None  # why it corrects it


@dataclass(frozen=True, slots=True)
class Protocol:
    """A stored protocol; ``superseded_by`` is the correction that replaced it, if any."""

    id: int
    poll_id: int
    village_code: str
    met_on: date | None  # None: paper votes entered before protocols (no date, place, count)
    place: str | None
    present: int | None
    votes: tuple[int, ...]
    entered_by: int
    entered_at: datetime
    supersedes: int | None
    reason: str | None
    superseded_by: int | None

    @property
    def standing(self) -> bool:
        """Whether its votes count (no correction replaced it)."""
        return self.superseded_by is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the published results carry the standing protocols)."""
        return {
            "id": self.id, "poll": self.poll_id, "village": self.village_code,
            "met_on": self.met_on.isoformat() if self.met_on else None, "place": self.place,
            "present": self.present, "votes": list(self.votes), "entered_by": self.entered_by,
            "entered_at": to_db_time(self.entered_at), "supersedes": self.supersedes,
            "reason": self.reason, "superseded_by": self.superseded_by,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Protocol:
        """Read :meth:`to_dict`'s form."""
        met_on = data.get("met_on")
        return cls(
            id=int(data["id"]), poll_id=int(data["poll"]), village_code=str(data["village"]),
            met_on=date.fromisoformat(met_on) if met_on else None, place=data.get("place"),
            present=data.get("present"), votes=tuple(data["votes"]),
            entered_by=int(data["entered_by"]), entered_at=from_db_time(data["entered_at"]),
            supersedes=data.get("supersedes"), reason=data.get("reason"),
            superseded_by=data.get("superseded_by"),
        )  # fmt: skip


class Recorded(StrEnum):
    """What became of a protocol handed in."""

    STORED = "stored"
    CLOSED = "closed"  # the poll is closed (or does not exist): results are final
    ELSEWHERE = "elsewhere"  # the village is not one of the poll's
    MOVED_ON = "moved_on"  # the standing protocol is not the one it meant to correct


def _protocol(row: sqlite3.Row) -> Protocol:
    return Protocol(
        id=row["id"],
        poll_id=row["poll_id"],
        village_code=row["village_code"],
        met_on=date.fromisoformat(row["met_on"]) if row["met_on"] else None,
        place=row["place"],
        present=row["present"],
        votes=tuple(json.loads(row["counts"])),
        entered_by=row["entered_by"],
        entered_at=from_db_time(row["entered_at"]),
        supersedes=row["supersedes"],
        reason=row["reason"],
        superseded_by=row["superseded_by"],
    )


async def of_poll(db: Database, poll_id: int) -> list[Protocol]:
    """Every protocol of a poll, by village and in the order entered."""
    rows = await db.fetch_all(
        _PROTOCOL + "WHERE p.poll_id = ? ORDER BY p.village_code, p.id", (poll_id,)
    )
    return [_protocol(row) for row in rows]


async def standing(db: Database, poll_id: int, village_code: str) -> Protocol | None:
    """The village's standing protocol for the poll, if any."""
    rows = await db.fetch_all(
        _PROTOCOL + "WHERE p.poll_id = ? AND p.village_code = ? AND n.id IS NULL",
        (poll_id, village_code),
    )
    return _protocol(rows[0]) if rows else None


async def record(db: Database, new: NewProtocol, now: datetime) -> tuple[Recorded, int]:
    """Store a protocol while the poll is open; return the outcome and the new protocol's id.

    Checked in the transaction that stores it: the poll is open, the village is one of its
    villages, and the standing protocol is the one ``new`` supersedes (none for a first one),
    so that two staff entering at once cannot both correct the same protocol.
    """
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "SELECT p.status, EXISTS (SELECT 1 FROM poll_villages v WHERE v.poll_id = p.id "
            "AND v.village_code = ?) FROM polls p WHERE p.id = ?",
            (new.village_code, new.poll_id),
        )
        found = await cursor.fetchone()
        await cursor.close()
        if found is None or found[0] != "open":
            return Recorded.CLOSED, 0
        if not found[1]:
            return Recorded.ELSEWHERE, 0
        cursor = await tx.execute(
            "SELECT p.id FROM poll_protocols p WHERE p.poll_id = ? AND p.village_code = ? "
            "AND NOT EXISTS (SELECT 1 FROM poll_protocols n WHERE n.supersedes = p.id)",
            (new.poll_id, new.village_code),
        )
        current = await cursor.fetchone()
        await cursor.close()
        if (current[0] if current else None) != new.supersedes:
            return Recorded.MOVED_ON, 0
        cursor = await tx.execute(
            "INSERT INTO poll_protocols (poll_id, village_code, met_on, place, present, "
            "entered_by, entered_at, supersedes, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.poll_id, new.village_code, new.met_on.isoformat(), new.place, new.present,
             new.entered_by, to_db_time(now), new.supersedes, new.reason),
        )  # fmt: skip
        protocol_id = cursor.lastrowid
        assert protocol_id is not None
        await tx.executemany(
            "INSERT INTO poll_protocol_votes (protocol_id, position, votes) VALUES (?, ?, ?)",
            [(protocol_id, position, count) for position, count in enumerate(new.votes)],
        )
    return Recorded.STORED, protocol_id
