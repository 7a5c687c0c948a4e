"""A resident joins: language, region, district, village; deep links; changes; restarts."""

from __future__ import annotations

import pytest

from bot.simulator import Harness, SimUser
from storage import people

pytestmark = pytest.mark.both_databases


async def stored(bot: Harness, user: SimUser) -> people.Person:
    person = await people.get_by_telegram_id(bot.app.bot_data.services.db, user.id)  # type: ignore[union-attr]
    assert person is not None
    return person


async def test_resident_onboards_in_kazakh_by_buttons(bot: Harness) -> None:
    aigerim = bot.user(1001, "Айгерім", "kk")
    await aigerim.send("/start")
    assert "Тілді таңдаңыз" in aigerim.last_text
    assert aigerim.button_labels()[0] == "✓ Қазақша"  # preselected from the client language

    await aigerim.tap("Қазақша")
    assert aigerim.last_text == "Облысыңызды таңдаңыз:"
    await aigerim.tap("Қарағанды облысы")
    assert "Ауданыңызды таңдаңыз" in aigerim.last_text
    await aigerim.tap("Осакаров ауданы")
    assert "Ауылыңызды таңдаңыз" in aigerim.last_text
    await aigerim.tap("Молодежный")

    assert "Сіздің ауылыңыз: Молодежный (Осакаров ауданы, Қарағанды облысы)" in aigerim.texts[-2]
    # The reply menu stays under the input field: large buttons, in her language.
    labels = [button["text"] for button in aigerim.reply_keyboard]
    assert labels == [
        "📝 Шағым",
        "🏛 Жиындар",
        "🗳 Сауалнамалар",
        "📋 Менің өтініштерім",
        "☰ Мәзір",
    ]
    await aigerim.press("Мәзір")  # the whole menu, one press away
    assert "🏡 Менің ауылым" in aigerim.button_labels()
    person = await stored(bot, aigerim)
    assert (person.language, person.village_code) == ("kk", "krg-osakarovka-molodezhny")


