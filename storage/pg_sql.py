"""Hand-written PostgreSQL forms of the SQLite statements storage/dialect.py cannot translate,
and of those PostgreSQL can say better (an outbox claim's ``FOR UPDATE SKIP LOCKED``).

Keyed by the SQLite text with its whitespace collapsed, as the repositories write it. A
statement changed in storage/*.py no longer matches its key here: it then goes through the
general translation, which raises for what it cannot do (json_extract, two ON CONFLICT
clauses), so a forgotten counterpart fails loudly on PostgreSQL, never silently differently.
Parameters keep SQLite's order; ``lists`` are JSON arrays passed as lists (``ANY``/``unnest``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Override:
    """PostgreSQL statements run in order for one SQLite statement (the last one's rows)."""

    statements: tuple[str, ...]
    lists: frozenset[int] = field(default_factory=frozenset)


def _key(sql: str) -> str:
    return " ".join(sql.split())


# An arrival's person: the row with its Telegram id, else (someone who erased their data and
# came back) the row with their key, else a new one. SQLite says it with two ON CONFLICT
# clauses; here the comeback is an UPDATE first. One row per Telegram id: PostgreSQL refuses
# to update a row twice in one statement (the last arrival's values win, as on SQLite).
_PEOPLE = (
    "UPDATE people p SET telegram_id = (j.value->>0)::bigint, first_name = j.value->>1, "
    "telegram_language = j.value->>2, deleted_at = NULL, blocked_at = NULL "
    "FROM jsonb_array_elements($1::jsonb) j(value) WHERE p.person_key = j.value->>4 "
    "AND NOT EXISTS (SELECT 1 FROM people q WHERE q.telegram_id = (j.value->>0)::bigint)",
    "INSERT INTO people (telegram_id, first_name, telegram_language, created_at, person_key) "
    "SELECT DISTINCT ON ((j.value->>0)::bigint) (j.value->>0)::bigint, j.value->>1, "
    "j.value->>2, j.value->>3, j.value->>4 "
    "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY j(value, n) "
    "ORDER BY (j.value->>0)::bigint, j.n DESC "
    "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name, "
    "telegram_language = excluded.telegram_language, blocked_at = NULL, "
    "person_key = COALESCE(people.person_key, excluded.person_key) "
    "WHERE people.first_name IS DISTINCT FROM excluded.first_name "
    "OR people.telegram_language IS DISTINCT FROM excluded.telegram_language "
    "OR people.blocked_at IS NOT NULL "
    "OR (people.person_key IS NULL AND excluded.person_key IS NOT NULL)",
)

_SQLITE_PEOPLE = (
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
    "deleted_at = NULL, blocked_at = NULL"
)

OVERRIDES: dict[str, Override] = {
    _key(sqlite): override
    for sqlite, override in [
        (
            "INSERT INTO people (telegram_id, first_name, created_at, person_key) "
            "VALUES (?, ?, ?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name, "
            "person_key = COALESCE(people.person_key, excluded.person_key) "
            "ON CONFLICT (person_key) DO UPDATE SET telegram_id = excluded.telegram_id, "
            "first_name = excluded.first_name, deleted_at = NULL",
            Override(
                (
                    "UPDATE people SET telegram_id = $1, first_name = $2, deleted_at = NULL "
                    # $3 (created_at) is not needed here, but every parameter must be typed.
                    "WHERE person_key = $4::text AND $3::text IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM people q WHERE q.telegram_id = $1)",
                    "INSERT INTO people (telegram_id, first_name, created_at, person_key) "
                    "VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name, "
                    "person_key = COALESCE(people.person_key, excluded.person_key)",
                )
            ),
        ),
        (
            "INSERT INTO processed_updates (update_id, processed_at) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) "
            "WHERE true ON CONFLICT DO NOTHING RETURNING update_id",
            Override(
                (
                    "INSERT INTO processed_updates (update_id, processed_at) "
                    "SELECT (j.value->>0)::bigint, j.value->>1 "
                    "FROM jsonb_array_elements($1::jsonb) j(value) "
                    "ON CONFLICT DO NOTHING RETURNING update_id",
                )
            ),
        ),
        (_SQLITE_PEOPLE, Override(_PEOPLE)),
        (
            "INSERT OR IGNORE INTO outbox (broadcast_id, person_id) "
            "SELECT ?, value FROM json_each(?)",
            Override(
                (
                    "INSERT INTO outbox (broadcast_id, person_id) "
                    "SELECT $1, value FROM unnest($2::bigint[]) AS value ON CONFLICT DO NOTHING",
                ),
                frozenset({1}),
            ),
        ),
        (
            "SELECT v.person_id, v.village_code FROM json_each(?) j JOIN verifications v "
            "ON v.person_id = json_extract(j.value, '$[0]') "
            "AND v.village_code = json_extract(j.value, '$[1]') WHERE v.status = 'verified'",
            Override(
                (
                    "SELECT v.person_id, v.village_code "
                    "FROM jsonb_array_elements($1::jsonb) j(value) JOIN verifications v "
                    "ON v.person_id = (j.value->>0)::bigint AND v.village_code = j.value->>1 "
                    "WHERE v.status = 'verified'",
                )
            ),
        ),
        (
            "SELECT v.poll_id, v.person_id, v.choices FROM json_each(?) j JOIN poll_votes v "
            "ON v.poll_id = json_extract(j.value, '$[0]') "
            "AND v.person_id = json_extract(j.value, '$[1]')",
            Override(
                (
                    "SELECT v.poll_id, v.person_id, v.choices "
                    "FROM jsonb_array_elements($1::jsonb) j(value) JOIN poll_votes v "
                    "ON v.poll_id = (j.value->>0)::bigint "
                    "AND v.person_id = (j.value->>1)::bigint",
                )
            ),
        ),
        (
            "SELECT b.cycle_id, b.voter_key, b.choices FROM json_each(?) j JOIN budget_ballots b "
            "ON b.cycle_id = json_extract(j.value, '$[0]') "
            "AND b.voter_key = json_extract(j.value, '$[1]')",
            Override(
                (
                    "SELECT b.cycle_id, b.voter_key, b.choices "
                    "FROM jsonb_array_elements($1::jsonb) j(value) JOIN budget_ballots b "
                    "ON b.cycle_id = (j.value->>0)::bigint "
                    "AND b.voter_key = j.value->>1",
                )
            ),
        ),
        (
            # A broadcast's claim: SQLite has one writer at a time; on PostgreSQL a process that
            # lost the lead and has not noticed yet may claim beside the new active one, and
            # rows another claim has locked are skipped, not claimed twice.
            "UPDATE outbox SET lease_until = ? WHERE broadcast_id = ? AND person_id IN ("
            " SELECT person_id FROM outbox WHERE broadcast_id = ? AND status = 'pending'"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY person_id LIMIT ?"
            ") RETURNING person_id",
            Override(
                (
                    "UPDATE outbox SET lease_until = $1 WHERE broadcast_id = $2 AND person_id IN "
                    "(SELECT person_id FROM outbox WHERE broadcast_id = $3 AND status = 'pending' "
                    "AND (lease_until IS NULL OR lease_until < $4) ORDER BY person_id LIMIT $5 "
                    "FOR UPDATE SKIP LOCKED) RETURNING person_id",
                )
            ),
        ),
        (
            "INSERT INTO report_topics (chat_id, village_code, thread_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET thread_id = excluded.thread_id",
            Override(
                (
                    "INSERT INTO report_topics (chat_id, village_code, thread_id, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id, village_code) "
                    "DO UPDATE SET thread_id = excluded.thread_id",
                )
            ),
        ),
    ]
}
