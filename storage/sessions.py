"""The start of every update's handling: claim its id, then upsert and load its person.

The update's stored body (storage/received.py) stays until its handling ends: a process killed
in between leaves it to be handled again (``Arrival.retry``).

Concurrent updates share one transaction (:meth:`storage.db.Database.grouped`), so the claim
that makes a repeated update have one effect costs a few statements per group, not per update.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, Statements, to_db_time
from storage.models import Person

# Package-private helpers: the row shape of a person is people's to define.
from storage.people import _COLUMNS, _person


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update that arrived: its id, and who sent it when the bot serves them."""

    update_id: int
    at: datetime
    telegram_id: int | None = None  # None: nobody to load (a group, a bot, a channel post)
    first_name: str | None = None
    language: str | None = None  # their Telegram app's language, when kk, ru or en
    person_key: str | None = None  # their pseudonymous key (bot/identity.py)
    retry: bool = False  # claimed by a process killed before it finished: handle it now


@dataclass(frozen=True, slots=True)
class Session:
    """Whether the update is new (claimed now), and its person, created on first contact."""

    claimed: bool
    person: Person | None


async def _open(conn: Statements, arrivals: list[Arrival]) -> list[Session]:
    # Three statements, each one round trip to the database thread (execute_fetchall).
    claims = await conn.execute_fetchall(
        "INSERT INTO processed_updates (update_id, processed_at) "
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) "
        "WHERE true ON CONFLICT DO NOTHING RETURNING update_id",
        (json.dumps([[a.update_id, to_db_time(a.at)] for a in arrivals]),),
    )
    new = {row[0] for row in claims} | {a.update_id for a in arrivals if a.retry}
    claimed: list[bool] = []
    for arrival in arrivals:  # the same update twice in one group: the first one counts
        claimed.append(arrival.update_id in new)
        new.discard(arrival.update_id)
    people = [
        [a.telegram_id, a.first_name, a.language, to_db_time(a.at), a.person_key]
        for a, fresh in zip(arrivals, claimed, strict=True)
        if fresh and a.telegram_id is not None
    ]
    found: dict[int, Person] = {}
    if people:
        listed = json.dumps(people, ensure_ascii=False)
        # The app's language too, at every contact: notices sent later use it until the
        # person chooses one, as the replies to this update do. Someone who blocked the bot
        # wrote again: reach them again. A row that changes in nothing is not written. Someone
        # who erased their data and came back finds their row by their key: their votes,
        # answers, limits and village stand (a row made before keys gets its key here).
        await conn.execute(
            "INSERT INTO people (telegram_id, first_name, telegram_language, created_at, "
            "person_key) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
            "json_extract(value, '$[4]') FROM json_each(?) WHERE true "
            "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name, "
            "telegram_language = excluded.telegram_language, blocked_at = NULL, "
            "person_key = COALESCE(people.person_key, excluded.person_key) "
            "WHERE people.first_name IS NOT excluded.first_name "
            "OR people.telegram_language IS NOT excluded.telegram_language "
            "OR people.blocked_at IS NOT NULL "
            "OR (people.person_key IS NULL AND excluded.person_key IS NOT NULL) "
            "ON CONFLICT (person_key) DO UPDATE SET telegram_id = excluded.telegram_id, "
            "first_name = excluded.first_name, telegram_language = excluded.telegram_language, "
            "deleted_at = NULL, blocked_at = NULL",
            (listed,),
        )
        rows = await conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM people "  # noqa: S608 - constant columns
            "WHERE telegram_id IN (SELECT value FROM json_each(?))",
            (json.dumps([row[0] for row in people]),),
        )
        found = {row["telegram_id"]: _person(row) for row in rows}
    return [
        Session(fresh, found.get(a.telegram_id) if fresh and a.telegram_id is not None else None)
        for a, fresh in zip(arrivals, claimed, strict=True)
    ]


async def open_session(db: Database, arrival: Arrival) -> Session:
    """Claim the update (False when it was handled before) and load its person."""
    return await db.grouped(_open, arrival)
