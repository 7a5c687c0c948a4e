"""Both state languages for what staff type: a Kazakh and a Russian version of hearings,
polls, notices, outcomes and answers; each resident gets their language's, else the other."""

from __future__ import annotations

from bot import share
from bot.simulator import Harness
from storage import hearings
from storage import polls as polls_repo
from tests.appeal_helpers import file_complaint, latest, resident, services
from tests.conftest import STAFF_ID
from tests.hearing_helpers import (
    AGENDA_KK,
    AGENDA_RU,
    PLACE_KK,
    PLACE_RU,
    TOPIC_KK,
    TOPIC_RU,
    announce_hearing,
)
from tests.poll_helpers import MOLODEZHNY


async def test_a_russian_reader_gets_the_russian_version_of_a_hearing(bot: Harness) -> None:
    aigerim = await resident(bot, 1301, "Айгерім", "kk", MOLODEZHNY)
    ivan = await resident(bot, 1302, "Иван", "ru", MOLODEZHNY)
    dana = await resident(bot, 1303, "Dana", "en", MOLODEZHNY)
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    hearing = await announce_hearing(bot, staff, "Молодежный", russian=True)
    assert hearing.topic == TOPIC_KK  # the first version stays in its place
    assert hearing.versions.text("ru", "topic") == TOPIC_RU
    assert f"«{TOPIC_RU}»" in ivan.last_text and PLACE_RU in ivan.last_text
    assert AGENDA_RU in ivan.last_text and TOPIC_KK not in ivan.last_text
    assert f"«{TOPIC_KK}»" in aigerim.last_text and PLACE_KK in aigerim.last_text
    assert AGENDA_KK in aigerim.last_text and TOPIC_RU not in aigerim.last_text
    assert f"«{TOPIC_KK}»" in dana.last_text  # no English version: the first
    # Staff saw both before sending.
    assert any(text.startswith("Орысша:\n\n") and TOPIC_RU in text for text in staff.texts)
    # The share text and the notice board read each language's version.
    i18n = services(bot).i18n
    assert TOPIC_RU in share.hearing_text(i18n.get("ru"), hearing)
    assert TOPIC_KK in share.hearing_text(i18n.get("kk"), hearing)


async def test_a_kazakh_only_hearing_falls_back_for_a_russian_reader(bot: Harness) -> None:
    ivan = await resident(bot, 1302, "Иван", "ru", MOLODEZHNY)
    await announce_hearing(bot, bot.user(STAFF_ID, "Ерлан", "kk"), "Молодежный")
    assert ivan.last_text.startswith(f"🏛 Публичные слушания\n«{TOPIC_KK}»")
    assert PLACE_KK in ivan.last_text and AGENDA_KK in ivan.last_text


