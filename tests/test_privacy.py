"""/mydata shows what is stored; /deletedata erases it after a confirmation."""

from __future__ import annotations

from bot.simulator import Harness
from storage import people
from storage.db import Database
from tests.conftest import STAFF_ID


def services_db(bot: Harness) -> Database:
    services = bot.app.bot_data.services
    assert services is not None
    return services.db


async def test_my_data_lists_what_is_stored(bot: Harness) -> None:
    aigerim = bot.user(1001, "Айгерім", "kk")
    await aigerim.send("/start v_krg-osakarovka-molodezhny")
    await aigerim.send("/mydata")
    lines = aigerim.last_text.splitlines()
    assert lines[:5] == [
        "Qatysu сіз туралы сақтайтын деректер:",
        "Telegram ID: 1001",
        "Аты: Айгерім",
        "Тілі: Қазақша",
        "Ауылы: Молодежный",
    ]
    assert lines[5].startswith("Qatysu-да тіркелген күні: ")
    assert lines[-1] == "Деректеріңізді жою үшін: /deletedata"


async def test_delete_data_after_confirmation(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.send("/deletedata")
    assert ivan.last_text.startswith("Удалить ваши данные?")
    await ivan.tap("Да, удалить")
    assert ivan.last_text.startswith(
        "Ваши данные удалены. Чтобы присоединиться снова, отправьте /start.\n\n"
        "Под псевдонимным ключом остались: ваше село"
    )
    db = services_db(bot)
    assert await people.get_by_telegram_id(db, 1002) is None
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM people WHERE first_name = 'Иван' OR telegram_id = 1002"
    )
    assert row is not None and row[0] == 0
    counts = {c.village.code: c.total for c in await people.count_by_village(db)}
    assert counts["krg-osakarovka-osakarovka"] == 0  # a deleted resident is no longer counted


async def test_delete_data_can_be_declined(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.send("/deletedata")
    await ivan.tap("Нет, оставить")
    assert ivan.last_text == "Ничего не удалено."
    person = await people.get_by_telegram_id(services_db(bot), 1002)
    assert person is not None and person.village_code == "krg-osakarovka-osakarovka"


async def test_deleted_resident_can_start_again_as_new(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.send("/deletedata")
    await ivan.tap("Да, удалить")
    await ivan.send("/start")
    assert "Выберите язык" in ivan.last_text  # asked again: nothing was remembered


async def test_staff_are_told_their_roles_stay(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/mydata")
    assert "Роли: сотрудник акимата" in staff.last_text
    await staff.send("/deletedata")
    await staff.tap("Да, удалить")
    assert staff.last_text.endswith(
        "Ваши роли в акимате сохраняются, пока их не отзовёт администратор."
    )
