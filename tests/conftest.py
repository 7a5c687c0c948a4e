"""Fixtures: a fresh database per test, the real Application on the Bot API simulator."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness
from bot.territory import import_territory, sample_file
from storage import roles as roles_repo
from storage.db import Database
from storage.models import Role, Scope, ScopeKind

ADMIN_ID = 9001
STAFF_ID = 5001  # staff of Osakarovka District (Karaganda)
OTHER_STAFF_ID = 5002  # staff of the village Beineu (Mangystau)
COORDINATOR_ID = 5003  # coordinator of Karaganda Region


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test: its own database, no .env file.

    With QATYSU_TEST_DATABASES=postgres the database is PostgreSQL, in a schema named after
    ``tmp_path`` (settings made again for the same folder name the same database, as a file's
    path does), unless the test is marked ``sqlite_only``.
    """
    values: dict[str, object] = {
        "database_path": tmp_path / "qatysu.db",
        "admin_ids": [ADMIN_ID],
        "bot_token": None,
        "staff_notice_window_seconds": 0.5,  # notices of items filed in a test merge less
        # People in tests write at machine speed: Telegram's one message a second per chat,
        # mirrored by the pacer, would make every dialog take seconds. Tests of the limits set
        # Telegram's values (and the simulator's throttle) themselves.
        "chat_rate": 20.0,
    }
    if _ON_POSTGRES and "database_url" not in overrides:
        values["database_url"] = _schema_of(tmp_path)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# The PostgreSQL server of this project's machines (README: Testing); another with QATYSU_TEST_PG.
PG_URL = os.environ.get("QATYSU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BOTH = pytest.mark.both_databases  # a module or test marked so runs on SQLite and PostgreSQL


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_databases`` that use a database run once on each; with
    QATYSU_TEST_DATABASES=postgres every test with a database runs on PostgreSQL alone."""
    if "database_kind" not in metafunc.fixturenames:
        return
    kinds = os.environ.get("QATYSU_TEST_DATABASES", "").split(",")
    if kinds != [""] and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("database_kind", kinds, indirect=True)
    elif metafunc.definition.get_closest_marker("sqlite_only"):
        return
    elif metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database_kind", ["sqlite", "postgres"], indirect=True)


_ON_POSTGRES = False  # this test's make_settings on PostgreSQL (see _every_database_on)
_SCHEMAS: list[str] = []  # schemas make_settings made during this test


def _schema_of(folder: Path) -> str:
    """A URL of a PostgreSQL schema for ``folder`` (made, if new; dropped after the test)."""
    schema = "f_" + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    if schema not in _SCHEMAS:
        # make_settings is called from async tests too: the schema is made on a thread's loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _pg_schema(PG_URL, schema, drop=False, exist_ok=True)).result()
        _SCHEMAS.append(schema)
    return f"{PG_URL}?search_path={schema}"


@pytest.fixture(autouse=True)
def _every_database_on(request: pytest.FixtureRequest) -> Iterator[None]:
    """With QATYSU_TEST_DATABASES=postgres, make_settings names PostgreSQL for this test."""
    global _ON_POSTGRES
    kinds = os.environ.get("QATYSU_TEST_DATABASES", "").split(",")
    _ON_POSTGRES = kinds == ["postgres"] and not request.node.get_closest_marker("sqlite_only")
    yield
    _ON_POSTGRES = False
    while _SCHEMAS:
        asyncio.run(_pg_schema(PG_URL, _SCHEMAS.pop(), drop=True))


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database the test's settings name: SQLite unless marked ``both_databases``."""
    return str(getattr(request, "param", "sqlite"))


async def _pg_schema(url: str, schema: str, *, drop: bool, exist_ok: bool = False) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        exists = "IF NOT EXISTS " if exist_ok else ""
        verb = (
            f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'
            if drop
            else f'CREATE SCHEMA {exists}"{schema}"'
        )
        await conn.execute(verb)
    finally:
        await conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of PostgreSQL in a schema of this test's own, dropped after it (skips without one)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_pg_schema(PG_URL, schema, drop=False))
    except (OSError, TimeoutError, ImportError) as error:
        pytest.skip(f"no PostgreSQL answers at {PG_URL} ({error}): set QATYSU_TEST_PG")
    except Exception as error:  # asyncpg's own errors: refused, no such database or role
        pytest.skip(f"PostgreSQL at {PG_URL} refused: {error}")
    yield f"{PG_URL}?search_path={schema}"
    asyncio.run(_pg_schema(PG_URL, schema, drop=True))


def database_settings(
    tmp_path: Path, database_kind: str, request: pytest.FixtureRequest, **overrides: object
) -> Settings:
    """Settings with a fresh database: a file, or a PostgreSQL schema of its own."""
    if database_kind == "postgres":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    return make_settings(tmp_path, **overrides)


@pytest.fixture
def settings(tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> Settings:
    """Settings with a fresh database: a file, or a PostgreSQL schema of its own."""
    return database_settings(tmp_path, database_kind, request)


def use_database(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Name the test's database in the environment, for the command line run beside the bot."""
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    if settings.database_url is not None:
        monkeypatch.setenv("DATABASE_URL", settings.database_url.get_secret_value())


def database_at(settings: Settings, migrations: list[tuple[int, str, str]]) -> Database:
    """The settings' database, migrated only as far as ``migrations`` go (an older version)."""
    if settings.database_url is None:
        return Database(settings.database_path, migrations=migrations)
    from storage.pg import PgDatabase

    url = settings.database_url.get_secret_value()
    return PgDatabase(url, path=settings.database_path, migrations=migrations)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """An open, migrated, empty database."""
    database = settings.database()
    await database.open()
    yield database
    await database.close()


async def seed(settings: Settings) -> None:
    """Import the sample territory and grant the test roles."""
    database = settings.database()
    await database.open()
    try:
        await import_territory(database, sample_file())
        await roles_repo.grant(
            database, STAFF_ID, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-osakarovka"), "test"
        )
        await roles_repo.grant(
            database,
            OTHER_STAFF_ID,
            Role.STAFF,
            Scope(ScopeKind.VILLAGE, "mng-beineu-beineu"),
            "test",
        )
        await roles_repo.grant(
            database, COORDINATOR_ID, Role.COORDINATOR, Scope(ScopeKind.REGION, "krg"), "test"
        )
    finally:
        await database.close()


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    """The bot running on a seeded database, updates handed over directly."""
    await seed(settings)
    async with Harness(settings) as harness:
        yield harness