async def test_the_offer_names_the_other_language(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/newhearing")
    await staff.send("Ремонт дороги на улице Абая")  # Russian, though the staff's app is Kazakh
    hearing_days = [b for b in staff.buttons() if b["callback_data"].startswith("v1:hn:day:")]
    await staff.tap_data(hearing_days[1]["callback_data"])
    await staff.tap("18:00")
    await staff.send("Дом культуры")
    await staff.tap_data("v1:hn:nopin")
    await staff.send("1. Ремонт дороги")
    assert staff.texts[-2].startswith("Қазақша оқитын тұрғындар мұны қазақша алуы мүмкін")
    assert "✍️ Қазақша нұсқасын қосу" in [b["text"] for b in staff.buttons(staff.messages[-2])]


async def test_a_bilingual_poll(bot: Harness) -> None:
    aigerim = await resident(bot, 1301, "Айгерім", "kk", MOLODEZHNY)
    ivan = await resident(bot, 1302, "Иван", "ru", MOLODEZHNY)
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    # A poll: the question and the options in both languages.
    await staff.send("/newpoll")
    await staff.send("Алдымен не жөндейміз?")
    await staff.send("Жол\nСу құбыры")
    await staff.tap_data("v1:npl:ver:add")
    await staff.send("Что ремонтируем первым?")
    await staff.send("Дорога\nВодопровод\nШкола")  # one too many
    assert staff.last_text.startswith("Нұсқалар бірінші нұсқадағыдай болуы керек (2)")
    await staff.send("Дорога\nВодопровод")
    await staff.tap_data("v1:npl:kind:1")
    await staff.tap("Молодежный")
    await staff.tap_data("v1:npl:vok")
    await staff.tap_data("v1:npl:who:0")  # every resident of the village votes
    await staff.tap_data("v1:npl:in:3")
    await staff.tap_data("v1:npl:chg:0")
    await staff.tap_data("v1:npl:show:0")
    await staff.tap_data("v1:npl:go")
    await bot.broadcasts_finished()
    assert "Что ремонтируем первым?" in ivan.last_text and "2. Водопровод" in ivan.last_text
    assert "Алдымен не жөндейміз?" in aigerim.last_text and "2. Су құбыры" in aigerim.last_text
    assert "2. Водопровод" in ivan.button_labels()
    await ivan.send("2")  # the typed number is the same option in either language
    assert "Ваш выбор: Водопровод" in ivan.last_text
    row = await services(bot).db.fetch_one("SELECT MAX(id) FROM polls")
    assert row is not None
    poll = await polls_repo.get(services(bot).db, row[0])
    assert poll is not None and poll.options == ("Жол", "Су құбыры")


async def test_a_bilingual_notice(bot: Harness) -> None:
    aigerim = await resident(bot, 1301, "Айгерім", "kk", MOLODEZHNY)
    ivan = await resident(bot, 1302, "Иван", "ru", MOLODEZHNY)
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/broadcast")
    await staff.send("Ертең сағат 10-нан 14-ке дейін су болмайды.")
    await staff.tap_data("v1:ntc:ver:add")
    await staff.send("Завтра с 10 до 14 часов не будет воды.")
    await staff.tap("Молодежный")
    await staff.tap_data("v1:ntc:vok")
    await staff.tap_data("v1:ntc:send")
    await bot.broadcasts_finished()
    assert ivan.last_text == "📢 Объявление акимата\n\nЗавтра с 10 до 14 часов не будет воды."
    assert aigerim.last_text.endswith("Ертең сағат 10-нан 14-ке дейін су болмайды.")


async def test_an_outcome_with_its_russian_version(bot: Harness) -> None:
    ivan = await resident(bot, 1302, "Иван", "ru", MOLODEZHNY)
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    hearing = await announce_hearing(bot, staff, "Молодежный", russian=True)
    db = services(bot).db
    await db.execute_write(
        "UPDATE hearings SET starts_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (hearing.id,)
    )  # it has begun: its outcome can be recorded
    await staff.tap_data(f"v1:ha:outcome:{hearing.id}")
    await staff.send("45")
    await staff.send("Жол жөндеу бекітілді.")
    await staff.tap_data("v1:ha:ver:add")
    await staff.send("Ремонт дороги утверждён.")
    await staff.tap_data("v1:ha:confirm")
    await bot.broadcasts_finished()
    assert "Ремонт дороги утверждён." in ivan.last_text
    assert "Жол жөндеу" not in ivan.last_text
    held = await hearings.get(db, hearing.id)
    assert held is not None and held.decisions == "Жол жөндеу бекітілді."
    assert held.versions.text("ru", "topic") == TOPIC_RU  # the earlier versions stay


async def test_a_new_place_drops_its_old_version_unless_given_again(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    hearing = await announce_hearing(bot, staff, "Молодежный", russian=True)
    await staff.tap_data(f"v1:ha:place:{hearing.id}")
    await staff.send("Мектеп")
    await staff.tap_data("v1:ha:nopin")
    await staff.tap_data("v1:ha:confirm")
    await bot.broadcasts_finished()
    moved = await hearings.get(services(bot).db, hearing.id)
    assert moved is not None and moved.place == "Мектеп"
    assert moved.versions.text("ru", "place") is None  # not the old «Дом культуры»
    assert moved.versions.text("ru", "topic") == TOPIC_RU


async def test_an_answer_in_the_residents_language_and_the_prompt_names_it(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru", started=True)
    aigerim = await resident(bot, 1301, "Айгерім", "kk")
    await file_complaint(aigerim, "Орталық көшеде үлкен шұңқыр бар")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    assert "Язык: Қазақша" in staff.last_text  # the item's card names the reader's language
    await staff.tap("💬 Ответить")
    assert staff.last_text.endswith("Житель читает по-казахски.")
    await staff.send("Завтра засыплем щебнем.")
    assert staff.last_text.startswith("Житель читает по-казахски, а вы, похоже, написали")
    await staff.tap("✍️ Добавить на казахском")
    assert staff.last_text.startswith("✍️ Ваш текст на казахском. Первая версия:")
    await staff.send("Ертең қиыршық тас төгеміз.")
    assert aigerim.last_text.endswith("Ертең қиыршық тас төгеміз.")
    assert "щебнем" not in aigerim.last_text
    await aigerim.send("/my")
    await aigerim.tap(f"#{appeal.number}")
    assert "«Ертең қиыршық тас төгеміз.»" in aigerim.last_text
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    assert "«Завтра засыплем щебнем.»" in staff.last_text  # staff see what they wrote first


async def test_an_answer_already_in_the_residents_language_is_not_asked_about(
    bot: Harness,
) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru", started=True)
    ivan = await resident(bot, 1302, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    await staff.send("Завтра починим колонку.")
    assert staff.last_text.startswith("💬 Ответ по #")
    assert ivan.last_text.endswith("Завтра починим колонку.")
