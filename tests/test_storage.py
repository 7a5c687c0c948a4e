"""Storage: migrations, conversation persistence, one effect per update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.persistence import SqlitePersistence
from storage import people, updates
from storage.db import Database, bundled_migrations

pytestmark = pytest.mark.both_databases


@pytest.mark.sqlite_only
async def test_fresh_database_is_at_the_latest_schema(db: Database) -> None:
    assert await db.schema_version() == len(bundled_migrations())
    journal = await db.fetch_one("PRAGMA journal_mode")
    foreign_keys = await db.fetch_one("PRAGMA foreign_keys")
    assert journal is not None and journal[0] == "wal"
    assert foreign_keys is not None and foreign_keys[0] == 1


async def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    steps = [
        (1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"),
        (2, "0002_b.sql", "INSERT INTO a VALUES (1);"),
    ]
    first = Database(tmp_path / "m.db", migrations=steps)
    await first.open()
    await first.close()
    again = Database(tmp_path / "m.db", migrations=steps)  # reopening applies nothing twice
    await again.open()
    rows = await again.fetch_all("SELECT x FROM a")
    assert [row[0] for row in rows] == [1]
    assert await again.schema_version() == 2
    await again.close()


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    steps = [
        (1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"),
        (2, "0002_bad.sql", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);"),
    ]
    database = Database(tmp_path / "m.db", migrations=steps)
    with pytest.raises(RuntimeError, match=r"0002_bad\.sql"):
        await database.open()
    tables = await database.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert [row[0] for row in tables] == ["a"]
    assert await database.schema_version() == 1
    await database.close()


async def test_conversation_states_round_trip_through_sqlite(db: Database) -> None:
    persistence = SqlitePersistence(db)
    await persistence.update_conversation("onboarding", (42, 42), 1)
    await persistence.update_conversation("onboarding", (-100, 7), 0)
    assert await SqlitePersistence(db).get_conversations("onboarding") == {
        (42, 42): 1,
        (-100, 7): 0,
    }
    await persistence.update_conversation("onboarding", (42, 42), None)
    assert await persistence.get_conversations("onboarding") == {(-100, 7): 0}


async def test_an_update_is_claimed_once(db: Database) -> None:
    moment = datetime(2026, 11, 29, tzinfo=UTC)
    assert await updates.claim_update(db, 10, moment) is True
    assert await updates.claim_update(db, 10, moment) is False
    assert await updates.forget_updates_before(db, moment + timedelta(hours=1)) == 1
    assert await updates.claim_update(db, 10, moment) is True


async def test_rows_come_in_the_same_order_on_both_databases_nulls_included(db: Database) -> None:
    """SQLite puts NULL first when ascending and last when descending; PostgreSQL the other way
    round unless told (storage/dialect.py tells it)."""
    for telegram_id, name in ((1, "Bota"), (2, None), (3, "Asel")):
        await people.ensure_person(db, telegram_id, name)
    ascending = await db.fetch_all("SELECT telegram_id FROM people ORDER BY first_name, id")
    descending = await db.fetch_all("SELECT telegram_id FROM people ORDER BY first_name DESC")
    assert [row[0] for row in ascending] == [2, 3, 1]
    assert [row[0] for row in descending] == [1, 3, 2]


async def test_deleting_a_person_keeps_an_anonymous_row(db: Database) -> None:
    await people.ensure_person(db, 77, "Asel")
    await people.set_language(db, 77, "kk")
    assert await people.delete_personal_data(db, 77) is True
    assert await people.get_by_telegram_id(db, 77) is None
    row = await db.fetch_one("SELECT telegram_id, first_name, deleted_at FROM people")
    assert row is not None and row[0] is None and row[1] is None and row[2] is not None


async def test_drafts_survive_reopening_and_are_erased_with_the_person(
    db: Database, tmp_path: Path
) -> None:
    from storage import drafts

    await people.ensure_person(db, 77, "Asel")
    await drafts.update(db, 77, "complaint", category="roads", text="Жол бұзылған")
    await drafts.update(db, 77, "complaint", photos=["p1"])
    reopened = db.twin()
    await reopened.open()
    assert await drafts.load(reopened, 77, "complaint") == {
        "category": "roads",
        "text": "Жол бұзылған",
        "photos": ["p1"],
    }
    await reopened.close()
    await people.delete_personal_data(db, 77)
    assert await drafts.load(db, 77, "complaint") == {}


async def test_staff_covering_a_village_is_one_query_with_the_scope_rule(db: Database) -> None:
    """``roles.covering`` finds exactly whom ``Scope.covers`` names, without loading every grant."""
    from storage import roles
    from storage.models import Names, Role, Scope, ScopeKind, Village

    names = Names(kk="а", ru="а", en="a")
    village = Village("v1", "d1", "r1", names, names, names, okrug_code="o1", okrug_names=names)
    grants = [
        (1, Role.STAFF, Scope(ScopeKind.VILLAGE, "v1")),
        (2, Role.STAFF, Scope(ScopeKind.VILLAGE, "v2")),
        (3, Role.STAFF, Scope(ScopeKind.DISTRICT, "d1")),
        (4, Role.STAFF, Scope(ScopeKind.DISTRICT, "d2")),
        (5, Role.STAFF, Scope(ScopeKind.REGION, "r1")),
        (6, Role.STAFF, Scope(ScopeKind.REGION, "r2")),
        (7, Role.STAFF, Scope(ScopeKind.ALL)),
        (8, Role.COORDINATOR, Scope(ScopeKind.VILLAGE, "v1")),
        (9, Role.STAFF, Scope(ScopeKind.OKRUG, "o1")),
        (10, Role.STAFF, Scope(ScopeKind.OKRUG, "o2")),
        (3, Role.STAFF, Scope(ScopeKind.VILLAGE, "v1")),  # twice over: named once
    ]
    for telegram_id, role, scope in grants:
        await roles.grant(db, telegram_id, role, scope, "test")
    expected = sorted(
        {g.telegram_id for g in await roles.all_grants(db)
         if g.role is Role.STAFF and g.scope.covers(village)}
    )  # fmt: skip

    assert await roles.covering(db, Role.STAFF, village) == expected == [1, 3, 5, 7, 9]
    assert await roles.covering(db, Role.STAFF, village, above_village=True) == [3, 5, 7]
    assert await roles.holding(db, Role.STAFF, Scope(ScopeKind.DISTRICT, "d1")) == [3]
