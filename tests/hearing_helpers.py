"""Helpers for the hearing tests: staff announce one through /newhearing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.simulator import Harness, SimUser
from storage import hearings
from storage.db import utcnow
from storage.hearings import Hearing
from tests.appeal_helpers import services

ALMATY = ZoneInfo("Asia/Almaty")
TOPIC_KK, PLACE_KK, AGENDA_KK = "Жергілікті бюджет 2027", "Мәдениет үйі", "1. Жол жөндеу"
TOPIC_RU, PLACE_RU, AGENDA_RU = "Местный бюджет 2027", "Дом культуры", "1. Ремонт дороги"


async def announce_hearing(
    bot: Harness,
    staff: SimUser,
    village_label: str,
    *,
    russian: bool = False,
) -> Hearing:
    """Walk /newhearing (in Kazakh) for tomorrow 18:00 in one village, with the Russian version
    when ``russian`` (offered after the agenda; going on to the villages skips it); return the
    stored hearing once its notices went out."""
    tomorrow = (utcnow().astimezone(ALMATY) + timedelta(days=1)).strftime("%Y%m%d")
    await staff.send("/newhearing")
    await staff.send(TOPIC_KK)
    await staff.tap_data(f"v1:hn:day:{tomorrow}")
    await staff.tap("18:00")
    await staff.send(PLACE_KK)
    await staff.tap_data("v1:hn:nopin")
    await staff.send(AGENDA_KK)
    if russian:
        await staff.tap_data("v1:hn:ver:add")
        await staff.send(TOPIC_RU)
        await staff.send(PLACE_RU)
        await staff.send(AGENDA_RU)
    await staff.tap(village_label)
    await staff.tap_data("v1:hn:vok")
    await staff.tap_data("v1:hn:send")
    await bot.broadcasts_finished()
    row = await services(bot).db.fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None and row[0] is not None
    hearing = await hearings.get(services(bot).db, row[0])
    assert hearing is not None
    return hearing