async def test_resident_onboards_in_russian(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start")
    assert "Выберите язык" in ivan.last_text
    await ivan.tap("Русский")
    await ivan.tap("Мангистауская область")
    await ivan.tap("Бейнеуский район")
    assert ivan.button_labels()[:2] == ["Бейнеу", "Боранкул"]
    await ivan.tap("Боранкул")
    assert "Ваше село: Боранкул (Бейнеуский район, Мангистауская область)" in ivan.texts[-2]
    assert ivan.last_text == "Что вы хотите сделать?"
    person = await stored(bot, ivan)
    assert (person.language, person.village_code) == ("ru", "mng-beineu-borankul")


async def test_unknown_client_language_falls_back_to_default(bot: Harness) -> None:
    user = bot.user(1003, "Otabek", "uz")
    await user.send("/start")
    assert "Тілді таңдаңыз" in user.last_text  # DEFAULT_LANGUAGE is kk


async def test_back_button_returns_to_the_previous_list(bot: Harness) -> None:
    user = bot.user(1004, "Dana", "en")
    await user.send("/start")
    await user.tap("English")
    await user.tap("Karaganda Region")
    await user.tap("Osakarovka District")
    await user.tap("« Back")
    assert "Choose your district" in user.last_text
    await user.tap("« Back")
    assert user.last_text == "Choose your region:"


async def test_deep_link_binds_the_village_in_one_step(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    assert "Ваше село: Осакаровка" in ivan.last_text
    person = await stored(bot, ivan)
    assert (person.language, person.village_code) == ("ru", "krg-osakarovka-osakarovka")


async def test_deep_link_to_unknown_village_asks_for_the_village(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_no-such-village")
    assert "Села из этой ссылки нет в Qatysu" in ivan.texts[-2]
    assert ivan.last_text == "Выберите область:"
    assert (await stored(bot, ivan)).village_code is None


async def test_returning_resident_gets_the_menu(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.send("/start")
    assert ivan.last_text == "С возвращением! Ваше село: Осакаровка."


async def test_language_change_answers_in_the_new_language(bot: Harness) -> None:
    dana = bot.user(1004, "Dana", "en")
    await dana.send("/start v_krg-nura-nura")
    await dana.send("/language")
    await dana.tap("Қазақша")
    assert dana.texts[-2] == "Тіл: қазақша."
    assert dana.last_text == "Не істегіңіз келеді?"
    assert (await stored(bot, dana)).language == "kk"
    chat_menus = [
        c
        for c in bot.sim.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("chat_id") == dana.id
    ]
    assert (
        chat_menus
        and chat_menus[-1].params["commands"][0]["description"] == "Бастау және ауылды таңдау"
    )


async def test_village_change_from_the_menu(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.press("☰ Меню")
    await ivan.tap("🏡 Моё село")
    await ivan.tap("Восточно-Казахстанская область")
    await ivan.tap("Глубоковский район")
    await ivan.tap("Белоусовка")
    assert ivan.last_text.startswith("Ваше село в Qatysu: Осакаровка")  # a move: asked first
    assert (await stored(bot, ivan)).village_code == "krg-osakarovka-osakarovka"
    await ivan.tap("✅ Да, переехать")
    assert (await stored(bot, ivan)).village_code == "vko-glubokoye-belousovka"


async def test_a_village_typed_at_the_language_step_is_offered(bot: Harness) -> None:
    user = bot.user(1002, "Иван", "ru")
    await user.send("/start")
    await user.send("Осакаровка")  # the language shown (Russian) is kept
    place = "Осакаровка (Осакаровский район, Карагандинская область)"
    assert user.last_text == f"Это ваше село: {place}?"
    await user.tap("✅")
    person = await stored(bot, user)
    assert (person.language, person.village_code) == ("ru", "krg-osakarovka-osakarovka")


async def test_anything_but_text_during_onboarding_asks_to_use_buttons(bot: Harness) -> None:
    user = bot.user(1002, "Иван", "ru")
    await user.send("/start")
    await user.send_sticker()
    assert user.last_text == "Выберите вариант кнопками выше или отправьте /cancel, чтобы прервать."
    await user.tap("Русский")  # the dialog goes on, in the message that had the buttons
    assert user.texts[-2] == "Выберите область:"


async def test_cancel_leaves_onboarding_and_old_buttons_go_stale(bot: Harness) -> None:
    user = bot.user(1002, "Иван", "ru")
    await user.send("/start")
    await user.tap("Русский")
    await user.send("/cancel")
    assert user.last_text == "Отменено. Ничего не изменено."
    answer = await user.tap("Мангистауская область")
    assert answer is not None and answer["text"] == "Эта кнопка устарела. Отправьте /start."
    await user.send("/cancel")
    assert user.last_text == "Отменять нечего."


async def test_onboarding_continues_after_a_crash(bot: Harness) -> None:
    user = bot.user(1002, "Иван", "ru")
    await user.send("/start")
    await user.tap("Русский")
    await user.tap("Карагандинская область")
    await bot.restart(crash=True)  # killed: nothing flushed on the way down
    await user.send("какой-то текст")
    assert user.texts[-2].startswith("Не нашёл село «какой-то текст»")  # still in the dialog
    await user.tap("Нуринский район")
    await user.tap("Нура")
    assert (await stored(bot, user)).village_code == "krg-nura-nura"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
async def test_long_village_lists_are_paginated(bot: Harness, language: str) -> None:
    db = bot.app.bot_data.services.db  # type: ignore[union-attr]
    from storage.models import Names
    from storage.territory import TerritoryRow, upsert_territory

    region, district = Names("Облыс", "Область", "Region"), Names("Аудан", "Район", "District")
    rows = [
        TerritoryRow(
            f"t-big-{n:02d}",
            "t-big",
            "t",
            region,
            district,
            Names(f"Ауыл {n:02d}", f"Село {n:02d}", f"Village {n:02d}"),
        )
        for n in range(1, 20)
    ]
    await upsert_territory(db, rows)
    user = bot.user(1010, "Test", language)
    await user.send("/start")
    await user.tap("✓")
    await user.tap(region.get(language))
    await user.tap(district.get(language))
    labels = user.button_labels()
    assert len(labels) == 8 + 1 + 1  # a page of villages, "next", "back"
    await user.tap({"kk": "Келесі ›", "ru": "Следующая ›", "en": "Next ›"}[language])
    await user.tap({"kk": "Келесі ›", "ru": "Следующая ›", "en": "Next ›"}[language])
    assert len(user.button_labels()) == 3 + 1 + 1  # villages 17-19, "previous", "back"
    await user.tap(f"{ {'kk': 'Ауыл', 'ru': 'Село', 'en': 'Village'}[language] } 19")
    assert (await stored(bot, user)).village_code == "t-big-19"
