"""An older resident who only types: joins, complains, answers a hearing and votes, tapping
nothing but ✅."""

from __future__ import annotations

from typing import Any

from bot.simulator import Harness
from storage import hearings, people
from storage.appeals import Kind
from tests.appeal_helpers import latest, services
from tests.conftest import STAFF_ID
from tests.hearing_helpers import announce_hearing
from tests.poll_helpers import MOLODEZHNY, announce, stored_votes


async def test_a_resident_who_only_types(bot: Harness) -> None:
    taps: list[str] = []

    def watch(event: str, data: Any) -> None:
        if event == "tapped" and data["from"]["id"] == 1401:
            taps.append(str(data["text"]))

    bot.sim.observers.append(watch)
    kulpash = bot.user(1401, "Күлпаш", None)  # an old phone: no app language
    await kulpash.send("/start")
    await kulpash.send("қазақша")
    await kulpash.send("молодежный")  # her village, typed at the region step
    assert kulpash.last_text.startswith("Сіздің ауылыңыз осы ма: Молодежный")
    await kulpash.send("иә")
    assert "Сіздің ауылыңыз: Молодежный" in kulpash.last_text
    db = services(bot).db
    person = await people.get_by_telegram_id(db, 1401)
    assert person is not None and person.village_code == MOLODEZHNY

    await kulpash.send("жарық жоқ")  # two words carry meaning
    await kulpash.tap("✅ Шағым")
    await kulpash.send("3")  # the third category: ⚡ energy
    await kulpash.tap("✅ Жіберу")
    appeal = await latest(bot)
    assert (appeal.kind, appeal.category, appeal.text) == (Kind.COMPLAINT, "energy", "жарық жоқ")

    hearing = await announce_hearing(bot, bot.user(STAFF_ID, "Ерлан", "kk"), "Молодежный")
    await kulpash.send("иә")  # I will come
    assert await hearings.is_coming(db, hearing.id, person.id)

    poll = await announce(bot)
    await kulpash.send("2")
    await kulpash.tap("✅ Дауыс беру")
    assert await stored_votes(bot, poll) == [(person.id, 0b10)]

    assert taps and all(label.startswith("✅") for label in taps), taps
