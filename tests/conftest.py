"""Fixtures: a fresh database per test, the real Application on the Bot API simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    """Settings for a test: its own database, no .env file."""
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
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh database file."""
    return make_settings(tmp_path)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """An open, migrated, empty database."""
    database = Database(settings.database_path)
    await database.open()
    yield database
    await database.close()


async def seed(settings: Settings) -> None:
    """Import the sample territory and grant the test roles."""
    database = Database(settings.database_path)
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
