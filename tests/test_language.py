"""Notices reach a person in their language: chosen, else their Telegram app's, else the default."""

from __future__ import annotations

import asyncio

from bot.appeals import texts as appeal_texts
from bot.reports import delivery
from bot.simulator import Harness, SimUser
from storage import people, sessions, territory
from storage.db import Database, utcnow
from tests.appeal_helpers import OSAKAROVKA, file_complaint, latest, resident, services
from tests.conftest import STAFF_ID
from tests.report_helpers import local, seed_region

MOLODEZHNY = "krg-osakarovka-molodezhny"


def db_of(bot: Harness) -> Database:
    return services(bot).db


def texts_to(bot: Harness, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in bot.sim.calls_to("sendMessage")
            if int(c.params["chat_id"]) == chat_id]  # fmt: skip


async def join_without_choosing(bot: Harness, user_id: int, app_language: str) -> SimUser:
    """A resident who picks a village with /village and never picks a language."""
    person = bot.user(user_id, f"R{user_id}", app_language)
    await person.send("/village")
    await person.tap_data("v1:ob:reg:krg:0")
    await person.tap_data("v1:ob:dis:krg-osakarovka:0")
    await person.tap_data(f"v1:ob:vil:{MOLODEZHNY}")
    return person


async def broadcast(bot: Harness, text: str) -> None:
    """Staff (Kazakh app) send a notice to Molodezhny."""
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/broadcast")
    await staff.send(text)
    await staff.tap("Молодежный")
    await staff.tap_data("v1:ntc:vok")
    await staff.tap_data("v1:ntc:send")
    await bot.broadcasts_finished()


async def test_the_app_language_is_stored_at_every_contact(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru-RU")
    await ivan.send("/menu")
    person = await people.get_by_telegram_id(db_of(bot), 1002)
    assert person is not None and (person.language, person.telegram_language) == (None, "ru")
    ivan.language_code = "en"  # he switched his phone to English
    await ivan.send("/menu")
    person = await people.get_by_telegram_id(db_of(bot), 1002)
    assert person is not None and person.telegram_language == "en"
    ivan.language_code = "de"  # a language the bot does not speak: the default applies
    await ivan.send("/menu")
    person = await people.get_by_telegram_id(db_of(bot), 1002)
    assert person is not None and person.telegram_language is None


async def test_concurrent_arrivals_store_their_app_language_in_one_group(db: Database) -> None:
    arrivals = [
        sessions.Arrival(n, utcnow(), 2000 + n, f"R{n}", ("kk", "ru", None)[n % 3])
        for n in range(30)
    ]
    found = await asyncio.gather(*(sessions.open_session(db, a) for a in arrivals))
    assert [s.person.telegram_language for s in found if s.person] == [a.language for a in arrivals]


async def test_staff_granted_by_cli_get_a_new_item_notice_in_their_app_language(
    bot: Harness,
) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")  # granted by the command line, never chose
    await staff.send("/inbox")
    aigerim = await resident(bot, 1001, "Айгерім", "kk")
    await file_complaint(aigerim, "Көшеде шам жанбайды, үш апта болды.")
    appeal = await latest(bot)
    village = await territory.get_village(db_of(bot), OSAKAROVKA)
    assert village is not None
    ru = services(bot).i18n.get("ru")
    assert staff.last_text == appeal_texts.new_item(ru, appeal, village)


async def test_staff_who_never_chose_get_the_digest_in_their_app_language(bot: Harness) -> None:
    await seed_region(db_of(bot))
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/menu")
    result = await delivery.send_digests(services(bot), bot.app.bot, local(2026, 11, 30, 9, 5))
    assert result.sent >= 1
    digest = "\n".join(texts_to(bot, STAFF_ID))
    assert "📊 Сводка по вашим сёлам" in digest
    assert "Осакаровский район" in digest


async def test_resident_who_never_chose_gets_a_broadcast_in_their_app_language(
    bot: Harness,
) -> None:
    olga = await join_without_choosing(bot, 102, "ru")
    person = await people.get_by_telegram_id(db_of(bot), 102)
    assert person is not None and person.language is None and person.village_code == MOLODEZHNY
    await broadcast(bot, "Ертең су болмайды.")
    assert olga.last_text == "📢 Объявление акимата\n\nЕртең су болмайды."


async def test_a_chosen_language_wins_over_the_app_language(bot: Harness) -> None:
    olga = await join_without_choosing(bot, 102, "ru")
    await olga.send("/language")
    await olga.tap("English")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/language")
    await staff.tap("Қазақша")
    await broadcast(bot, "Ертең су болмайды.")
    assert olga.last_text == "📢 Notice from the akimat\n\nЕртең су болмайды."
    aigerim = await resident(bot, 1001, "Айгерім", "kk")
    await file_complaint(aigerim, "Көшеде шам жанбайды, үш апта болды.")
    appeal = await latest(bot)  # once the staff were told: just after the answer
    assert staff.last_text.startswith("📥 ")
    kk = services(bot).i18n.get("kk")
    village = await territory.get_village(db_of(bot), OSAKAROVKA)
    assert village is not None
    assert staff.last_text == appeal_texts.new_item(kk, appeal, village)


async def test_my_data_shows_the_app_language(bot: Harness) -> None:
    olga = await join_without_choosing(bot, 102, "ru")
    await olga.send("/mydata")
    assert "Язык вашего приложения Telegram: Русский" in olga.texts[-1].splitlines()
