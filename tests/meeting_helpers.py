"""Helpers for the tests of meetings: residents, staff announcing a meeting of a kind, the clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.context import Services
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import hearings
from storage.db import Database, utcnow
from storage.hearings import Hearing
from tests.conftest import STAFF_ID, database_settings

ALMATY = ZoneInfo("Asia/Almaty")
MOLODEZHNY = "krg-osakarovka-molodezhny"
OSAKAROVKA = "krg-osakarovka-osakarovka"


@pytest.fixture
def settings(tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> Settings:
    """Staff record a whole meeting in a few seconds: the flood guard (for people) is off."""
    return database_settings(tmp_path, database_kind, request, flood_updates=0)


def services_of(bot: Harness) -> Services:
    services = bot.app.bot_data.services
    assert services is not None
    return services


def db_of(bot: Harness) -> Database:
    return services_of(bot).db


async def join(bot: Harness, user_id: int, village: str, language: str) -> SimUser:
    user = bot.user(user_id, f"R{user_id}", language)
    await user.send(f"/start v_{village}")
    return user


async def latest(bot: Harness) -> Hearing:
    row = await db_of(bot).fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None and row[0] is not None
    hearing = await hearings.get(db_of(bot), row[0])
    assert hearing is not None
    return hearing


async def announce(
    bot: Harness,
    kind: str,
    *,
    staff: SimUser | None = None,
    topic: str = "2027 жылғы бюджет",
    agenda: str = "1. Жол жөндеу\n2. Су құбыры",
    village: str = MOLODEZHNY,
    days: int = 1,
) -> Hearing:
    """Walk /newmeeting for a meeting of ``kind`` in ``days`` days at 18:00 in one village."""
    staff = staff or bot.user(STAFF_ID, "Ерлан", "kk")
    day = (utcnow().astimezone(ALMATY) + timedelta(days=days)).strftime("%Y%m%d")
    await staff.send("/newmeeting")
    await staff.tap_data(f"v1:hn:kind:{kind}")
    await staff.send(topic)
    await staff.tap_data(f"v1:hn:day:{day}")
    await staff.tap("18:00")
    await staff.send("Мәдениет үйі")
    await staff.tap_data("v1:hn:nopin")
    await staff.send(agenda)
    await staff.tap_data(f"v1:hn:vt:{village}:0")
    await staff.tap_data("v1:hn:vok")
    await staff.tap_data("v1:hn:send")
    await bot.broadcasts_finished()
    return await latest(bot)


async def begin(bot: Harness, hearing: Hearing, ago: timedelta = timedelta(hours=1)) -> datetime:
    """Move a meeting's start into the past (the clock jumps to after it began)."""
    starts_at = utcnow() - ago
    await hearings.reschedule(db_of(bot), hearing.id, starts_at=starts_at)
    return starts_at
